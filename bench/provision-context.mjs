// What bench/provision and bench/monorepo provision with: the services the CLI builds, and git.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { createApp } from "../dist/app.js";
import { loadConfig } from "../dist/config/load.js";
import { processIsAlive } from "../dist/envs/claims.js";
import { noLog } from "../dist/envs/context.js";
import { systemClock } from "../dist/schedule/system-clock.js";

const STAND_IN = resolve(import.meta.dirname, "..", "test", "fixtures", "nixpkgs");

export const git = (cwd, ...args) =>
  execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 })
    .toString()
    .trim();

/**
 * The services the CLI builds, for a configuration of its own in `dir` (its own env root, state file and
 * mirrors) that provisions from `origin`, with Nix on the offline stand-in for nixpkgs.
 */
export function contextFor(dir, origin) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "hms.config.yaml"),
    `repo: ${JSON.stringify(origin)}\nenvRoot: ./temp_envs\nstateFile: ./state.json\nlimits:\n  maxEnvsPerOwner: 100\nnix:\n  nixPath: ${JSON.stringify(`nixpkgs=${STAND_IN}`)}\n`,
  );
  const config = loadConfig({ explicitPath: join(dir, "hms.config.yaml"), cwd: dir });
  return createApp({
    config,
    env: process.env,
    log: noLog,
    clock: systemClock(),
    self: { pid: process.pid, host: hostname(), isAlive: processIsAlive },
    nodeBinary: process.execPath,
  }).envs;
}
