#!/usr/bin/env node
// The state store at scale: 5,000 live and 50,000 cleaned environment records (all within retention).
// (1) One locked update (lock, read and validate, change one deadline, prune, fsync, keep .bak, rename,
//     fsync the folder) against a plain `writeFile` of the same text, interleaved in the same run.
// serve's start-up on the same file: bench/serve-start.mjs.
// Usage: npm run build && node bench/store.mjs [--live 5000] [--cleaned 50000] [--rounds 7]
import { rmSync, statSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createStore } from "../dist/store/store.js";
import { median, scratchFolder, timed } from "./measure.mjs";
import { benchState } from "./state-records.mjs";

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
const ms = (value) => `${value.toFixed(1)} ms`;

const dir = scratchFolder("hms-bench-store-");
try {
  const state = benchState({ live: LIVE, cleaned: CLEANED, envRoot: "/srv/hms-envs", now: Date.now() });
  const file = join(dir, "state.json");
  const plain = join(dir, "plain.json");
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  const bytes = statSync(file).size;
  const store = createStore({ file, holder: { pid: process.pid, host: hostname() }, now: () => new Date() });

  // (1) Interleaved rounds, after one warm-up of each.
  const locked = [];
  const written = [];
  for (let round = -1; round < ROUNDS; round++) {
    const { ms: lockedMs } = await timed(() =>
      store.update((current) => {
        const env = current.environments[CLEANED + (round + 1)];
        env.expiresAt = new Date(Date.parse(env.expiresAt) + 60_000).toISOString();
      }),
    );
    // The baseline writes the same text, but does not read, validate, lock or sync.
    const text = `${JSON.stringify(state, null, 2)}\n`;
    const { ms: plainMs } = await timed(() => writeFile(plain, text));
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
