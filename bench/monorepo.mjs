#!/usr/bin/env node
// Monorepo scale: a generated repository of 50,000 files in four components, with history, served by a
// bare repository that allows filters and is packed with bitmaps (as GitHub keeps them). All in one run,
// median of the rounds:
//   the first provision (a new partial mirror, sparse)  against  git clone --no-local       (target <= 0.6x)
//   a warm sparse provision of one component            against  a full git worktree add   (target <= 0.5x)
//   a warm full provision                               against  that worktree add         (target <= 1.5x)
// Usage: npm run build && node bench/monorepo.mjs [--files 50000] [--history 5000] [--changed 20] [--rounds 5]
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cleanupEnvironment } from "../dist/envs/lifecycle.js";
import { provision } from "../dist/envs/provision.js";
import { median, scratchFolder, timed } from "./measure.mjs";
import { contextFor, git } from "./provision-context.mjs";

const { values } = parseArgs({
  options: {
    files: { type: "string", default: "50000" },
    history: { type: "string", default: "5000" },
    changed: { type: "string", default: "20" },
    rounds: { type: "string", default: "5" },
  },
});
const FILES = Number(values.files);
const HISTORY = Number(values.history);
const CHANGED = Number(values.changed);
/** Four components of 50 modules each. */
const MODULES = 200;
const ROUNDS = Number(values.rounds);
const COMPONENTS = ["HMS-SME", "HMS-ESR", "HMS-DEV", "HMS-SYS"];

/**
 * FILES files spread over the four components (50 modules each) and two top-level files, in a first
 * commit; then HISTORY commits that each, as people's commits do, change a few files (CHANGED) of one
 * module. `git fast-import` writes it in seconds.
 */
function generateOrigin(dir) {
  git(tmpdir(), "init", "--quiet", "--bare", "--initial-branch=main", dir);
  git(dir, "config", "uploadpack.allowFilter", "true");
  const path = (i) =>
    `SYSTEM-COMPONENTS/${COMPONENTS[i % COMPONENTS.length]}/module${Math.floor(i / COMPONENTS.length) % 50}/file${i}.rb`;
  const body = (i, version) => `# file ${i} version ${version}\n${"puts 'line'\n".repeat(20 + (i % 40))}`;
  const blob = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const chunks = [];
  for (let version = 0; version <= HISTORY; version++) {
    chunks.push(
      `commit refs/heads/main\ncommitter bench <bench@hms.invalid> ${1_700_000_000 + version} +0000\n${blob(`change ${version}`)}`,
    );
    if (version === 0) {
      chunks.push(`M 100644 inline README.md\n${blob("# HMS monorepo\n")}`);
      chunks.push(`M 100644 inline Makefile\n${blob("test:\n\t@true\n")}`);
    }
    if (version === 0) {
      for (let i = 0; i < FILES; i++) chunks.push(`M 100644 inline ${path(i)}\n${blob(body(i, 0))}`);
      continue;
    }
    // File i lives in module (i mod 200): this commit's files are those of one module, spread over it.
    const module = (version * 7919) % MODULES;
    for (let n = 0; n < CHANGED; n++) {
      const i = module + MODULES * ((version * 31 + n * 17) % Math.floor(FILES / MODULES));
      chunks.push(`M 100644 inline ${path(i)}\n${blob(body(i, version))}`);
    }
  }
  execFileSync("git", ["fast-import", "--quiet"], { cwd: dir, input: chunks.join(""), maxBuffer: 1 << 30 });
  // As a hosting server keeps a repository: one pack with deltas and bitmaps, and a commit-graph.
  git(dir, "repack", "-a", "-d", "-b", "--quiet");
  git(dir, "commit-graph", "write", "--reachable");
}

const request = (checkout) => ({
  component: "hms-sme",
  branch: "main",
  timeout: "1h",
  owner: "bench",
  checkout,
});

/** Provisions, returns the time to a ready environment, and cleans up (timed separately). */
async function provisionOnce(context, checkout, steps) {
  const env = await timed(() =>
    provision(context, request(checkout), {
      progress: ({ step, ms }) => ms !== undefined && steps?.push(`${step} ${ms}`),
    }),
  );
  const cleanup = await timed(() => cleanupEnvironment(context, env.result.id, "manual", "bench"));
  return { ms: env.ms, cleanupMs: cleanup.ms };
}

const work = scratchFolder("hms-env-bench-monorepo-");
try {
  const origin = join(work, "origin.git");
  process.stderr.write(`generating ${FILES} files with ${HISTORY} commits of history ...\n`);
  generateOrigin(origin);

  // The floor of today's design: a full bare mirror holding every object, and a worktree of it.
  const baseline = join(work, "baseline.git");
  git(work, "clone", "--quiet", "--bare", "--no-local", origin, baseline);
  const commit = git(baseline, "rev-parse", "main");

  // The long-lived mirror the warm provisions use; one sparse and one full environment bring its blobs.
  const warm = contextFor(join(work, "warm"), origin);
  await provisionOnce(warm, "sparse");
  await provisionOnce(warm, "full");

  const rows = { first: [], clone: [], sparse: [], full: [], worktree: [], cleanup: [], rmrf: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, so drift in machine load touches every measurement alike.
    const steps = [];
    const coldDir = join(work, `cold-${round}`);
    rows.first.push((await provisionOnce(contextFor(coldDir, origin), "sparse", steps)).ms);
    rmSync(coldDir, { recursive: true, force: true });
    process.stderr.write(`  round ${round} first provision: ${steps.join(", ")}\n`);

    const clone = join(work, `clone-${round}`);
    rows.clone.push((await timed(() => git(work, "clone", "--quiet", "--no-local", origin, clone))).ms);
    rmSync(clone, { recursive: true, force: true });

    rows.sparse.push((await provisionOnce(warm, "sparse")).ms);
    const full = await provisionOnce(warm, "full");
    rows.full.push(full.ms);
    rows.cleanup.push(full.cleanupMs);

    const tree = join(work, `worktree-${round}`);
    rows.worktree.push(
      (await timed(() => git(baseline, "worktree", "add", "--detach", "--quiet", tree, commit))).ms,
    );
    rows.rmrf.push((await timed(() => rmSync(tree, { recursive: true, force: true }))).ms);
    git(baseline, "worktree", "prune");
  }

  const m = Object.fromEntries(Object.entries(rows).map(([name, xs]) => [name, median(xs)]));
  const line = (name, ms, note = "") => `${name.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms   ${note}`;
  const ratio = (a, b) => (a / b).toFixed(2);
  console.log(
    `bench/monorepo: ${FILES} files in ${COMPONENTS.length} components, ${HISTORY} commits of history (${CHANGED} files of one module each), median of ${ROUNDS} rounds`,
  );
  console.log(line("git clone --no-local", m.clone));
  console.log(
    line(
      "first provision, sparse (new partial mirror)",
      m.first,
      `${ratio(m.first, m.clone)}x the clone (target <= 0.6x)`,
    ),
  );
  console.log(line("git worktree add, full, warm full mirror", m.worktree));
  console.log(
    line(
      "warm provision, sparse hms-sme",
      m.sparse,
      `${ratio(m.sparse, m.worktree)}x the worktree add (target <= 0.5x)`,
    ),
  );
  console.log(
    line("warm provision, full", m.full, `${ratio(m.full, m.worktree)}x the worktree add (target <= 1.5x)`),
  );
  console.log(line("rm -rf of that worktree", m.rmrf));
  console.log(line("cleanup of the full environment", m.cleanup, `${ratio(m.cleanup, m.rmrf)}x the rm -rf`));
} finally {
  rmSync(work, { recursive: true, force: true });
}
