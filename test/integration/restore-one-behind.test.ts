import { existsSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace();
});
afterAll(() => ws.remove());

describe("a state file restored from its backup, one write behind", () => {
  it("keeps a ready environment that the backup still shows provisioning: gc makes it ready again", async () => {
    const env = await ws.provision(["--component", "hms-dev", "--branch", "main", "--timeout", "2h"]);
    // The backup is the file before the last write: there the environment is still provisioning.
    writeFileSync(ws.stateFile, '{"version":1,"environments":[');
    const restored = await ws.cli(["doctor", "--restore-state"]);
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(ws.stored(env.id).status).toBe("provisioning");

    const gc = await ws.cli(["gc"]);
    expect(gc.exitCode, gc.stderr).toBe(0);
    expect(gc.stdout).toContain(`finished per its folder's mark, kept as ready: ${env.id}`);
    expect(gc.stdout).toContain("unfinished provisioning taken down: none");
    expect(ws.stored(env.id)).toMatchObject({ status: "ready", commit: env.commit });
    expect(ws.stored(env.id).claim).toBeUndefined();
    expect(existsSync(env.path)).toBe(true);
    // It goes as any ready one does.
    expect((await ws.cli(["cleanup", env.id])).exitCode).toBe(0);
    expect(existsSync(env.path)).toBe(false);
  }, 120_000);
});
