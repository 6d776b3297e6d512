import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extendEnvironment, findEnvironment } from "../../src/envs/lifecycle.js";
import { settleDue } from "../../src/envs/reconcile.js";
import { worktrees } from "../helpers/mirror.js";
import { startServe } from "../helpers/serve.js";
import { CLI, createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace("limits:\n  maxEnvsPerOwner: 50");
});
afterAll(() => ws.remove());

describe("an expiry racing an extension", () => {
  it("ends either extended and ready or cleaned with the extension refused, never both", async () => {
    const context = ws.context();
    for (let round = 0; round < 4; round++) {
      const env = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
      await ws.rewrite(env.id, (stored) => {
        stored.expiresAt = new Date(Date.now() - 1000).toISOString();
      });
      const [, extended] = await Promise.allSettled([
        settleDue(context),
        extendEnvironment(context, env.id, "8h", "tester"),
      ]);
      const after = await findEnvironment(context, env.id);
      if (extended.status === "fulfilled") {
        expect(after.status).toBe("ready");
        expect(existsSync(env.path)).toBe(true);
        expect(Date.parse(after.expiresAt)).toBeGreaterThan(Date.now());
        await ws.cli(["cleanup", env.id]);
      } else {
        expect(after.status).toBe("cleaned");
        expect(String(extended.reason)).toMatch(/only a ready one can be extended/);
        expect(existsSync(env.path)).toBe(false);
      }
    }
  });
});

describe("an environment that cannot be cleaned", () => {
  it("is reported and kept whole, and the others are cleaned all the same", async () => {
    const stuck = await ws.provision(["--component", "hms-sme", "--branch", "main"]);
    const due = await ws.provision(["--component", "hms-esr", "--branch", "main"]);
    // Someone moved the first one out of the env root and pointed its record there.
    const elsewhere = join(ws.dir, "moved-out");
    renameSync(stuck.path, elsewhere);
    await execa("git", ["worktree", "repair", join(elsewhere, "checkout")], { cwd: stuck.mirror });
    for (const env of [stuck, due]) {
      await ws.rewrite(env.id, (stored) => {
        stored.expiresAt = new Date(Date.now() - 1000).toISOString();
        if (stored.id === stuck.id)
          Object.assign(stored, { path: elsewhere, workdir: join(elsewhere, "checkout") });
      });
    }
    const gc = await ws.cli(["gc"]);
    expect(gc.exitCode).toBe(1);
    expect(gc.stdout).toContain(`expired and cleaned: ${due.id}`);
    expect(gc.stdout).toContain(`could not clean ${stuck.id}: refusing to delete ${elsewhere}`);
    expect(existsSync(due.path)).toBe(false);
    expect(existsSync(join(elsewhere, "checkout", "README.md"))).toBe(true);
    expect(await worktrees(stuck.mirror)).toContain(join(elsewhere, "checkout"));
    // It stays claimed for cleanup, says why, and waits for its next attempt instead of being retried at once.
    const after = await findEnvironment(ws.context(), stuck.id);
    expect(after).toMatchObject({ status: "cleaning", attempts: 1, cleanReason: "expired" });
    expect(after.lastError).toContain(`refusing to delete ${elsewhere}`);
    expect(Date.parse(after.nextAttemptAt as string)).toBeGreaterThan(Date.now());
    expect(after.claim).toBeUndefined();
  });

  it("is refused when its folder is reached through a symlink out of the env root", async () => {
    const env = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
    const outside = join(ws.dir, "outside");
    mkdirSync(outside);
    renameSync(env.path, join(outside, "env"));
    symlinkSync(outside, join(ws.envRoot, "link"));
    const throughLink = join(ws.envRoot, "link", "env");
    await ws.rewrite(env.id, (stored) =>
      Object.assign(stored, { path: throughLink, workdir: join(throughLink, "checkout") }),
    );
    const result = await ws.cli(["cleanup", env.id]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`refusing to delete ${throughLink}`);
    expect(existsSync(join(outside, "env", "launch.sh"))).toBe(true);
    expect(existsSync(join(outside, "env", "checkout", "README.md"))).toBe(true);
  });
});

describe("branch names the mirror has seen before", () => {
  it("fetches a/b after a was deleted upstream", async () => {
    await execa("git", ["branch", "topic", "main"], { cwd: ws.repo.path });
    const first = await ws.provision(["--component", "hms-dev", "--branch", "topic"]);
    await execa("git", ["branch", "-D", "topic"], { cwd: ws.repo.path });
    await execa("git", ["branch", "topic/x", "main"], { cwd: ws.repo.path });
    const second = await ws.provision(["--component", "hms-dev", "--branch", "topic/x"]);
    expect(second.branch).toBe("topic/x");
    for (const env of [first, second]) await ws.cli(["cleanup", env.id]);
  });

  it("refuses @{-1}, which git would expand inside a repository, with exit 2", async () => {
    const result = await execa("node", [CLI, "provision", "--component", "hms-dev", "--branch", "@{-1}"], {
      cwd: ws.repo.path,
      env: { HMS_CONFIG: ws.configFile },
      reject: false,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('branch "@{-1}" is not a valid branch name');
  });
});

describe("an interrupted provisioning", () => {
  // SIGHUP is what a closed terminal sends: handled like Ctrl-C, with the shell's exit code for it.
  it.each([
    ["SIGINT", 130],
    ["SIGHUP", 129],
  ] as const)("takes back what it made on %s and exits %i", async (signal, exitCode) => {
    // A shell whose inputs take a few seconds to build, so there is time to press Ctrl-C.
    writeFileSync(
      join(ws.dir, "slow.nix"),
      `{ pkgs ? import <nixpkgs> {}, component ? "all", envDir ? "" }:
pkgs.mkShell { buildInputs = [ (derivation { name = "slow-\${builtins.toString builtins.currentTime}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "/bin/sleep 3; /bin/mkdir $out" ]; }) ]; }
`,
    );
    const configFile = join(ws.dir, "slow.yaml");
    writeFileSync(
      configFile,
      `${readFileSync(ws.configFile, "utf8")}\n`.replace("nix:\n", "nix:\n  file: ./slow.nix\n"),
    );
    const child = execa(
      "node",
      [CLI, "provision", "--component", "hms-dev", "--branch", "main", "--config", configFile],
      {
        cwd: ws.dir,
        reject: false,
        stdin: "ignore",
      },
    );
    let output = "";
    await new Promise<void>((resolve) => {
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (/^ {2}reserve /m.test(output) && /^ {2}files /m.test(output)) resolve();
      });
    });
    child.kill(signal);
    const result = await child;
    expect(result.exitCode).toBe(exitCode);
    expect(result.stderr).toContain("interrupted");
    const id = /reserve\s+(env-[0-9a-f]+)/.exec(output)?.[1] as string;
    const env = ws.stored(id);
    expect(env).toMatchObject({ status: "failed" });
    expect(env.failure).toContain("interrupted");
    expect(env.claim).toBeUndefined();
    expect(existsSync(env.path)).toBe(false);
    expect(await worktrees(env.mirror)).not.toContain(env.workdir);
  });
});

describe("state file problems", () => {
  it("names a state file that cannot be read", async () => {
    const other = await createWorkspace('stateFile: "./state-dir"');
    try {
      mkdirSync(join(other.dir, "state-dir"));
      const result = await other.cli(["list"]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(`cannot read the state file ${join(other.dir, "state-dir")}`);
    } finally {
      other.remove();
    }
  });

  it("serve starts on a fresh install whose state folder does not exist yet", async () => {
    const fresh = await createWorkspace('stateFile: "./state/nested/state.json"');
    const serve = await startServe(fresh);
    try {
      const health = await fetch(`${serve.url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await serve.stop();
      fresh.remove();
    }
  });
});
