#!/usr/bin/env node
// How fast the Slack app acks while it works: 50 concurrent signed /hms-env commands while four
// environments are being provisioned, against an ack-only Bolt app measured in the same run under the
// same load; then the time from a bug message to the assignee's DM with a ready environment.
// Usage: npm run build && node bench/ack.mjs [--rounds 5] [--commands 50]
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import bolt from "@slack/bolt";
import { createApp } from "../dist/app.js";
import { loadConfig } from "../dist/config/load.js";
import { processIsAlive } from "../dist/envs/claims.js";
import { noLog } from "../dist/envs/context.js";
import { createSampleRepo } from "../dist/envs/sample-repo.js";
import { startServer } from "../dist/main.js";
import { systemClock } from "../dist/schedule/system-clock.js";
import { slackExtension } from "../dist/slack/extension.js";
import { startSlack } from "../dist/slack/serve.js";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "5" }, commands: { type: "string", default: "50" } },
});
const ROUNDS = Number(values.rounds);
const COMMANDS = Number(values.commands);
const SECRET = "bench-signing-secret";
const STAND_IN = resolve(import.meta.dirname, "..", "test", "fixtures", "nixpkgs");
const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const median = (xs) => percentile(xs, 0.5);
const fmt = (ms) => `${ms.toFixed(1)} ms`;

/** Answers the Web API calls the app makes, as Slack does, and tells who waits for a DM. */
function standInSlack() {
  let serial = 0;
  const watchers = [];
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

const listen = (server) =>
  new Promise((done) =>
    server.listen(0, "127.0.0.1", () => done(`http://127.0.0.1:${server.address().port}`)),
  );

function signedPost(url, body, type) {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac("sha256", SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return fetch(`${url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": type,
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": signature,
    },
    body,
  });
}

/** Where answers after the ack go: the stand-in Slack, as Slack's response_url would be. */
let responseUrl = "";

const command = (url, text, user) =>
  signedPost(
    url,
    new URLSearchParams({
      command: "/hms-env",
      text,
      user_id: user,
      channel_id: "C0GENERAL",
      team_id: "T0HMS",
      response_url: responseUrl,
      trigger_id: "1",
    }).toString(),
    "application/x-www-form-urlencoded",
  );

/** Times COMMANDS concurrent commands from send to the ack's answer. */
async function burst(url, round) {
  return Promise.all(
    Array.from({ length: COMMANDS }, async (_, index) => {
      const started = performance.now();
      const response = await command(url, "list", `U0B${round}X${index}`);
      await response.text();
      if (response.status !== 200) throw new Error(`command answered ${response.status}`);
      return performance.now() - started;
    }),
  );
}

/** The baseline: a Bolt app with the same receiver and signature check whose command only acks. */
async function ackOnlyApp() {
  const receiver = new bolt.HTTPReceiver({ signingSecret: SECRET, endpoints: "/slack/events" });
  const app = new bolt.App({
    receiver,
    authorize: async () => ({ botToken: "xoxb-bench", botId: "B0BOT", botUserId: "U0BOT" }),
  });
  app.command("/hms-env", async ({ ack }) => ack());
  const server = createServer((request, response) => receiver.requestListener(request, response));
  return { server, url: await listen(server) };
}

const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const work = mkdtempSync(join(base, "hms-env-ack-"));
try {
  const repo = await createSampleRepo(join(work, "origin"));
  const members = Array.from({ length: 4 }, (_, index) => `      - { slack: U0DEV${index} }`).join("\n");
  writeFileSync(
    join(work, "hms.config.yaml"),
    [
      `repo: ${JSON.stringify(repo.path)}`,
      "envRoot: ./temp_envs",
      "stateFile: ./state.json",
      "limits:\n  maxEnvsPerOwner: 1000",
      `nix:\n  nixPath: ${JSON.stringify(`nixpkgs=${STAND_IN}`)}`,
      `teams:\n  dev:\n    components: [hms-sme, hms-esr, hms-dev, hms-sys]\n    strategy: least-loaded\n    members:\n${members}`,
      "triage:\n  fallbackTeam: dev",
      "slack:\n  bugChannels: [C0BUGS]",
    ].join("\n"),
  );
  const config = loadConfig({ explicitPath: join(work, "hms.config.yaml"), cwd: work });
  const app = createApp({
    config,
    env: process.env,
    log: noLog,
    clock: systemClock(),
    self: { pid: process.pid, host: hostname(), isAlive: processIsAlive },
    nodeBinary: process.execPath,
  });
  const slackApi = standInSlack();
  const slackUrl = await listen(slackApi.server);
  const apiUrl = `${slackUrl}/api/`;
  responseUrl = `${slackUrl}/respond`;
  const quiet = { info: () => undefined, error: (line) => process.stderr.write(`${line}\n`) };
  const slack = await startSlack({
    hms: app,
    settings: { mode: "http", botToken: "xoxb-bench", signingSecret: SECRET, apiUrl },
    log: quiet,
  });
  const running = await startServer({
    app,
    port: 0,
    host: "127.0.0.1",
    extensions: [slackExtension(slack)],
  });
  const baseline = await ackOnlyApp();

  // Warm the mirror, the Nix evaluation and both apps once.
  await command(running.url, "provision --component hms-dev --branch main --timeout 1h", "U0WARM");
  await burst(running.url, "W");
  await burst(baseline.url, "W");
  await slack.app.idle();

  const appAcks = [];
  const baselineAcks = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Four environments start provisioning, then the bursts arrive while they run (both apps, same load).
    for (let index = 0; index < 4; index++) {
      await command(running.url, `provision --component hms-sme --branch main`, `U0R${round}P${index}`);
    }
    // The order alternates, so neither app always meets the provisionings at their busiest.
    let app;
    let plain;
    if (round % 2 === 0) {
      app = await burst(running.url, `A${round}`);
      plain = await burst(baseline.url, `B${round}`);
    } else {
      plain = await burst(baseline.url, `B${round}`);
      app = await burst(running.url, `A${round}`);
    }
    appAcks.push(...app);
    baselineAcks.push(...plain);
    await slack.app.idle();
  }

  // A bug message to the assignee's DM with a ready environment.
  const dmTimes = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    const ready = new Promise((done) => {
      slackApi.watchers.push((method, args) => {
        if (
          (method === "chat.update" || method === "chat.postMessage") &&
          args.channel?.startsWith("D0DEV")
        ) {
          if (String(args.text).includes("./launch.sh")) done(performance.now() - started);
        }
      });
    });
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
    await signedPost(running.url, JSON.stringify(event), "application/json");
    dmTimes.push(await ready);
    slackApi.watchers.length = 0;
    await slack.app.idle();
  }

  const appP99 = percentile(appAcks, 0.99);
  const baseP99 = percentile(baselineAcks, 0.99);
  console.log(
    `acks of ${COMMANDS} concurrent /hms-env commands while 4 environments provision, ${ROUNDS} rounds:`,
  );
  console.log(`  hms-env app   p50 ${fmt(median(appAcks))}  p99 ${fmt(appP99)}`);
  console.log(`  ack-only app  p50 ${fmt(median(baselineAcks))}  p99 ${fmt(baseP99)}`);
  console.log(`  p99 ratio ${(appP99 / baseP99).toFixed(2)}x (target: p99 <= 100 ms and <= 1.5x)`);
  console.log(
    `bug message -> DM with a ready environment: median ${fmt(median(dmTimes))} of 5 (${dmTimes.map((ms) => ms.toFixed(0)).join(", ")} ms; target < 5 s)`,
  );
  await running.close();
  app.close();
  baseline.server.close();
  slackApi.server.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
