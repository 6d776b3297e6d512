#!/usr/bin/env node
// `hms-env serve` restarting over a state file of 5,000 live and 50,000 cleaned environments (the 5,000
// folders exist under the env root): everything it does before it listens (settling what is due, a
// reconcile pass over the folders, arming the timers, following the file), until a deadline is held for
// each of the 5,000. Measured (1) in this process, startServer on a new store, against a plain readFile
// + JSON.parse of the same file, and (2) as a whole `hms-env serve` process, from its start to
// `listening`, against a node process that only reads and parses the file. Rounds are interleaved.
// Usage: npm run build && node bench/serve-start.mjs [--live 5000] [--cleaned 50000] [--rounds 5]
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { createApp } from "../dist/app.js";
import { loadConfig } from "../dist/config/load.js";
import { processIsAlive } from "../dist/envs/claims.js";
import { noLog } from "../dist/envs/context.js";
import { startServer } from "../dist/main.js";
import { systemClock } from "../dist/schedule/system-clock.js";
import { median, scratchFolder, timed } from "./measure.mjs";
import { benchState } from "./state-records.mjs";

const { values } = parseArgs({
  options: {
    live: { type: "string", default: "5000" },
    cleaned: { type: "string", default: "50000" },
    rounds: { type: "string", default: "5" },
  },
});
const LIVE = Number(values.live);
const CLEANED = Number(values.cleaned);
const ROUNDS = Number(values.rounds);
const CLI = resolve(import.meta.dirname, "..", "dist", "cli.js");

const ms = (value) => `${value.toFixed(0)} ms`;

/** Starts `node args`, resolves with the ms until `ready` matches its stderr (or it exits), then stops it. */
function processUntil(args, env, ready) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let output = "";
    let elapsed;
    child.stderr.on("data", (chunk) => {
      output += chunk;
      if (elapsed === undefined && ready?.test(output)) {
        elapsed = performance.now() - started;
        resolvePromise({
          ms: elapsed,
          output,
          stop: () => child.kill("SIGTERM"),
          exited: new Promise((r) => child.once("exit", r)),
        });
      }
    });
    child.once("exit", (code) => {
      if (elapsed !== undefined) return;
      if (ready === undefined && code === 0) resolvePromise({ ms: performance.now() - started, output });
      else reject(new Error(`exited ${code} before it was ready:\n${output}`));
    });
  });
}

const dir = scratchFolder("hms-bench-serve-start-");
try {
  const envRoot = join(dir, "envs");
  mkdirSync(envRoot);
  const configFile = join(dir, "hms.config.yaml");
  writeFileSync(
    configFile,
    'envRoot: ./envs\nstateFile: ./data/state.json\ncacheDir: ./cache\nschedule:\n  reconcileInterval: "1h"\n',
  );
  const config = loadConfig({ explicitPath: configFile, cwd: dir });
  const state = benchState({ live: LIVE, cleaned: CLEANED, envRoot, now: Date.now() });
  for (const env of state.environments) if (env.status === "ready") mkdirSync(env.path);
  mkdirSync(join(dir, "data"));
  const file = config.stateFile;
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  writeFileSync(`${file}.created`, "{}\n");
  const bytes = statSync(file).size;
  // serve restarts on a file last written a while ago, not within the file system's timestamp tick.
  await sleep(1100);

  const inProcess = [];
  const parsed = [];
  const whole = [];
  const bare = [];
  for (let round = -1; round < ROUNDS; round++) {
    // (1) A new app and store each round, as a new serve builds them: nothing read before is kept.
    const app = createApp({
      config,
      env: process.env,
      log: noLog,
      clock: systemClock(),
      self: { pid: process.pid, host: hostname(), isAlive: processIsAlive },
      nodeBinary: process.execPath,
    });
    const start = await timed(() => startServer({ app, port: 0 }));
    const armed = start.result.timers.pending().size;
    await start.result.close();
    app.close();
    if (armed !== LIVE) throw new Error(`armed ${armed} deadlines, expected ${LIVE}`);
    const parse = await timed(async () => JSON.parse(await readFile(file, "utf8")));

    // (2) Whole processes: node's own start and module loading included on both sides.
    const serve = await processUntil(
      [CLI, "serve", "--port", "0"],
      { HMS_CONFIG: configFile },
      /listening on (\S+)/,
    );
    const url = /listening on (\S+)/.exec(serve.output)[1];
    const health = await (await fetch(`${url}/healthz`)).json();
    serve.stop();
    await serve.exited;
    if (health.timers !== LIVE) throw new Error(`serve holds ${health.timers} deadlines, expected ${LIVE}`);
    const reader = await processUntil(
      ["-e", "JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))", file],
      {},
    );
    if (round >= 0) {
      inProcess.push(start.ms);
      parsed.push(parse.ms);
      whole.push(serve.ms);
      bare.push(reader.ms);
    }
  }
  const rows = [
    [
      `serve start-up in process: settle, reconcile ${LIVE} folders, arm, follow`,
      inProcess,
      "readFile + JSON.parse",
      parsed,
    ],
    ["`hms-env serve` process, start to `listening`", whole, "`node` reading + parsing the file", bare],
  ];
  console.log(
    `state file: ${LIVE} live + ${CLEANED} cleaned records, ${(bytes / 1024 ** 2).toFixed(1)} MiB; median of ${ROUNDS} interleaved rounds (${execFileSync("nproc").toString().trim()} cores)`,
  );
  console.log("| measure | result | baseline (same run) | ratio |");
  console.log("| --- | --- | --- | --- |");
  for (const [name, values, baseline, baseValues] of rows) {
    console.log(
      `| ${name} | ${ms(median(values))} | ${baseline}: ${ms(median(baseValues))} | ${(median(values) / median(baseValues)).toFixed(2)}x |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
