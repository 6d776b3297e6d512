#!/usr/bin/env node
// Time to a ready environment on a generated 10,000-file HMS monorepo, against (a) a plain
// `git worktree add` of the same ref and (b) a fresh `git clone`, all measured in this run.
// Usage: npm run build && node bench/provision.mjs [--files 10000] [--history 500] [--rounds 5]
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cleanupEnvironment } from "../dist/envs/lifecycle.js";
import { createNix } from "../dist/envs/nix.js";
import { provision } from "../dist/envs/provision.js";
import { median, scratchFolder, timed } from "./measure.mjs";
import { contextFor, git } from "./provision-context.mjs";

const { values } = parseArgs({
  options: {
    files: { type: "string", default: "10000" },
    history: { type: "string", default: "500" },
    rounds: { type: "string", default: "5" },
  },
});
const FILES = Number(values.files);
const HISTORY = Number(values.history);
const ROUNDS = Number(values.rounds);
const COMPONENTS = ["HMS-SME", "HMS-ESR", "HMS-DEV", "HMS-SYS"];

const duKiB = (path) => Number(execFileSync("du", ["-sk", path]).toString().split("\t")[0]);

/**
 * A monorepo with history, as real ones have: FILES files in a first commit, then HISTORY commits that
 * each change FILES / 100 of them. Written with `git fast-import`, which takes seconds, not minutes.
 */
function generateRepo(dir) {
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "--quiet", "--initial-branch=main");
  const path = (i) => `SYSTEM-COMPONENTS/${COMPONENTS[i % COMPONENTS.length]}/module${i % 50}/file${i}.rb`;
  const body = (i, version) => `# file ${i} version ${version}\n${"puts 'line'\n".repeat(20 + (i % 40))}`;
  const blob = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const chunks = [];
  for (let version = 0; version <= HISTORY; version++) {
    const message = `change ${version}`;
    chunks.push(
      `commit refs/heads/main\ncommitter bench <bench@hms.invalid> ${1_700_000_000 + version} +0000\n${blob(message)}`,
    );
    const changed = version === 0 ? FILES : Math.ceil(FILES / 100);
    for (let n = 0; n < changed; n++) {
      const i = version === 0 ? n : (version * 7919 + n * 104729) % FILES;
      chunks.push(`M 100644 inline ${path(i)}\n${blob(body(i, version))}`);
    }
  }
  execFileSync("git", ["fast-import", "--quiet"], { cwd: dir, input: chunks.join(""), maxBuffer: 1 << 30 });
  git(dir, "branch", "feature/bench", "main");
  git(dir, "checkout", "--quiet", "main");
}

const work = scratchFolder("hms-env-bench-");
try {
  const origin = join(work, "origin");
  process.stderr.write(`generating a ${FILES}-file repository ...\n`);
  generateRepo(origin);
  const nixAvailable = createNix({ path: process.env.PATH }).available();
  const context = contextFor(work, origin);
  const request = { component: "hms-sme", branch: "feature/bench", timeout: "1h", owner: "bench" };

  // The first environment creates the shared mirror: a one-time cost per repository.
  const cold = await timed(() => provision(context, request));
  await cleanupEnvironment(context, cold.result.id, "manual", "bench");

  // Baseline (a): a plain worktree of the same ref from an equally warm bare mirror.
  const bare = join(work, "baseline.git");
  git(work, "clone", "--quiet", "--bare", origin, bare);
  const commit = git(bare, "rev-parse", "feature/bench");

  const rows = { provision: [], worktree: [], clone: [] };
  let overheadKiB = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, so drift in machine load touches every measurement alike.
    const steps = [];
    const env = await timed(() =>
      provision(context, request, {
        progress: ({ step, ms }) => ms !== undefined && steps.push(`${step} ${ms}`),
      }),
    );
    process.stderr.write(`  round ${round}: ${steps.join(", ")}\n`);
    rows.provision.push(env.ms);
    overheadKiB = duKiB(env.result.path) - duKiB(env.result.workdir);
    await cleanupEnvironment(context, env.result.id, "manual", "bench");

    const tree = join(work, `worktree-${round}`);
    rows.worktree.push(
      (await timed(() => git(bare, "worktree", "add", "--detach", "--quiet", tree, commit))).ms,
    );
    git(bare, "worktree", "remove", "--force", tree);

    const clone = join(work, `clone-${round}`);
    rows.clone.push(
      (
        await timed(() =>
          git(work, "clone", "--quiet", "--no-local", "--branch", "feature/bench", origin, clone),
        )
      ).ms,
    );
    rmSync(clone, { recursive: true, force: true });
  }

  const p = median(rows.provision);
  const w = median(rows.worktree);
  const c = median(rows.clone);
  const line = (name, ms, note) => `${name.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms   ${note}`;
  console.log(
    `bench/provision: ${FILES} files, ${HISTORY} commits of history, median of ${ROUNDS} rounds, nix ${nixAvailable ? "on (stand-in nixpkgs)" : "not installed"}`,
  );
  console.log(line("hms-env provision (warm mirror)", p, ""));
  console.log(
    line(
      "(a) git worktree add, same ref",
      w,
      `provision / worktree = ${(p / w).toFixed(2)}x  (target <= 1.5x)`,
    ),
  );
  console.log(
    line("(b) git clone --no-local", c, `clone / provision    = ${(c / p).toFixed(2)}x  (target >= 5x)`),
  );
  console.log(line("first provision (creates mirror)", cold.ms, "one-time per repository"));
  console.log(`disk beyond the checkout: ${overheadKiB} KiB (target <= 1024 KiB)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
