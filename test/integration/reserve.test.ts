import { readdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
let frozen: string | undefined;
beforeAll(async () => {
  ws = await createWorkspace();
});
afterAll(async () => {
  if (frozen) await execa("chattr", ["-i", frozen], { reject: false });
  ws.remove();
});

const hmsRefs = async (mirror: string) =>
  (await execa("git", ["for-each-ref", "--format=%(refname)", "refs/hms-env/"], { cwd: mirror })).stdout;

describe("a state file that cannot be written at the reservation", () => {
  it("leaves no folder, no record and no ref behind", async () => {
    const first = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
    const folders = readdirSync(ws.envRoot);
    const refs = await hmsRefs(first.mirror);
    // Nothing may be created in the state file's folder now (root ignores permissions, not this).
    frozen = join(ws.dir, "data");
    await execa("chattr", ["+i", frozen]);
    const result = await ws.cli(["provision", "--component", "hms-sme", "--branch", "main"]);
    await execa("chattr", ["-i", frozen]);
    frozen = undefined;
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(ws.stateFile);
    expect(readdirSync(ws.envRoot)).toEqual(folders);
    expect(await hmsRefs(first.mirror)).toBe(refs);
    const listed = await ws.cli(["list", "--all", "--json"]);
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(1);
  });
});
