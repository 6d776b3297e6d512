import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { PACKAGE_ROOT } from "../config/package-root.js";
import type { EnvRecord } from "../store/schema.js";
import { createSampleRepo } from "./sample-repo.js";

/** The offline stand-in for nixpkgs the tests use; the demo uses it too unless asked for the channel. */
export const STAND_IN_NIXPKGS = resolve(PACKAGE_ROOT, "test", "fixtures", "nixpkgs");

export interface DemoWorkspace {
  dir: string;
  /** The sample monorepo, with the seed's SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh. */
  repo: string;
  configFile: string;
  /** How the demo's Nix shells find nixpkgs: the machine's channel, or the stand-in. */
  nixpkgs: "channel" | "stand-in" | "no nix";
  remove(): void;
}

async function hasNixpkgsChannel(): Promise<boolean | undefined> {
  const found = await execa("nix-instantiate", ["--find-file", "nixpkgs"], {
    reject: false,
    stdin: "ignore",
  }).catch(() => undefined);
  if (found === undefined || (found.failed && found.exitCode === undefined)) return undefined;
  return found.exitCode === 0;
}

/**
 * A temporary folder with a sample monorepo and an hms.config.yaml that points at it. The shells use
 * the offline stand-in, so the demo takes seconds and no downloads, unless `useChannel` asks for the
 * machine's own nixpkgs (then the first launch fetches the real Ruby, Node and Rust toolchains).
 */
export async function prepareDemo(options: { useChannel?: boolean } = {}): Promise<DemoWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), "hms-env-demo-"));
  const repo = await createSampleRepo(join(dir, "hms-monorepo"));
  const channel = await hasNixpkgsChannel();
  const lines = [
    "# hms.config.yaml written by `hms-env demo`",
    `repo: ${JSON.stringify(repo.path)}`,
    "envRoot: ./temp_envs",
    "stateFile: ./state.json",
  ];
  const standIn = !(options.useChannel && channel === true);
  // Never the pin: the demo must not download nixpkgs.
  lines.push("nix:", `  nixpkgs: ${standIn ? JSON.stringify(STAND_IN_NIXPKGS) : "channel"}`);
  const configFile = join(dir, "hms.config.yaml");
  writeFileSync(configFile, `${lines.join("\n")}\n`);
  return {
    dir,
    repo: repo.path,
    configFile,
    nixpkgs: channel === undefined ? "no nix" : standIn ? "stand-in" : "channel",
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs one command in the environment's shell through its own launch.sh, as a person would. */
export async function runInEnvironment(env: EnvRecord, command: string) {
  return execa(join(env.path, "launch.sh"), ["--run", command], {
    reject: false,
    stdin: "ignore",
    all: true,
  });
}

export async function runCleanupScript(env: EnvRecord) {
  return execa(join(env.path, "cleanup.sh"), [], { reject: false, stdin: "ignore", all: true });
}
