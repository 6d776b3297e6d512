import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { execa, execaSync } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { markUnfinished } from "../helpers/env-mark.js";
import { withWrapper } from "../helpers/git-wrapper.js";
import { eventually, startServe } from "../helpers/serve.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace('limits:\n  maxEnvsPerOwner: 20\nschedule:\n  reconcileInterval: "1h"');
});
afterAll(() => ws.remove());

const provision = (component: string) => ws.provision(["--component", component, "--branch", "main"]);

/** Whether a process runs (a zombie not yet reaped reads as gone too). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : "";
  return !/^\d+ \(.*\) Z/.test(stat);
}

/**
 * A `git` whose `worktree remove` starts a long `sleep` and waits for it, as a teardown stuck behind a
 * slow disk would: the sleep is git's child, not serve's, so only a signal to the whole group reaches it.
 */
function slowWorktreeRemove(dir: string, pidFile: string): string {
  const realGit = execaSync("bash", ["-c", "command -v git"]).stdout.trim();
  writeFileSync(
    join(dir, "git"),
    `#!/usr/bin/env bash
if [ "$1" = worktree ] && [ "$2" = remove ]; then
  sleep 300 &
  echo $! > ${JSON.stringify(pidFile)}
  wait $!
fi
exec ${realGit} "$@"
`,
    { mode: 0o755 },
  );
  return dir;
}

/** A pid that ran on this host and is gone now. */
async function deadPid(): Promise<number> {
  const child = execa("true");
  await child;
  return child.pid as number;
}

describe("serve stopped while a git command of its pass runs", () => {
  it("ends the command and what it started after one grace, keeps the state file whole, and exits 0", async () => {
    const env = await provision("hms-esr");
    const wrapper = join(ws.dir, "slow-git");
    const pidFile = join(ws.dir, "sleep.pid");
    mkdirSync(wrapper);
    slowWorktreeRemove(wrapper, pidFile);
    const serve = await startServe(ws, { PATH: withWrapper(wrapper) });
    await ws.rewrite(env.id, (due) => {
      due.expiresAt = new Date(Date.now() + 300).toISOString();
    });
    // The expiry has claimed it and its teardown sits in `git worktree remove`.
    await eventually(
      () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "",
      "the slow git",
    );
    const sleeper = Number(readFileSync(pidFile, "utf8").trim());
    expect(isRunning(sleeper)).toBe(true);
    expect(ws.stored(env.id)).toMatchObject({ status: "cleaning", claim: { pid: serve.process.pid } });

    expect(await serve.exitOn("SIGTERM"), serve.log()).toBe(0);
    // git's own child went with it: the signal reached the whole group, not only git.
    await eventually(() => !isRunning(sleeper), "the end of git's sleeping child", 5000);
    const log = serve.log();
    expect(log).toContain(`"action":"stop","signal":"SIGTERM"`);
    expect(log).toMatch(/"action":"end-children","count":1/);
    expect(log).toContain(`"action":"stopped"`);

    // The state file is whole; the cut-short teardown counts as no failed attempt: its claim, dead now,
    // is finished by the next cleanup at once.
    expect(ws.stored(env.id)).toMatchObject({ status: "cleaning", claim: { pid: serve.process.pid } });
    expect(ws.stored(env.id).attempts).toBeUndefined();
    const cleanup = await ws.cli(["cleanup", env.id]);
    expect(cleanup.exitCode, cleanup.stderr).toBe(0);
    expect(ws.stored(env.id)).toMatchObject({ status: "cleaned", cleanReason: "expired" });
    expect(existsSync(env.path)).toBe(false);
  });
});

describe("serve's start-up", () => {
  it("logs what its first pass did for each environment: resumed, abandoned, missing, expired", async () => {
    const [resumed, abandoned, missing, expired] = [
      await provision("hms-dev"),
      await provision("hms-sme"),
      await provision("hms-sys"),
      await provision("hms-esr"),
    ] as [EnvRecord, EnvRecord, EnvRecord, EnvRecord];
    const pid = await deadPid();
    const now = new Date();
    const claim = {
      pid,
      host: hostname(),
      since: now.toISOString(),
      attempt: 1,
      leaseUntil: new Date(now.getTime() + 3_600_000).toISOString(),
    };
    await ws.context().store.update((state) => {
      const find = (id: string) => state.environments.find((env) => env.id === id) as EnvRecord;
      Object.assign(find(resumed.id), { status: "cleaning", cleanReason: "manual", claim });
      Object.assign(find(abandoned.id), { status: "provisioning", claim });
      find(expired.id).expiresAt = new Date(now.getTime() - 1000).toISOString();
    });
    rmSync(missing.path, { recursive: true, force: true });
    markUnfinished(abandoned.path);

    const serve = await startServe(ws);
    try {
      const lines = serve
        .log()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const startup = (envId: string) =>
        lines.find((line) => line.envId === envId && line.phase === "startup");
      expect(startup(resumed.id), serve.log()).toMatchObject({ action: "resume" });
      expect(startup(abandoned.id), serve.log()).toMatchObject({ action: "abandon" });
      expect(startup(missing.id), serve.log()).toMatchObject({ action: "missing" });
      expect(startup(expired.id), serve.log()).toMatchObject({ action: "expire" });
    } finally {
      await serve.stop();
    }
    expect(ws.stored(resumed.id).status).toBe("cleaned");
    expect(ws.stored(abandoned.id).status).toBe("failed");
    expect(ws.stored(missing.id)).toMatchObject({ status: "cleaned", cleanReason: "missing" });
    expect(ws.stored(expired.id)).toMatchObject({ status: "cleaned", cleanReason: "expired" });
  });
});
