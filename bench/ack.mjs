#!/usr/bin/env node
// How fast the Slack app acks while it works: 50 concurrent signed /hms-env commands sent to the real
// `hms-env serve` while four environments are being provisioned in it, against an ack-only Bolt app in a
// process of its own, measured in the same run under the same machine load; then the time from a bug
// message to the assignee's DM with a ready environment. Both apps report how long their event loop was
// blocked (bench/loop-delay.mjs).
// Usage: npm run build && node bench/ack.mjs [--rounds 5] [--commands 50]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { createSampleRepo } from "../dist/envs/sample-repo.js";
import { listen, median, scratchFolder } from "./measure.mjs";
import { signedPost, slashCommand } from "./slack-requests.mjs";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "5" }, commands: { type: "string", default: "50" } },
});
const ROUNDS = Number(values.rounds);
const COMMANDS = Number(values.commands);
const PROVISIONS = 4;
const SECRET = "bench-signing-secret";
const ROOT = resolve(import.meta.dirname, "..");
const STAND_IN = join(ROOT, "test", "fixtures", "nixpkgs");
const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const fmt = (ms) => `${ms.toFixed(1)} ms`;

/** Answers the Web API calls the app makes, as Slack does, and tells the watchers of every call. */
function standInSlack() {
  let serial = 0;
  const watchers = new Set();
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const method = (request.url ?? "").replace(/^\/api\//, "");
      const args = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
      const channel = String(args.channel ?? "");
      const ts = method === "chat.update" ? args.ts : `1764000000.${String(++serial).padStart(6, "0")}`;
      for (const watcher of watchers) watcher(method, args);
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          ok: true,
          channel: channel.startsWith("U") ? `D${channel.slice(1)}` : channel,
          ts,
          user_id: "U0BOT",
          bot_id: "B0BOT",
          permalink: `https://hms.slack.com/archives/${channel}/p${serial}`,
        }),
      );
    });
  });
  return { server, watchers };
}

/**
 * Resolves when `count` environments have been reported ready in DMs (the DM's text says so), in
 * channels starting with `channelPrefix`, and (given `about`) in DMs whose blocks include it.
 */
function readyDms(slack, count, channelPrefix, about) {
  return new Promise((done) => {
    let seen = 0;
    const watcher = (method, args) => {
      if (method !== "chat.update" && method !== "chat.postMessage") return;
      if (!String(args.channel).startsWith(channelPrefix) || !/ is ready: /.test(String(args.text))) return;
      if (about !== undefined && !String(args.blocks).includes(about)) return;
      if (++seen === count) {
        slack.watchers.delete(watcher);
        done(performance.now());
      }
    };
    slack.watchers.add(watcher);
  });
}

/** Starts a process and resolves with the URL it prints once it listens; its loop-delay line is kept. */
function startProcess(args, env) {
  const child = spawn(process.execPath, ["--import", join(ROOT, "bench", "loop-delay.mjs"), ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = new Promise((done, fail) => {
    const look = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) done(match[1]);
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.on("exit", (code) => fail(new Error(`${args.join(" ")} exited ${code}:\n${output}`)));
  });
  return {
    child,
    url,
    /** Stops it and returns how long its event loop was blocked while measured. */
    async stop() {
      const exited = new Promise((done) => child.on("exit", done));
      child.kill("SIGTERM");
      await exited;
      const line = /loop-delay (\{.*\})/.exec(output);
      return line ? JSON.parse(line[1]) : undefined;
    },
    resetLoopDelay: () => child.kill("SIGUSR2"),
  };
}

/** Where answers after the ack go: the stand-in Slack, as Slack's response_url would be. */
let responseUrl = "";

const command = (url, text, user) => slashCommand({ url, secret: SECRET, responseUrl, text, user });

/** Sends bursts from bench/ack-client.mjs, on a thread whose event loop does nothing but time them. */
function startClient() {
  const worker = new Worker(join(ROOT, "bench", "ack-client.mjs"), {
    workerData: { secret: SECRET, responseUrl },
  });
  const waiting = new Map();
  let serial = 0;
  worker.on("message", ({ id, times, error }) => {
    const { done, fail } = waiting.get(id);
    waiting.delete(id);
    if (error) fail(new Error(error));
    else done(times);
  });
  return {
    /** Times COMMANDS concurrent `list` commands (each reads the state file after its ack), send to ack. */
    burst: (url, round) =>
      new Promise((done, fail) => {
        const id = ++serial;
        waiting.set(id, { done, fail });
        worker.postMessage({ id, url, count: COMMANDS, text: "list", users: `U0B${round}` });
      }),
    close: () => worker.terminate(),
  };
}

// Environments, mirror and checkouts in the scratch folder (a tmpfs when TMPDIR is one); the state file
// in a folder of its own, where serve keeps it (its writes are fsynced).
const work = scratchFolder("hms-env-ack-");
const stateDir = mkdtempSync(join(tmpdir(), "hms-env-ack-state-"));
const running = [];
try {
  const repo = await createSampleRepo(join(work, "origin"));
  const members = Array.from({ length: 4 }, (_, index) => `      - { slack: U0DEV${index} }`).join("\n");
  const configFile = join(work, "hms.config.yaml");
  writeFileSync(
    configFile,
    [
      `repo: ${JSON.stringify(repo.path)}`,
      `envRoot: ${JSON.stringify(join(work, "temp_envs"))}`,
      `stateFile: ${JSON.stringify(join(stateDir, "state.json"))}`,
      "limits:\n  maxEnvsPerOwner: 1000",
      `nix:\n  nixPath: ${JSON.stringify(`nixpkgs=${STAND_IN}`)}`,
      `teams:\n  dev:\n    components: [hms-sme, hms-esr, hms-dev, hms-sys]\n    strategy: least-loaded\n    members:\n${members}`,
      "triage:\n  fallbackTeam: dev",
      "slack:\n  bugChannels: [C0BUGS]",
    ].join("\n"),
  );
  const slackApi = standInSlack();
  const slackUrl = await listen(slackApi.server);
  responseUrl = `${slackUrl}/respond`;
  const serve = startProcess([join(ROOT, "dist", "cli.js"), "serve", "--port", "0", "--host", "127.0.0.1"], {
    HMS_CONFIG: configFile,
    SLACK_BOT_TOKEN: "xoxb-bench",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: `${slackUrl}/api/`,
  });
  running.push(serve);
  const baseline = startProcess([join(ROOT, "bench", "ack-only-app.mjs")], { SLACK_SIGNING_SECRET: SECRET });
  running.push(baseline);
  const appUrl = await serve.url;
  const baselineUrl = await baseline.url;
  const client = startClient();
  const burst = client.burst;

  // Warm the mirror, the Nix evaluation and both apps once.
  const warm = readyDms(slackApi, 1, "D0WARM");
  await command(appUrl, "provision --component hms-dev --branch main --timeout 1h", "U0WARM");
  await warm;
  // Several bursts, so that both apps' request paths are compiled by the JIT before anything is timed.
  for (let index = 0; index < 6; index++) {
    await burst(appUrl, `W${index}`);
    await burst(baselineUrl, `W${index}`);
  }
  serve.resetLoopDelay();
  baseline.resetLoopDelay();

  const appAcks = [];
  const baselineAcks = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Four environments start provisioning, then the bursts arrive while they run (both apps, same load).
    const provisioned = readyDms(slackApi, PROVISIONS, `D0R${round}P`);
    for (let index = 0; index < PROVISIONS; index++) {
      await command(appUrl, "provision --component hms-sme --branch main", `U0R${round}P${index}`);
    }
    // The order alternates, so neither app always meets the provisionings at their busiest.
    const first = round % 2 === 0 ? appUrl : baselineUrl;
    const firstAcks = await burst(first, `F${round}`);
    const secondAcks = await burst(first === appUrl ? baselineUrl : appUrl, `S${round}`);
    appAcks.push(...(first === appUrl ? firstAcks : secondAcks));
    baselineAcks.push(...(first === appUrl ? secondAcks : firstAcks));
    await provisioned;
  }

  // A bug message to the assignee's DM with a ready environment.
  const dmTimes = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    // This report's own DM: an earlier one's late edit must not stop the clock.
    const ready = readyDms(slackApi, 1, "D0DEV", `(run ${round})`);
    const event = {
      type: "event_callback",
      event_id: `EvBench${round}`,
      team_id: "T0HMS",
      event: {
        type: "message",
        channel: "C0BUGS",
        user: "U0REPORTER",
        text: `tsc fails: TS2307 in SYSTEM-COMPONENTS/HMS-DEV/src/index.ts (run ${round})`,
        ts: `1764000100.00000${round}`,
      },
    };
    await signedPost(appUrl, SECRET, JSON.stringify(event), "application/json");
    dmTimes.push((await ready) - started);
  }

  await client.close();
  running.length = 0;
  const appLoop = await serve.stop();
  const baselineLoop = await baseline.stop();
  slackApi.server.close();

  const appP99 = percentile(appAcks, 0.99);
  const baseP99 = percentile(baselineAcks, 0.99);
  const loop = (delay) => (delay ? `event loop blocked p99 ${delay.p99} ms, max ${delay.max} ms` : "");
  console.log(
    `acks of ${COMMANDS} concurrent /hms-env commands while ${PROVISIONS} environments provision, ${ROUNDS} rounds:`,
  );
  console.log(`  hms-env serve  p50 ${fmt(median(appAcks))}  p99 ${fmt(appP99)}  (${loop(appLoop)})`);
  console.log(
    `  ack-only app   p50 ${fmt(median(baselineAcks))}  p99 ${fmt(baseP99)}  (${loop(baselineLoop)})`,
  );
  console.log(`  p99 ratio ${(appP99 / baseP99).toFixed(2)}x (target: p99 <= 100 ms and <= 1.5x)`);
  console.log(
    `bug message -> DM with a ready environment: median ${fmt(median(dmTimes))} of 5 (${dmTimes.map((ms) => ms.toFixed(0)).join(", ")} ms; target < 5 s)`,
  );
} finally {
  for (const process of running) process.child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
}
