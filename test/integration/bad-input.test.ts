import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { worktrees } from "../helpers/mirror.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace();
  // The shared mirror is a cache that the first fetch makes; warm it, so the snapshots below can demand
  // that a rejected request changes nothing at all, mirror refs included.
  const warm = await ws.cli(["provision", "--component", "hms-dev", "--branch", "main", "--json"]);
  await ws.cli(["cleanup", (JSON.parse(warm.stdout) as EnvRecord).id]);
});
afterAll(() => ws.remove());

/** Everything a request could change: the state file, the env root (hidden entries too) and mirror refs. */
const snapshot = async () => {
  const mirrors = join(ws.envRoot, ".mirrors");
  const refs: string[] = [];
  for (const mirror of existsSync(mirrors) ? readdirSync(mirrors).filter((n) => n.endsWith(".git")) : []) {
    refs.push((await execa("git", ["for-each-ref", "refs/hms-env/"], { cwd: join(mirrors, mirror) })).stdout);
  }
  return {
    state: existsSync(ws.stateFile) ? readFileSync(ws.stateFile, "utf8") : null,
    envs: existsSync(ws.envRoot) ? readdirSync(ws.envRoot).filter((name) => name !== ".mirrors") : [],
    refs,
  };
};

describe("rejected requests change nothing", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "a timeout of 999d",
      ["--component", "hms-dev", "--branch", "main", "--timeout", "999d"],
      /timeout "999d" is outside the allowed range 5m to 7d/,
    ],
    [
      "a timeout under 5m",
      ["--component", "hms-dev", "--branch", "main", "--timeout", "1m"],
      /timeout "1m" is outside/,
    ],
    [
      "a timeout without a unit",
      ["--component", "hms-dev", "--branch", "main", "--timeout", "8"],
      /"8" is not a duration/,
    ],
    [
      "an unknown component",
      ["--component", "hms-web", "--branch", "main"],
      /unknown component "hms-web": expected one of hms-sme, hms-esr, hms-dev, hms-sys, all/,
    ],
    [
      "a branch git rejects",
      ["--component", "hms-dev", "--branch", "feature/a..b"],
      /branch "feature\/a\.\.b" is not a valid branch name \(git check-ref-format --branch rejects it\)/,
    ],
    [
      "a branch with a space and shell characters",
      ["--component", "hms-dev", "--branch", "$(touch PWNED)"],
      /is not a valid branch name/,
    ],
    [
      "a branch that starts with -",
      ["--component", "hms-dev", "--branch=-rf"],
      /branch "-rf" starts with "-"/,
    ],
    [
      "a branch that does not exist",
      ["--component", "hms-dev", "--branch", "no/such-branch"],
      /branch "no\/such-branch" does not exist in the repository/,
    ],
    [
      "a PR that is not a positive integer",
      ["--component", "hms-dev", "--pr", "0"],
      /PR "0" is not a pull request number: expected a positive integer/,
    ],
    [
      "a PR with letters",
      ["--component", "hms-dev", "--pr", "12abc"],
      /PR "12abc" is not a pull request number/,
    ],
    [
      "a PR that does not exist",
      ["--component", "hms-dev", "--pr", "999"],
      /PR #999 \(refs\/pull\/999\/head\) does not exist/,
    ],
    [
      "both --branch and --pr",
      ["--component", "hms-dev", "--branch", "main", "--pr", "123"],
      /either --branch or --pr, not both/,
    ],
    ["neither --branch nor --pr", ["--component", "hms-dev"], /give --branch NAME or --pr N/],
    ["no --component", ["--branch", "main"], /--component is required/],
    [
      "an owner with shell characters",
      ["--component", "hms-dev", "--branch", "main", "--owner", "a;b"],
      /owner "a;b" is not a user id/,
    ],
    [
      "an unknown flag",
      ["--component", "hms-dev", "--branch", "main", "--colour"],
      /Unknown option '--colour'/,
    ],
  ];

  it.each(cases)("%s: exit 2, a message naming the value and the rule", async (_name, args, message) => {
    const before = await snapshot();
    const result = await ws.cli(["provision", ...args]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
    expect(await snapshot()).toEqual(before);
    expect(existsSync(join(ws.dir, "PWNED"))).toBe(false);
  });

  it("extend rejects 999d and a malformed duration, and the deadline stays", async () => {
    const env = JSON.parse(
      (await ws.cli(["provision", "--component", "hms-dev", "--branch", "main", "--json"])).stdout,
    ) as EnvRecord;
    for (const duration of ["999d", "soon", "-1h"]) {
      const before = readFileSync(ws.stateFile, "utf8");
      const result = await ws.cli(["extend", env.id, "--", duration]);
      expect(result.exitCode, duration).toBe(2);
      expect(result.stderr).toContain(`"${duration}"`);
      expect(readFileSync(ws.stateFile, "utf8")).toBe(before);
    }
    expect((await ws.cli(["extend", "env-nothere", "1h"])).stderr).toContain('no environment "env-nothere"');
    await ws.cli(["cleanup", env.id]);
  });
});

describe("a corrupt state file", () => {
  it("stops every command with the file's name and keeps the file as it was", async () => {
    const other = await createWorkspace();
    try {
      mkdirSync(join(other.dir, "data"), { recursive: true });
      const garbage = '{"version": 1, "environments": [ {"id": 3} ';
      writeFileSync(other.stateFile, garbage);
      for (const args of [["list"], ["provision", "--component", "hms-dev", "--branch", "main"], ["gc"]]) {
        const result = await other.cli(args);
        expect(result.exitCode, args.join(" ")).toBe(1);
        expect(result.stderr).toContain(`state file ${other.stateFile} is not valid JSON`);
      }
      writeFileSync(other.stateFile, JSON.stringify({ version: 1, environments: [{ id: 3 }] }));
      const wrongShape = await other.cli(["list"]);
      expect(wrongShape.stderr).toMatch(/is not an hms-env state file \(environments\.0\./);
      expect(readFileSync(other.stateFile, "utf8")).toBe(
        JSON.stringify({ version: 1, environments: [{ id: 3 }] }),
      );
      expect(
        existsSync(other.envRoot) ? readdirSync(other.envRoot).filter((n) => !n.startsWith(".")) : [],
      ).toEqual([]);
    } finally {
      other.remove();
    }
  });
});

describe("a failure half-way", () => {
  it("when Nix fails: no folder, no worktree, a failed record with the reason", async () => {
    const broken = await createWorkspace('nix:\n  nixPath: "nixpkgs=/nonexistent/nixpkgs"');
    try {
      const result = await broken.cli(["provision", "--component", "hms-dev", "--branch", "main"]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain("nix-instantiate of the shell failed");
      const state = broken.state();
      expect(state.environments).toHaveLength(1);
      const [env] = state.environments as [EnvRecord];
      expect(env.status).toBe("failed");
      expect(env.failure).toContain("nixpkgs");
      expect(existsSync(env.path)).toBe(false);
      expect(await worktrees(env.mirror)).not.toContain(env.workdir);
      expect((await execa("git", ["for-each-ref", "refs/hms-env/"], { cwd: env.mirror })).stdout).toBe("");
      expect((await broken.cli(["list"])).stdout).toContain("No environments");
    } finally {
      broken.remove();
    }
  });

  it("when writing the environment's files fails: no folder, no worktree, a failed record", async () => {
    const broken = await createWorkspace('rootCauseDb: "./missing/root_cause.json"');
    try {
      const result = await broken.cli(["provision", "--component", "hms-dev", "--branch", "main"]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain("missing/root_cause.json");
      const [env] = broken.state().environments as [EnvRecord];
      expect(env).toMatchObject({ status: "failed" });
      expect(existsSync(env.path)).toBe(false);
      expect(await worktrees(env.mirror)).not.toContain(env.workdir);
    } finally {
      broken.remove();
    }
  });

  it("when the fetch fails: no folder and a failed record naming the repository problem", async () => {
    const broken = await createWorkspace('repo: "/nonexistent/repo.git"');
    try {
      const result = await broken.cli(["provision", "--component", "hms-dev", "--branch", "main"]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('cannot fetch branch "main"');
      expect(broken.state().environments[0]).toMatchObject({ status: "failed" });
      expect(readdirSync(broken.envRoot).filter((n) => !n.startsWith("."))).toEqual([]);
    } finally {
      broken.remove();
    }
  });
});

describe("limits and safety", () => {
  it("refuses more than limits.maxEnvsPerOwner live environments", async () => {
    const limited = await createWorkspace("limits:\n  maxEnvsPerOwner: 1");
    try {
      expect((await limited.cli(["provision", "--component", "hms-dev", "--branch", "main"])).exitCode).toBe(
        0,
      );
      const second = await limited.cli(["provision", "--component", "hms-sme", "--branch", "main"]);
      expect(second.exitCode).toBe(2);
      expect(second.stderr).toContain("tester already has 1 environments (limits.maxEnvsPerOwner is 1)");
      const other = await limited.cli([
        "provision",
        "--component",
        "hms-sme",
        "--branch",
        "main",
        "--owner",
        "U024BE7LH",
      ]);
      expect(other.exitCode).toBe(0);
    } finally {
      limited.remove();
    }
  });

  it("holds the limit when requests race: the check and the reservation are one locked step", async () => {
    const limited = await createWorkspace("limits:\n  maxEnvsPerOwner: 2");
    try {
      const results = await Promise.all(
        [1, 2, 3, 4].map(() => limited.cli(["provision", "--component", "hms-dev", "--branch", "main"])),
      );
      expect(
        results.map((result) => result.exitCode).sort(),
        results.map((r) => r.stderr).join("\n"),
      ).toEqual([0, 0, 2, 2]);
      const live = JSON.parse((await limited.cli(["list", "--json"])).stdout) as EnvRecord[];
      expect(live).toHaveLength(2);
      expect(readdirSync(limited.envRoot).filter((n) => !n.startsWith("."))).toHaveLength(2);
    } finally {
      limited.remove();
    }
  });

  it("never deletes outside the env root, even through a symlink", async () => {
    const env = JSON.parse(
      (await ws.cli(["provision", "--component", "hms-dev", "--branch", "main", "--json"])).stdout,
    ) as EnvRecord;
    const precious = join(ws.dir, "precious");
    mkdirSync(precious);
    writeFileSync(join(precious, "keep.txt"), "keep");
    // Someone replaces the environment's folder with a link to a folder outside the env root.
    await execa("rm", ["-rf", env.path]);
    symlinkSync(precious, env.path);
    const state = ws.state();
    const stored = state.environments.find((e) => e.id === env.id) as EnvRecord;
    stored.path = join(ws.envRoot, "link", "..", "..", "precious");
    writeFileSync(ws.stateFile, JSON.stringify(state));
    const result = await ws.cli(["cleanup", env.id]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("refusing to delete");
    expect(readFileSync(join(precious, "keep.txt"), "utf8")).toBe("keep");
  });
});
