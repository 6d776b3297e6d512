#!/usr/bin/env node
// Entering an environment's shell: `./launch.sh --run true` from the cached environment against
// `nix-shell` entering the same shell (what launch.sh did before the cache), both running `true`,
// interleaved in the same run. Target: the cached entry is at least 5x faster.
// Usage: npm run build && node bench/launch.mjs [--rounds 20] [--component hms-dev] [--nixpkgs PATH]
// (--nixpkgs: a real nixpkgs checkout to measure against instead of the offline stand-in)
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createSampleRepo } from "../dist/envs/sample-repo.js";
import { median, scratchFolder } from "./measure.mjs";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "20" },
    component: { type: "string", default: "hms-dev" },
    nixpkgs: { type: "string" },
  },
});
const ROUNDS = Number(values.rounds);
const NIXPKGS = resolve(values.nixpkgs ?? join(import.meta.dirname, "..", "test", "fixtures", "nixpkgs"));
const CLI = join(import.meta.dirname, "..", "dist", "cli.js");
const BASH = execFileSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).trim();

function timed(command, args, options) {
  const started = performance.now();
  execFileSync(command, args, { stdio: ["ignore", "ignore", "pipe"], ...options });
  return performance.now() - started;
}

const work = scratchFolder("hms-env-bench-launch-");
try {
  const repo = await createSampleRepo(join(work, "origin"));
  const config = join(work, "hms.config.yaml");
  writeFileSync(
    config,
    `repo: ${JSON.stringify(repo.path)}\nenvRoot: ./temp_envs\nstateFile: ./state.json\nnix:\n  nixpkgs: ${JSON.stringify(NIXPKGS)}\n`,
  );
  const env = JSON.parse(
    execFileSync(
      "node",
      [CLI, "provision", "--component", values.component, "--branch", "main", "--json", "--config", config],
      { cwd: work, encoding: "utf8" },
    ),
  );
  // What launch.sh ran before the cache: nix-shell evaluating the environment's hms-env.nix.
  const nixShell = [
    join(env.path, "hms-env.nix"),
    ...["--argstr", "component", values.component, "--argstr", "envDir", env.path],
    ...["-I", `nixpkgs=${NIXPKGS}`, "--arg", "pkgs", "import <nixpkgs> { }"],
    ...["--run", "true"],
  ];
  const nixShellEnv = { ...process.env, NIX_BUILD_SHELL: BASH };

  const rows = { cached: [], nixShell: [] };
  for (let round = 0; round < ROUNDS; round++) {
    rows.cached.push(timed(join(env.path, "launch.sh"), ["--run", "true"], { cwd: work }));
    rows.nixShell.push(timed("nix-shell", nixShell, { cwd: env.workdir, env: nixShellEnv }));
  }
  execFileSync(join(env.path, "cleanup.sh"), [], { stdio: "ignore" });

  const cached = median(rows.cached);
  const evaluated = median(rows.nixShell);
  const line = (name, ms, note) => `${name.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms   ${note}`;
  console.log(
    `bench/launch: ${values.component} shell, nixpkgs ${values.nixpkgs ? NIXPKGS : "offline stand-in"}, median of ${ROUNDS} rounds, both running \`true\``,
  );
  console.log(line("./launch.sh --run true (cached)", cached, ""));
  console.log(
    line(
      "nix-shell hms-env.nix --run true",
      evaluated,
      `cached entry is ${(evaluated / cached).toFixed(1)}x faster  (target >= 5x)`,
    ),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
