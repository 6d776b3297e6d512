import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMetadata } from "../../src/envs/metadata.js";
import type { EnvRecord } from "../../src/store/schema.js";
import { markUnfinished } from "../helpers/env-mark.js";
import { worktrees } from "../helpers/mirror.js";
import { CLI, createWorkspace, PROJECT_ROOT, type Workspace } from "../helpers/workspace.js";
import { envRecord } from "../unit/support.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace("limits:\n  maxEnvsPerOwner: 20");
});
afterAll(() => ws.remove());

async function show(id: string): Promise<EnvRecord> {
  return JSON.parse((await ws.cli(["show", id, "--json"])).stdout) as EnvRecord;
}

describe("list and show", () => {
  it("lists live environments as a table and as JSON; show takes an id, a prefix or the folder name", async () => {
    const env = await ws.provision(["--component", "hms-dev", "--branch", "feature/new-feature"]);
    const table = (await ws.cli(["list"])).stdout;
    expect(table.split("\n")[0]).toMatch(/^ID\s+STATUS\s+COMPONENT\s+SOURCE\s+OWNER\s+EXPIRES$/);
    expect(table).toMatch(
      new RegExp(`${env.id}\\s+ready\\s+hms-dev\\s+branch feature/new-feature\\s+tester\\s+in 23h 59m`),
    );
    const listed = JSON.parse((await ws.cli(["--json", "list"])).stdout) as EnvRecord[];
    expect(listed.map((e) => e.id)).toContain(env.id);
    expect((await show(env.id.slice(0, 8))).id).toBe(env.id);
    expect((await show(env.path.split("/").pop() as string)).id).toBe(env.id);
    const text = (await ws.cli(["show", env.id])).stdout;
    expect(text).toContain(`workdir:    ${env.workdir}`);
    await ws.cli(["cleanup", env.id]);
    expect((await ws.cli(["list"])).stdout).not.toContain(env.id);
    expect((await ws.cli(["list", "--all"])).stdout).toMatch(new RegExp(`${env.id}\\s+cleaned.*manual`));
  });
});

describe("extend", () => {
  it("counts from the later of now and the old deadline, capped at maxTimeout from now", async () => {
    const env = await ws.provision(["--component", "hms-dev", "--branch", "main", "--timeout", "2h"]);
    const once = JSON.parse((await ws.cli(["extend", env.id, "8h", "--json"])).stdout) as EnvRecord;
    expect(Date.parse(once.expiresAt) - Date.parse(env.expiresAt)).toBe(8 * 3600_000);
    const started = Date.now();
    const capped = JSON.parse((await ws.cli(["extend", env.id, "7d", "--json"])).stdout) as EnvRecord;
    const cap = Date.parse(capped.expiresAt) - started;
    expect(cap).toBeGreaterThan(7 * 86400_000 - 60_000);
    expect(cap).toBeLessThanOrEqual(7 * 86400_000 + 60_000);
    const text = await ws.cli(["extend", env.id, "1h"]);
    expect(text.stdout).toContain(`${env.id} now expires at`);
    await ws.cli(["cleanup", env.id]);
    const late = await ws.cli(["extend", env.id, "1h"]);
    expect(late.exitCode).toBe(2);
    expect(late.stderr).toContain("only a ready one can be extended");
  });
});

describe("gc", () => {
  it("cleans expired environments, forgets vanished folders and reports or removes orphans", async () => {
    const expired = await ws.provision(["--component", "hms-sme", "--branch", "main"]);
    const vanished = await ws.provision(["--component", "hms-esr", "--branch", "main"]);
    const kept = await ws.provision(["--component", "hms-sys", "--branch", "main"]);
    await ws.rewrite(expired.id, (env) => {
      env.expiresAt = new Date(Date.now() - 1000).toISOString();
    });
    rmSync(vanished.path, { recursive: true, force: true });
    // hms-env's own folder whose record is gone: it carries the mark hms-env writes at reservation.
    const orphan = join(ws.envRoot, "20260101_000000_hms-dev_stray");
    mkdirSync(join(orphan, "checkout"), { recursive: true });
    writeMetadata(envRecord("env-57a40000", { path: orphan }), {
      envRoot: ws.envRoot,
      stateFile: ws.stateFile,
    });
    const anHourAgo = new Date(Date.now() - 3600_000);
    utimesSync(orphan, anHourAgo, anHourAgo);
    // Not orphans: a folder too young to judge (its record may be being written), hms-env's own data
    // kept beside the environments, and a file.
    const young = join(ws.envRoot, "20260101_000001_hms-dev_young");
    mkdirSync(young);
    const ownData = join(ws.envRoot, "mirrors");
    mkdirSync(ownData);
    utimesSync(ownData, anHourAgo, anHourAgo);
    writeFileSync(join(ws.envRoot, "state.json"), "{}");

    const report = await ws.cli(["gc"]);
    expect(report.exitCode).toBe(0);
    expect(report.stdout).toContain(`expired and cleaned: ${expired.id}`);
    expect(report.stdout).toContain(`folder gone, marked cleaned: ${vanished.id}`);
    expect(report.stdout).toContain(orphan);
    expect(existsSync(orphan)).toBe(true);
    expect(existsSync(expired.path)).toBe(false);
    const list = await worktrees(kept.mirror);
    expect(list).not.toContain(vanished.workdir);
    expect(list).toContain(kept.workdir);

    const removal = JSON.parse((await ws.cli(["gc", "--orphans", "--json"])).stdout) as {
      removedOrphans: string[];
    };
    expect(removal.removedOrphans).toEqual([orphan]);
    expect(existsSync(orphan)).toBe(false);
    for (const kept of [young, ownData, join(ws.envRoot, "state.json")]) expect(existsSync(kept)).toBe(true);
    expect(existsSync(kept.path)).toBe(true);
    expect((await show(kept.id)).status).toBe("ready");
    await ws.cli(["cleanup", kept.id]);
  });
});

describe("gc and interrupted provisioning", () => {
  it("takes down a provisioning that never finished and frees its owner's slot", async () => {
    const env = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
    // As if the process had died half-way, 31 minutes ago.
    await ws.rewrite(env.id, (stored) =>
      Object.assign(stored, {
        status: "provisioning",
        createdAt: new Date(Date.now() - 31 * 60_000).toISOString(),
      }),
    );
    markUnfinished(env.path);
    const report = await ws.cli(["gc"]);
    expect(report.stdout).toContain(`unfinished provisioning taken down: ${env.id}`);
    expect(existsSync(env.path)).toBe(false);
    expect(await worktrees(env.mirror)).not.toContain(env.workdir);
    expect(await show(env.id)).toMatchObject({
      status: "failed",
      failure: "interrupted: provisioning never finished",
    });
  });
});

describe("doctor", () => {
  it("passes every check on a working setup", async () => {
    const result = await ws.cli(["doctor"]);
    expect(result.stdout).toMatch(/^pass {2}git/m);
    expect(result.stdout).toMatch(/^pass {2}nixpkgs/m);
    expect(result.stdout).toMatch(/^pass {2}repo/m);
    expect(result.exitCode).toBe(0);
  });

  it("fails with the fix when nixpkgs is missing or the config is invalid", async () => {
    writeFileSync(
      join(ws.dir, "broken.yaml"),
      `repo: ${JSON.stringify(ws.repo.path)}\nnix:\n  nixPath: "nixpkgs=/nonexistent"\n`,
    );
    const result = await ws.cli(["doctor", "--config", "broken.yaml"]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^FAIL {2}nixpkgs/m);
    expect(result.stdout).toContain("fix: nix-channel --add");
    writeFileSync(join(ws.dir, "invalid.yaml"), "limits:\n  maxEnvsPerOwner: lots\n");
    const invalid = await ws.cli(["doctor", "--config", "invalid.yaml"]);
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stdout).toMatch(/FAIL {2}config .*invalid\.yaml: limits\.maxEnvsPerOwner/);
  });
});

describe("the seed's provision-env.sh", () => {
  it("takes the seed's flags and provisions through hms-env", async () => {
    const wrapper = join(PROJECT_ROOT, "bin", "provision-env.sh");
    const result = await execa(wrapper, ["--component", "all", "--pr", "123", "--timeout", "8h"], {
      cwd: ws.dir,
      env: { HMS_CONFIG: ws.configFile, USER: "tester" },
      reject: false,
      stdin: "ignore",
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/cd .*_all_pr-123/);
    const bad = await execa(wrapper, ["--component", "hms-dev", "--branch", "main", "--force"], {
      reject: false,
    });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("unknown argument: --force");
  });
});

describe("hms-env demo", () => {
  it("provisions from a sample monorepo, launches the shell and cleans up", async () => {
    const result = await execa("node", [CLI, "demo"], {
      reject: false,
      stdin: "ignore",
      env: { USER: "tester" },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain("is ready: hms-dev at branch feature/new-feature");
    expect(result.stdout).toContain("HMS_COMPONENT=HMS-DEV");
    expect(result.stdout).toMatch(/is gone$/m);
    const workspace = /sample monorepo and hms.config.yaml in (\S+)/.exec(result.stderr)?.[1] ?? "";
    expect(workspace).not.toBe("");
    expect(existsSync(workspace)).toBe(false);
  });
});
