import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mirrorLock } from "../../src/envs/git.js";
import { testProcess } from "../helpers/host.js";
import { blobPaths } from "../helpers/mirror.js";
import { eventually, type ServeProcess, startServe } from "../helpers/serve.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  ws = await createWorkspace('schedule:\n  reconcileInterval: "1h"\n  maintenanceInterval: "1s"');
});
afterAll(async () => {
  await serve?.stop();
  ws.remove();
});

describe("serve maintains the mirrors", () => {
  it("writes the mirror's commit-graph on schedule.maintenanceInterval", async () => {
    const env = await ws.provision(["--component", "hms-dev", "--branch", "main", "--sparse"]);
    const graph = join(env.mirror, "objects", "info", "commit-graphs");
    expect(existsSync(graph)).toBe(false);
    // While another process holds the mirror's lock (a fetch, a checkout), maintenance waits for it.
    let released = false;
    const held = mirrorLock(testProcess())(env.mirror, async () => {
      serve = await startServe(ws);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(existsSync(graph)).toBe(false);
      released = true;
    });
    await held;
    expect(released).toBe(true);
    await eventually(() => existsSync(graph), "a commit-graph in the mirror");
    await eventually(
      () => serve?.log().includes("maintained 1 mirrors") ?? false,
      "the maintenance log line",
    );
    expect(serve?.log()).not.toContain("could not maintain");
  });
});

describe("hms-env gc gives back the blobs nobody needs", () => {
  let own: Workspace;
  beforeAll(async () => {
    own = await createWorkspace("limits:\n  maxEnvsPerOwner: 20");
  });
  afterAll(() => own.remove());

  it("drops the blobs of cleaned checkouts, keeps those of live ones and local commits", async () => {
    const sparse = await own.provision(["--component", "hms-dev", "--branch", "main", "--sparse"]);
    const full = await own.provision(["--component", "hms-sme", "--branch", "main", "--full"]);
    const commit = sparse.commit ?? "";
    const everything = (await execa("git", ["ls-files"], { cwd: own.repo.path })).stdout.split("\n").sort();
    expect(await blobPaths(sparse.mirror, commit, "present")).toEqual(everything);

    // Work of the developer's own in the live environment: objects that exist only in the mirror.
    writeFileSync(join(sparse.workdir, "SYSTEM-COMPONENTS/HMS-DEV/src/fix.ts"), "export const fix = 1;\n");
    const author = {
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@t",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@t",
    };
    await execa("git", ["add", "--all"], { cwd: sparse.workdir });
    await execa("git", ["commit", "--quiet", "--message", "local fix"], { cwd: sparse.workdir, env: author });

    expect((await own.cli(["cleanup", full.id])).exitCode).toBe(0);
    const gc = await own.cli(["gc"]);
    expect(gc.exitCode, gc.stderr).toBe(0);
    expect(gc.stdout).toMatch(/blobs no environment needs, dropped from .*: \d+ \(/);

    const kept = await blobPaths(sparse.mirror, commit, "present");
    expect(kept).toEqual(
      everything.filter((path) => !path.includes("/") || path.startsWith("SYSTEM-COMPONENTS/HMS-DEV/")),
    );
    const local = await execa("git", ["show", "HEAD:SYSTEM-COMPONENTS/HMS-DEV/src/fix.ts"], {
      cwd: sparse.workdir,
    });
    expect(local.stdout).toBe("export const fix = 1;");
    expect((await execa("git", ["status", "--porcelain"], { cwd: sparse.workdir })).stdout).toBe("");
    expect(
      (await execa("git", ["fsck", "--connectivity-only"], { cwd: sparse.mirror, reject: false })).exitCode,
    ).toBe(0);

    // Nothing more to give back; a full checkout fetches what was dropped again.
    expect((await own.cli(["gc"])).stdout).toContain("blobs no environment needs: none");
    const again = await own.provision(["--component", "hms-sme", "--branch", "main", "--full"]);
    expect(
      readFileSync(join(again.workdir, "SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb"), "utf8"),
    ).toContain("class User");
  });

  it("leaves a full mirror alone", async () => {
    const fullMirror = await createWorkspace("mirror:\n  partialClone: false");
    try {
      const env = await fullMirror.provision(["--component", "hms-dev", "--branch", "main"]);
      expect((await fullMirror.cli(["cleanup", env.id])).exitCode).toBe(0);
      const gc = await fullMirror.cli(["gc"]);
      expect(gc.stdout).toContain("blobs no environment needs: none");
      const everything = (await execa("git", ["ls-files"], { cwd: fullMirror.repo.path })).stdout
        .split("\n")
        .sort();
      expect(await blobPaths(env.mirror, env.commit ?? "", "present")).toEqual(everything);
    } finally {
      fullMirror.remove();
    }
  });
});
