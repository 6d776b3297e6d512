import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MirrorLeftovers } from "../../src/envs/leftovers.js";
import type { MirrorPass } from "../../src/envs/mirror-maintenance.js";
import type { ReconcileReport } from "../../src/envs/reconcile.js";
import type { EnvRecord } from "../../src/store/schema.js";
import { blobPaths } from "../helpers/mirror.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

/**
 * Two configurations that differ only in their state file share one env root and so one cache folder
 * (mirrors under envRoot/.mirrors): each one's gc must leave the other's environments alone.
 */
let ws: Workspace;
let configB: string;
beforeAll(async () => {
  ws = await createWorkspace("limits:\n  maxEnvsPerOwner: 20");
  configB = join(ws.dir, "hms.b.yaml");
  writeFileSync(
    configB,
    readFileSync(ws.configFile, "utf8").replace(/^stateFile: .*$/m, "stateFile: ./data/state-b.json"),
  );
});
afterAll(() => ws.remove());

const anHourAgo = () => new Date(Date.now() - 3600_000);
type GcReport = ReconcileReport & { leftovers: MirrorPass<MirrorLeftovers> };
const envRefs = async (mirror: string) =>
  (await execa("git", ["for-each-ref", "--format=%(refname)", "refs/hms-env/"], { cwd: mirror })).stdout
    .split("\n")
    .filter(Boolean);

describe("two configurations sharing an env root and a cache folder", () => {
  it("gc of one leaves the other's folders, refs and checked-out blobs alone, and still prunes its own leftovers", async () => {
    const b = JSON.parse(
      (
        await ws.cli(["provision", "--component", "hms-sme", "--branch", "main", "--full", "--json"], {
          env: { HMS_CONFIG: configB },
        })
      ).stdout,
    ) as EnvRecord;
    expect(readFileSync(join(b.path, ".hms-env", "env.json"), "utf8")).toContain(
      `"stateFile": ${JSON.stringify(join(ws.dir, "data", "state-b.json"))}`,
    );
    // A's own leftover: a ref of a provisioning killed before it made its folder.
    const leaked = "refs/hms-env/env-0dead000";
    await execa("git", ["update-ref", leaked, b.commit ?? ""], { cwd: b.mirror });
    // Everything old enough for gc to judge: B's folder and ref could be orphans of A's by age alone.
    for (const path of [b.path, join(b.mirror, leaked), join(b.mirror, "refs", "hms-env", b.id)]) {
      utimesSync(path, anHourAgo(), anHourAgo());
    }
    const checkedOut = await blobPaths(b.mirror, b.commit ?? "", "present");
    expect(checkedOut).toContain("SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb");

    const gcA = await ws.cli(["gc", "--orphans", "--json"]);
    expect(gcA.exitCode, gcA.stderr).toBe(0);
    const report = JSON.parse(gcA.stdout) as GcReport;
    expect(report.removedOrphans).toEqual([]);
    expect(report.foreign).toEqual([b.path]);
    expect(existsSync(join(b.workdir, "SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb"))).toBe(true);
    expect(report.leftovers.done.flatMap((mirror) => mirror.prunedRefs)).toEqual([leaked]);
    expect(await envRefs(b.mirror)).toEqual([`refs/hms-env/${b.id}`]);
    expect(await blobPaths(b.mirror, b.commit ?? "", "present")).toEqual(checkedOut);
    expect((await execa("git", ["status", "--porcelain"], { cwd: b.workdir })).stdout).toBe("");

    // The plain report says so, and B's own configuration still knows and cleans its environment.
    const text = await ws.cli(["gc"]);
    expect(text.stdout).toContain(
      `marked for another state file (or by an older hms-env that named none), left alone:\n  ${b.path}`,
    );
    const cleanupB = await ws.cli(["cleanup", b.id], { env: { HMS_CONFIG: configB } });
    expect(cleanupB.exitCode, cleanupB.stderr).toBe(0);
    expect(existsSync(b.path)).toBe(false);
    expect(await envRefs(b.mirror)).toEqual([]);
  });
});
