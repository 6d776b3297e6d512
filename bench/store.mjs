#!/usr/bin/env node
// The state store at scale: 5,000 live and 50,000 cleaned environment records (all within retention).
// (1) One locked update (lock, read and validate, change one deadline, prune, fsync, keep .bak, rename,
//     fsync the folder) against a plain `writeFile` of the same text, interleaved in the same run.
// serve's start-up on the same file: bench/serve-start.mjs.
// Usage: npm run build && node bench/store.mjs [--live 5000] [--cleaned 50000] [--rounds 7]
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { emptyState } from "../dist/store/schema.js";
import { createStore } from "../dist/store/store.js";

const { values } = parseArgs({
  options: {
    live: { type: "string", default: "5000" },
    cleaned: { type: "string", default: "50000" },
    rounds: { type: "string", default: "7" },
  },
});
const LIVE = Number(values.live);
const CLEANED = Number(values.cleaned);
const ROUNDS = Number(values.rounds);
const HOUR = 3_600_000;

function record(index, status, now) {
  const id = `env-${index.toString(16).padStart(8, "0")}`;
  const path = `/srv/hms-envs/hms-dev-main-${id.slice(4)}`;
  const created = new Date(now - (status === "ready" ? 1 : 48) * HOUR);
  return {
    id,
    path,
    workdir: `${path}/checkout`,
    component: "hms-dev",
    components: ["hms-dev"],
    repo: "git@github.com:hms/monorepo.git",
    mirror: "/srv/hms-envs/.mirrors/monorepo-0123456789ab.git",
    branch: `feature/ticket-${index}`,
    pr: null,
    commit: "0123456789abcdef0123456789abcdef01234567",
    owner: `U${(index % 400).toString().padStart(8, "0")}`,
    createdAt: created.toISOString(),
    // Live deadlines spread over the next day; node-schedule arms one timer each.
    expiresAt: new Date(now + HOUR + (index % 1440) * 60_000).toISOString(),
    status,
    ...(status === "cleaned"
      ? { cleanedAt: new Date(now - 24 * HOUR).toISOString(), cleanReason: "expired" }
      : {}),
    pid: 4242,
    host: "hms-env-host",
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(1)} ms`;

async function timed(task) {
  const started = performance.now();
  await task();
  return performance.now() - started;
}

const dir = mkdtempSync(join(tmpdir(), "hms-bench-store-"));
try {
  const now = Date.now();
  const state = emptyState();
  for (let index = 0; index < CLEANED; index++) state.environments.push(record(index, "cleaned", now));
  for (let index = CLEANED; index < CLEANED + LIVE; index++)
    state.environments.push(record(index, "ready", now));
  const file = join(dir, "state.json");
  const plain = join(dir, "plain.json");
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  const bytes = statSync(file).size;
  const store = createStore({ file, holder: { pid: process.pid, host: hostname() }, now: () => new Date() });

  // (1) Interleaved rounds, after one warm-up of each.
  const locked = [];
  const written = [];
  for (let round = -1; round < ROUNDS; round++) {
    const lockedMs = await timed(() =>
      store.update((current) => {
        const env = current.environments[CLEANED + (round + 1)];
        env.expiresAt = new Date(Date.parse(env.expiresAt) + 60_000).toISOString();
      }),
    );
    // The baseline writes the same text, but does not read, validate, lock or sync.
    const text = `${JSON.stringify(state, null, 2)}\n`;
    const plainMs = await timed(() => writeFile(plain, text));
    if (round >= 0) {
      locked.push(lockedMs);
      written.push(plainMs);
    }
  }
  if ((await store.read()).environments.length !== CLEANED + LIVE) throw new Error("records were lost");

  const lockedMedian = median(locked);
  const plainMedian = median(written);
  console.log(
    `state file: ${LIVE} live + ${CLEANED} cleaned records, ${(bytes / 1024 ** 2).toFixed(1)} MiB; median of ${ROUNDS} rounds`,
  );
  console.log("| measure | result |");
  console.log("| --- | --- |");
  console.log(`| locked update (read, validate, change, prune, fsync, .bak, rename) | ${ms(lockedMedian)} |`);
  console.log(`| plain writeFile of the same text | ${ms(plainMedian)} |`);
  console.log(`| ratio locked update / plain writeFile | ${(lockedMedian / plainMedian).toFixed(2)}x |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
