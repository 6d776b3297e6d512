/**
 * What a garbage collection leaves, with the real nix-store: the shell an environment enters after
 * "edit hms-env.nix, re-launch" is kept by the environment's one root, and the pinned nixpkgs tree by
 * one root beside the state file, so a machine without network still launches and provisions.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { deadPaths, nixFolder, pinStandIn, standInCopy, store } from "../helpers/nix.js";
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

describe("the pinned nixpkgs tree", () => {
  let ws: Workspace;
  let tarball: string;
  let tree: string;
  const root = () => join(ws.dir, "data", "gcroots", "nixpkgs");

  beforeAll(async () => {
    ws = await createWorkspace("nix:\n  file: ./nix/hms-env.nix\n  nixpkgs: pinned");
    tarball = await pinStandIn(ws.dir, nixFolder(ws.dir), "pin-gc", "3".repeat(40));
    const pin = JSON.parse(readFileSync(join(ws.dir, "nix", "nixpkgs.json"), "utf8"));
    tree = (await store("--print-fixed-path", "--recursive", "sha256", pin.sha256, "source")).stdout.trim();
  });
  afterAll(() => ws.remove());

  async function doctorLine(): Promise<string> {
    const result = await ws.cli(["doctor"]);
    return result.stdout.split("\n").find((line) => line.includes("pin root")) ?? "";
  }

  it("unrooted in the store, the doctor says the next garbage collection deletes it, and what to run", async () => {
    expect(existsSync(tree)).toBe(true);
    const result = await ws.cli(["doctor"]);
    expect(result.stdout).toContain(
      `FAIL  pin root     the pinned nixpkgs ${tree} has no GC root (${root()} is missing): the next garbage collection deletes it`,
    );
    expect(result.stdout).toContain("fix: run hms-env warm");
  });

  it("provisioning roots it, and so does warm", async () => {
    await ws.provision(["--component", "hms-dev", "--branch", "main"]);
    expect(readlinkSync(root())).toBe(tree);
    expect(await doctorLine()).toBe(`pass  pin root     ${root()} -> ${tree}`);
    rmSync(root());
    const warmed = await ws.cli(["warm", "--component", "hms-dev", "--json"]);
    expect(warmed.exitCode, warmed.stderr).toBe(0);
    expect(JSON.parse(warmed.stdout).pinRoot).toBe(root());
    expect(readlinkSync(root())).toBe(tree);
  });

  it("survives a garbage collection, so an offline machine provisions again", async () => {
    rmSync(tarball); // offline: the pin's URL answers no more
    expect(await deadPaths()).not.toContain(tree);
    expect((await store("--delete", tree)).exitCode).not.toBe(0);
    const again = await ws.cli(["provision", "--component", "hms-sme", "--branch", "main"]);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  it("without the root, the collector deletes it and an offline provisioning fails (what the root prevents)", async () => {
    rmSync(root());
    expect(await doctorLine()).toMatch(/^FAIL {2}pin root .* is missing\)/);
    expect((await store("--delete", tree)).exitCode).toBe(0);
    const offline = await ws.cli(["provision", "--component", "hms-sys", "--branch", "main"]);
    expect(offline.exitCode).toBe(1);
    expect(offline.stderr).toContain("unable to download");
  });
});
