import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { worktrees } from "../helpers/mirror.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

/**
 * A full disk under the env root (and so under the mirrors in envRoot/.mirrors): a small tmpfs, filled
 * to the last byte. Mounting needs root (CAP_SYS_ADMIN); without it the test is skipped, saying why.
 */
const mountPoint = mkdtempSync(join(tmpdir(), "hms-full-disk-"));
const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint], {
  encoding: "utf8",
});
const cannotMount =
  mounted.status === 0
    ? undefined
    : `mount -t tmpfs is not permitted here: ${(mounted.stderr || mounted.error?.message || "").trim()}`;

let ws: Workspace;
beforeAll(async () => {
  if (cannotMount !== undefined) return;
  ws = await createWorkspace(`envRoot: ${JSON.stringify(join(mountPoint, "envs"))}`);
});
afterAll(() => {
  ws?.remove();
  if (cannotMount === undefined) spawnSync("umount", [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Writes to the tmpfs until it has no byte left. */
function fillDisk(name: string): void {
  const fd = openSync(join(mountPoint, name), "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
    // The last bytes, smaller than a chunk.
    try {
      for (;;) writeSync(fd, Buffer.alloc(512, 1));
    } catch {
      // full
    }
  } finally {
    closeSync(fd);
  }
}

const refOf = async (mirror: string, id: string) =>
  (await execa("git", ["for-each-ref", `refs/hms-env/${id}`], { cwd: mirror })).stdout;

describe("a full disk under the env root", () => {
  it.skipIf(cannotMount !== undefined)(
    `cleanup and gc still remove the environment folders, and finish the mirror's part once there is room${cannotMount ? ` (skipped: ${cannotMount})` : ""}`,
    async () => {
      const kept = await ws.provision(["--component", "hms-dev", "--branch", "main", "--sparse"]);
      const expired = await ws.provision(["--component", "hms-sme", "--branch", "main", "--sparse"]);
      await ws.rewrite(expired.id, (env) => {
        env.expiresAt = new Date(Date.now() - 1000).toISOString();
      });
      fillDisk("filler-1");
      // Nothing can be written: not even the owner file inside the mirror lock's folder.
      expect(() => writeFileSync(join(mountPoint, "probe"), "x")).toThrow(/ENOSPC/);

      const cleanup = await ws.cli(["cleanup", kept.id]);
      expect(cleanup.exitCode).toBe(1);
      expect(cleanup.stderr).toContain(`removed the folder ${kept.path}`);
      expect(cleanup.stderr).toContain("is full");
      expect(cleanup.stderr).toContain(`refs/hms-env/${kept.id} stay in ${kept.mirror}`);
      expect(existsSync(kept.path)).toBe(false);

      // The folder gave its space back: filled again, for gc.
      fillDisk("filler-2");
      const gc = await ws.cli(["gc"]);
      expect(gc.exitCode).toBe(1);
      expect(gc.stdout).toContain(`could not clean ${expired.id}: removed the folder ${expired.path}`);
      expect(existsSync(expired.path)).toBe(false);
      // The mirror still names both: its part is left for the next try, and the records say so.
      expect(await worktrees(kept.mirror)).toContain(kept.workdir);
      expect(await refOf(kept.mirror, kept.id)).not.toBe("");
      const listed = JSON.parse((await ws.cli(["list", "--all", "--json"])).stdout) as EnvRecord[];
      for (const env of [kept, expired]) {
        const record = listed.find((candidate) => candidate.id === env.id);
        expect(record?.status, env.id).toBe("cleaning");
        expect(record?.lastError).toContain("the mirror's part waits");
      }

      // Room again: the next pass finishes both (their folders already gone) and the records end cleaned.
      for (const name of ["filler-1", "filler-2"]) rmSync(join(mountPoint, name));
      await ws.context().store.update((state) => {
        for (const env of state.environments)
          if (env.nextAttemptAt) env.nextAttemptAt = new Date(0).toISOString();
      });
      const again = await ws.cli(["gc", "--json"]);
      expect(again.exitCode, again.stdout + again.stderr).toBe(0);
      expect(await worktrees(kept.mirror)).not.toContain(kept.workdir);
      expect(await worktrees(kept.mirror)).not.toContain(expired.workdir);
      expect(await refOf(kept.mirror, kept.id)).toBe("");
      expect(await refOf(kept.mirror, expired.id)).toBe("");
      const after = JSON.parse((await ws.cli(["list", "--all", "--json"])).stdout) as EnvRecord[];
      expect(
        after.filter((env) => env.id === kept.id || env.id === expired.id).map((env) => env.status),
      ).toEqual(["cleaned", "cleaned"]);
    },
  );
});
