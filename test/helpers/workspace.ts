import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import type { App } from "../../src/app.js";
import type { Clock } from "../../src/clock.js";
import { loadConfig } from "../../src/config/load.js";
import type { EnvContext, Log } from "../../src/envs/context.js";
import { createSampleRepo, type SampleRepo } from "../../src/envs/sample-repo.js";
import type { EnvRecord, StateData } from "../../src/store/schema.js";
import { testApp } from "./host.js";

export const PROJECT_ROOT = resolve(import.meta.dirname, "..", "..");
export const CLI = join(PROJECT_ROOT, "dist", "cli.js");
export const STAND_IN_NIX_PATH = `nixpkgs=${join(PROJECT_ROOT, "test", "fixtures", "nixpkgs")}`;

export interface Workspace {
  dir: string;
  repo: SampleRepo;
  configFile: string;
  envRoot: string;
  stateFile: string;
  /** Runs the built `hms-env` command in the workspace, as a person would. */
  cli(args: string[], options?: { env?: Record<string, string>; input?: string }): Promise<CliResult>;
  /** `hms-env provision ... --json`, which must succeed silently; returns the record. */
  provision(args: string[]): Promise<EnvRecord>;
  /** The same services the CLI builds, for tests that drive the engine in-process. */
  context(clock?: Clock): EnvContext;
  /** The app the CLI builds, on `clock` (the real one by default). */
  app(clock?: Clock, log?: Log): App;
  /** The state file as it is on disk now, read without the store (no lock, no marker written). */
  state(): StateData;
  /** Environment `id`'s record as the state file holds it now. */
  stored(id: string): EnvRecord;
  /** Changes environment `id`'s record as another hms-env would: one locked update of the state file. */
  rewrite(id: string, change: (env: EnvRecord) => void): Promise<void>;
  remove(): void;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function recordIn(state: StateData, id: string, stateFile: string): EnvRecord {
  const env = state.environments.find((candidate) => candidate.id === id);
  if (!env) throw new Error(`the state file ${stateFile} holds no environment ${id}`);
  return env;
}

/**
 * A temporary folder with a real sample monorepo (branches and refs/pull/123/head) and an
 * hms.config.yaml pointing at it; Nix evaluates the real hms-env.nix against the offline stand-in.
 */
export async function createWorkspace(extraConfig = ""): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), "hms-env-test-"));
  const repo = await createSampleRepo(join(dir, "origin"));
  const configFile = join(dir, "hms.config.yaml");
  // Each default stands unless the test's own configuration sets that key.
  const defaults: Record<string, string> = {
    repo: `repo: ${JSON.stringify(repo.path)}`,
    envRoot: "envRoot: ./temp_envs",
    stateFile: "stateFile: ./data/state.json",
    nix: `nix:\n  nixPath: ${JSON.stringify(STAND_IN_NIX_PATH)}`,
  };
  const kept = Object.entries(defaults)
    .filter(([key]) => !new RegExp(`^${key}:`, "m").test(extraConfig))
    .map(([, line]) => line);
  writeFileSync(configFile, [...kept, extraConfig].join("\n"));
  const workspace: Workspace = {
    dir,
    repo,
    configFile,
    envRoot: join(dir, "temp_envs"),
    stateFile: join(dir, "data", "state.json"),
    async cli(args, options = {}) {
      const result = await execa("node", [CLI, ...args], {
        cwd: dir,
        reject: false,
        env: { HMS_CONFIG: "", USER: "tester", ...options.env },
        ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
      });
      return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
    },
    async provision(args) {
      const result = await workspace.cli(["provision", ...args, "--json"]);
      if (result.exitCode !== 0 || result.stderr !== "") {
        throw new Error(`provision ${args.join(" ")} exited ${result.exitCode}: ${result.stderr}`);
      }
      return JSON.parse(result.stdout) as EnvRecord;
    },
    context: (clock) => workspace.app(clock).envs,
    app: (clock, log) => testApp(loadConfig({ explicitPath: configFile, cwd: dir }), clock, log),
    state: () => JSON.parse(readFileSync(workspace.stateFile, "utf8")) as StateData,
    stored: (id) => recordIn(workspace.state(), id, workspace.stateFile),
    rewrite: (id, change) =>
      workspace.context().store.update((state) => change(recordIn(state, id, workspace.stateFile))),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  return workspace;
}
