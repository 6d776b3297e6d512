import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS, mainUsage, runCli } from "../../src/cli/run.js";
import { findSubcommand, parseCommandArgs } from "../../src/grammar/parse.js";
import type { EnvRecord } from "../../src/store/schema.js";
import { testHost } from "../helpers/host.js";
import { expectHmsError, useTempDir } from "./support.js";

const tempDir = useTempDir("args");
const MAIN_USAGE = mainUsage(COMMANDS);
const listCommand = COMMANDS.find((command) => command.name === "list");

/** Runs the command line in-process, as cli.ts does, with output captured and no inherited HMS_CONFIG. */
async function hmsEnv(argv: string[], options: { cwd: string; env?: Record<string, string> }) {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: (text: string) => out.push(text),
    err: (text: string) => err.push(text),
    env: { PATH: process.env.PATH, USER: "tester", ...options.env },
    cwd: options.cwd,
    host: testHost(),
  };
  const code = await runCli(argv, io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

function record(id: string, root: string): EnvRecord {
  const path = join(root, "temp_envs", `20260101_000000_hms-sme_${id}`);
  return {
    id,
    path,
    workdir: join(path, "checkout"),
    component: "hms-sme",
    components: ["hms-sme"],
    repo: "/srv/git/hms.git",
    mirror: "",
    branch: "main",
    pr: null,
    commit: "0123456789abcdef0123456789abcdef01234567",
    owner: "tester",
    createdAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2999-01-01T00:00:00.000Z",
    status: "ready",
  };
}

/** A config file whose state file holds one environment named `id`, so `list --json` shows which was read. */
function configWithEnv(dir: string, name: string, id: string): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  const state = { version: 1, environments: [record(id, folder)] };
  writeFileSync(join(folder, "state.json"), JSON.stringify(state));
  writeFileSync(join(folder, "hms.config.yaml"), "stateFile: ./state.json\nenvRoot: ./temp_envs\n");
  return join(folder, "hms.config.yaml");
}

function listedIds(stdout: string): string[] {
  return (JSON.parse(stdout) as EnvRecord[]).map((env) => env.id);
}

describe("findSubcommand", () => {
  it.each([
    [["list"], "list", []],
    [["--config", "a.yaml", "list", "--json"], "list", ["--config", "a.yaml", "--json"]],
    [["list", "--config", "a.yaml"], "list", ["--config", "a.yaml"]],
    [["--config=a.yaml", "show", "env-1"], "show", ["--config=a.yaml", "env-1"]],
    [["--json", "-h", "extend", "env-1", "8h"], "extend", ["--json", "-h", "env-1", "8h"]],
    [["--config", "list"], undefined, ["--config", "list"]],
    [["--", "list"], undefined, ["--", "list"]],
    [[], undefined, []],
  ])("%j -> %s", (argv, name, rest) => {
    expect(findSubcommand(argv)).toEqual({ name, rest });
  });
});

describe("parseCommandArgs", () => {
  it("accepts the global options with the command's own", () => {
    const args = parseCommandArgs(
      ["--config", "x.yaml", "--json", "--all", "-h"],
      { all: { type: "boolean" } },
      "U",
    );
    expect(args.values).toMatchObject({ config: "x.yaml", json: true, all: true, help: true });
  });

  it("an unknown option is a USAGE error carrying the usage", async () => {
    await expectHmsError(
      () => parseCommandArgs(["--bogus"], {}, "Usage: hms-env x"),
      "USAGE",
      "--bogus",
      "Usage: hms-env x",
    );
  });
});

describe("runCli: --config before or after the subcommand", () => {
  it.each([
    ["before", (file: string) => ["--config", file, "list", "--json"]],
    ["after", (file: string) => ["list", "--json", "--config", file]],
    ["after, as --config=FILE", (file: string) => ["list", `--config=${file}`, "--json"]],
  ])("%s", async (_, argv) => {
    const dir = tempDir();
    const file = configWithEnv(dir, "conf", "env-from-flag");
    const result = await hmsEnv(argv(file), { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(listedIds(result.stdout)).toEqual(["env-from-flag"]);
  });

  it("--config wins over $HMS_CONFIG, which wins over ./hms.config.yaml", async () => {
    const dir = tempDir();
    const flag = configWithEnv(dir, "flag", "env-flag");
    const fromEnv = configWithEnv(dir, "env", "env-env");
    const cwd = join(dir, "flag");
    const env = { HMS_CONFIG: fromEnv };
    expect(listedIds((await hmsEnv(["list", "--json", "--config", flag], { cwd: dir, env })).stdout)).toEqual(
      ["env-flag"],
    );
    expect(listedIds((await hmsEnv(["list", "--json"], { cwd, env })).stdout)).toEqual(["env-env"]);
    expect(listedIds((await hmsEnv(["list", "--json"], { cwd })).stdout)).toEqual(["env-flag"]);
  });

  it("a --config file that does not exist fails, naming it", async () => {
    const dir = tempDir();
    const result = await hmsEnv(["list", "--config", "missing.yaml"], { cwd: dir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(join(dir, "missing.yaml"));
    expect(result.stderr).toContain("does not exist");
    expect(result.stdout).toBe("");
  });

  it("an invalid config exits 2 naming the file and the key", async () => {
    const dir = tempDir();
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "limits:\n  maxEnvsPerOwner: 0\n");
    const result = await hmsEnv(["--config", file, "list"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`hms-env list: ${file}: limits.maxEnvsPerOwner`);
  });
});

describe("runCli: usage errors exit 2 and print the usage", () => {
  it("an unknown command", async () => {
    const result = await hmsEnv(["provison", "--component", "hms-sme"], { cwd: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "provison"');
    expect(result.stderr).toContain(MAIN_USAGE);
    expect(result.stdout).toBe("");
  });

  it.each([
    [["list", "--bogus"], "--bogus"],
    [["--bogus", "list"], "--bogus"],
    [["list", "-x"], "-x"],
    [["list", "--config"], "--config"],
  ])("an unknown or incomplete option: %j", async (argv, option) => {
    const result = await hmsEnv(argv, { cwd: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(option);
    expect(result.stderr).toContain(listCommand?.usage);
    expect(result.stdout).toBe("");
  });

  it("no command at all prints the main usage on stderr", async () => {
    const result = await hmsEnv([], { cwd: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(MAIN_USAGE);
  });

  it.each([
    [["show"], "show takes one ID"],
    [["show", "a", "b"], 'unexpected argument "b"'],
    [["list", "extra"], 'unexpected argument "extra"'],
    [["provision", "--component", "hms-dev", "--branch", "main", "stray"], 'unexpected argument "stray"'],
    [["extend", "env-1"], "extend takes an ID and a DURATION"],
    [["cleanup"], "cleanup takes one ID or --env-dir DIR"],
    [["provision", "--branch", "main"], "--component is required"],
  ])("missing or extra arguments: %j", async (argv, message) => {
    const result = await hmsEnv(argv, { cwd: tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain(`Usage: hms-env ${argv[0]}`);
  });
});

describe("runCli: provision rejects bad input with exit 2 and creates nothing", () => {
  it.each([
    [["--component", "hms-sme", "--branch", "main", "--pr", "12"], "not both"],
    [["--component", "hms-foo", "--branch", "main"], "hms-sme, hms-esr, hms-dev, hms-sys, all"],
    [["--component", "hms-sme", "--pr", "abc"], 'PR "abc"'],
    [["--component", "hms-sme", "--branch", "-rf"], "--branch"],
    [["--component", "hms-sme", "--branch=-rf"], 'branch "-rf" starts with "-"'],
    [["--component", "hms-sme", "--branch", "main", "--timeout", "999d"], '"999d"'],
    [["--component", "hms-sme", "--branch", "main", "--owner", "a b"], 'owner "a b"'],
  ])("%j", async (args, message) => {
    const cwd = tempDir();
    const result = await hmsEnv(["provision", ...args], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe("");
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe("runCli: help", () => {
  it.each(COMMANDS.map((command) => [command.name, command.usage]))(
    "%s --help prints its usage and exits 0",
    async (name, usage) => {
      for (const argv of [
        [name, "--help"],
        [name, "-h"],
        ["--help", name],
      ]) {
        const result = await hmsEnv(argv, { cwd: tempDir() });
        expect(result.code, argv.join(" ")).toBe(0);
        expect(result.stdout).toBe(usage);
        expect(result.stdout).toContain(`hms-env ${name}`);
        expect(result.stderr).toBe("");
      }
    },
  );

  it("--help needs no loadable config", async () => {
    const result = await hmsEnv(["list", "--config", "/nonexistent/hms.config.yaml", "--help"], {
      cwd: tempDir(),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(listCommand?.usage);
  });

  it.each([["help"], ["--help"], ["-h"]])("%s prints the main usage listing every command", async (word) => {
    const result = await hmsEnv([word], { cwd: tempDir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(MAIN_USAGE);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command.name} `, "m"));
    expect(result.stderr).toBe("");
  });

  it("the main usage names every command of the seed", () => {
    const names = COMMANDS.map((command) => command.name);
    for (const name of ["provision", "list", "show", "extend", "cleanup", "gc", "doctor", "serve", "demo"]) {
      expect(names).toContain(name);
    }
  });
});
