/**
 * What a garbage collection leaves, with the real nix-store: the shell an environment enters after
 * "edit hms-env.nix, re-launch" is kept by the environment's one root, and the pinned nixpkgs tree by
 * one root beside the state file, so a machine without network still launches and provisions.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { deadPaths, standInCopy, store } from "../helpers/nix.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

function launch(env: EnvRecord, ...args: string[]) {
  return execa(join(env.path, "launch.sh"), args, { reject: false, stdin: "ignore" });
}

describe("re-launching after an edit of the environment's hms-env.nix", () => {
  let ws: Workspace;
  let env: EnvRecord;
  let protoc: string;
  const roots = () => join(env.path, ".hms-env", "gcroots");

  beforeAll(async () => {
    ws = await createWorkspace("nix:\n  nixpkgs: ./nixpkgs-relaunch");
    standInCopy(ws.dir, "nixpkgs-relaunch");
    env = await ws.provision(["--component", "hms-sme", "--branch", "main"]);
    // the seed's "Missing dependencies: edit hms-env.nix to add required packages, re-launch"
    const nixFile = join(env.path, "hms-env.nix");
    const edited = readFileSync(nixFile, "utf8").replace(
      "[ ruby bundler rubyPackages.rails postgresql ]",
      "[ ruby bundler rubyPackages.rails postgresql protobuf ]",
    );
    writeFileSync(nixFile, edited);
    const which = await launch(env, "--run", "command -v protoc");
    expect(which.exitCode, which.stderr).toBe(0);
    protoc = which.stdout.trim();
  });
  afterAll(() => ws.remove());

  it("moves the environment's one root to the new shell, which holds the added tool", async () => {
    expect(protoc).toMatch(/^\/nix\/store\/\w+-protobuf-hms-stand-in\/bin\/protoc$/);
    expect(readdirSync(roots())).toEqual(["shell"]);
    const shell = readlinkSync(join(roots(), "shell"));
    expect(shell).not.toBe(env.shell);
    expect((await store("--query", "--requisites", shell)).stdout).toContain(
      protoc.replace(/\/bin\/protoc$/, ""),
    );
    const shown = await ws.cli(["show", env.id]);
    expect(shown.stdout).toContain(`gc root:    ${env.path}/.hms-env/gcroots/shell -> ${shell}`);
  });

  it("a garbage collection frees the shell it replaced and keeps the new one: the tool still runs", async () => {
    const dead = await deadPaths();
    expect(dead).toContain(env.shell);
    expect(dead).not.toContain(protoc.replace(/\/bin\/protoc$/, ""));
    // what nix-collect-garbage would do to this environment's paths
    expect((await store("--delete", env.shell ?? "")).exitCode).toBe(0);
    expect((await store("--delete", protoc.replace(/\/bin\/protoc$/, ""))).exitCode).not.toBe(0);

    const ran = await launch(env, "--run", "protoc --version");
    expect(ran.exitCode, ran.stderr).toBe(0);
    expect(ran.stdout).toBe("protoc (hms stand-in)");
  });

  it("a cache whose shell left the store is captured again, and rooted again", async () => {
    const shell = readlinkSync(join(roots(), "shell"));
    // an environment whose root went missing (removed by hand, or made before it was kept)
    await execa("rm", [join(roots(), "shell")]);
    expect((await store("--delete", shell)).exitCode).toBe(0);

    const ran = await launch(env, "--run", "protoc --version");
    expect(ran.exitCode, ran.stderr).toBe(0);
    expect(ran.stdout).toBe("protoc (hms stand-in)");
    expect(readlinkSync(join(roots(), "shell"))).toBe(shell);
    expect(readdirSync(roots())).toEqual(["shell"]);
  });

  it("cleanup removes the root with the environment", async () => {
    const shell = readlinkSync(join(roots(), "shell"));
    const cleaned = await ws.cli(["cleanup", env.id]);
    expect(cleaned.exitCode, cleaned.stderr).toBe(0);
    expect(existsSync(env.path)).toBe(false);
    expect(await deadPaths()).toContain(shell);
  });
});
