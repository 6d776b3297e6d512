#!/usr/bin/env node
// GitHub deliveries: (1) 200 signed deliveries in bursts of 20 to a real `hms-env serve` (its own
// process, GitHub set up against a local REST stand-in), response time against a server that only
// verifies the signature (the least any endpoint must do, also its own process), bursts alternating
// between the two in the same run; then how long after the last burst every delivery id is in the
// state file and every comment is written. (2) A PR of 3,000 changed files mapped to components,
// against the time of listing those files from the REST stand-in (30 pages with Link headers).
// One burst to each server goes first, uncounted. This machine is shared and noisy, so the 200
// deliveries are sent in several rounds and the median round is reported. Usage: npm run build && node bench/webhooks.mjs [--deliveries 200] [--burst 20] [--rounds 3]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Webhooks } from "@octokit/webhooks";
import { loadConfig } from "../dist/config/load.js";
import { createSampleRepo } from "../dist/envs/sample-repo.js";
import { createGithubClient } from "../dist/github/client.js";
import { createComponentMapper, listChangedFiles } from "../dist/github/pull-files.js";
import { githubSetupFromEnv } from "../dist/github/settings.js";
import { listen, median } from "./measure.mjs";

const { values } = parseArgs({
  options: {
    deliveries: { type: "string", default: "200" },
    burst: { type: "string", default: "20" },
    rounds: { type: "string", default: "3" },
    role: { type: "string" },
    // Another build's dist/cli.js, to compare it with this one under the same load.
    cli: { type: "string" },
  },
});
const ROUNDS = Number(values.rounds);
const DELIVERIES = Number(values.deliveries);
const BURST = Number(values.burst);
const SECRET = "bench secret";
const REPOSITORY = "hms-org/hms-monorepo";
const CLI = values.cli ? resolve(values.cli) : resolve(import.meta.dirname, "..", "dist", "cli.js");
const webhooks = new Webhooks({ secret: SECRET });

/** The baseline: read the body, verify the signature, answer. Nothing is recorded or done. */
function signatureOnlyServer() {
  return createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", async () => {
      const ok = await webhooks.verify(body, request.headers["x-hub-signature-256"] ?? "");
      response.writeHead(ok ? 202 : 401, { "content-type": "application/json" });
      response.end(JSON.stringify({ ok }));
    });
  });
}

/** Enough of GitHub's REST API for this run: paginated PR files and issue comments. */
function restStandIn(files) {
  const comments = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url, `http://${request.headers.host}`);
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      const json = (status, value, headers = {}) => {
        response.writeHead(status, { "content-type": "application/json", ...headers });
        response.end(JSON.stringify(value));
      };
      const page = Number(url.searchParams.get("page") ?? 1);
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      const paged = (items) => {
        const last = Math.ceil(items.length / perPage);
        const next = new URL(url);
        next.searchParams.set("page", String(page + 1));
        const link = page < last ? { link: `<${next.href}>; rel="next"` } : {};
        json(200, items.slice((page - 1) * perPage, page * perPage), link);
      };
      const issue = /\/issues\/(\d+)\/comments$/.exec(url.pathname)?.[1];
      if (url.pathname.endsWith("/files")) return paged(files);
      if (issue && request.method === "GET") return paged(comments.filter((c) => c.issue === issue));
      if (issue && request.method === "POST") {
        const comment = { id: comments.length + 1, issue, ...JSON.parse(body) };
        comments.push(comment);
        return json(201, comment);
      }
      if (request.method === "PATCH") return json(200, { id: 1, ...JSON.parse(body) });
      json(404, { message: "Not Found" });
    });
  });
  return { server, comments };
}

/** Starts a child process and resolves with the first line of its output that `pick` accepts. */
function startChild(command, args, options, stream, pick) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  const lines = createInterface({ input: child[stream] });
  const errors = [];
  child.stderr.on("data", (chunk) => errors.push(chunk));
  return new Promise((done, fail) => {
    lines.on("line", (line) => {
      const found = pick(line);
      if (found) done({ child, url: found });
    });
    child.on("exit", (code) => fail(new Error(`${args.join(" ")} exited ${code}: ${Buffer.concat(errors)}`)));
  });
}

/** Deliveries of two kinds: labels added to PRs (the work is the redelivery record in the state file)
 * and draft PRs opened (the work also writes the PR's record and its comment through the REST API). */
async function makeDeliveries(count, tag, firstNumber) {
  const list = [];
  for (let index = 0; index < count; index++) {
    const draft = index % 10 === 0;
    const number = firstNumber + index;
    const payload = {
      action: draft ? "opened" : "labeled",
      number,
      label: { name: "needs-review" },
      repository: { full_name: REPOSITORY },
      pull_request: {
        number,
        title: `Change ${index}`,
        html_url: `https://github.test/pull/${number}`,
        body: "",
        draft,
        user: { login: "ana" },
        author_association: "MEMBER",
        labels: [],
        head: { sha: "a".repeat(40), repo: { full_name: REPOSITORY } },
        base: { repo: { full_name: REPOSITORY } },
      },
      sender: { login: "ana" },
    };
    const body = JSON.stringify(payload);
    list.push({ id: `bench-${tag}-${index}`, draft, body, signature: await webhooks.sign(body) });
  }
  return list;
}

// Kept-alive connections, as GitHub's deliveries reuse theirs; node:http rather than fetch, so the
// client's own cost stays small beside what is measured.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function send(url, delivery) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${url}/github/webhooks`,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(delivery.body),
          "x-github-event": "pull_request",
          "x-github-delivery": delivery.id,
          "x-hub-signature-256": delivery.signature,
        },
      },
      (response) => {
        response.resume();
        response.on("end", () => {
          if (response.statusCode !== 202) reject(new Error(`${url} answered ${response.statusCode}`));
          else resolve(performance.now() - started);
        });
      },
    );
    request.on("error", reject);
    request.end(delivery.body);
  });
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) };
};
const ms = (value) => `${value.toFixed(1)} ms`;
const sleep = (millis) => new Promise((done) => setTimeout(done, millis));

/**
 * CPU time a process has used, in ms (Linux's /proc, in clock ticks of 10 ms): unlike response times,
 * it does not move with the load of the machine.
 */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Waits until a process has been idle for a while: serve's start-up work (reconcile, fetches) is over. */
async function settled(pid) {
  for (let tries = 0; tries < 100; tries++) {
    const before = cpuMs(pid);
    await sleep(500);
    if (!(cpuMs(pid) - before > 20)) return;
  }
}

/** Polls until `done()` holds; returns how long it took. */
async function timeUntil(done, what) {
  const started = performance.now();
  while (!done()) {
    if (performance.now() - started > 120_000) throw new Error(`${what}: not after 2 minutes`);
    await sleep(10);
  }
  return performance.now() - started;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "hms-bench-webhooks-"));
  const children = [];
  const servers = [];
  try {
    const sample = await createSampleRepo(join(dir, "origin"));
    const configFile = join(dir, "hms.config.yaml");
    writeFileSync(
      configFile,
      [
        `repo: ${JSON.stringify(sample.path)}`,
        "stateFile: ./state.json",
        `github:\n  repository: ${REPOSITORY}`,
      ].join("\n"),
    );
    const config = loadConfig({ explicitPath: configFile, cwd: dir });
    const paths = [];
    const areas = ["HMS-SME/app/models", "HMS-ESR/lib/esr", "HMS-DEV/src", "HMS-SYS/src"];
    for (let index = 0; index < 3000; index++) {
      // Most files of a large PR sit in one or two components; some are outside every component.
      const area = index % 7 === 0 ? "docs/guides" : `SYSTEM-COMPONENTS/${areas[index % 3 === 0 ? 1 : 0]}`;
      paths.push({ filename: `${area}/deeper/folder/file_${index}.rb` });
    }
    const rest = restStandIn(paths);
    servers.push(rest.server);
    const restUrl = await listen(rest.server);
    const githubEnv = { GITHUB_WEBHOOK_SECRET: SECRET, GITHUB_TOKEN: "ghp_bench", GITHUB_API_URL: restUrl };

    const { PATH, HOME } = process.env;
    const serve = await startChild(
      process.execPath,
      [CLI, "serve", "--port", "0", "--host", "127.0.0.1", "--config", configFile],
      { cwd: dir, env: { PATH, HOME, ...githubEnv } },
      "stderr",
      (line) => (line.includes('"action":"listen"') ? JSON.parse(line).url : undefined),
    );
    children.push(serve.child);
    const baseline = await startChild(
      process.execPath,
      [import.meta.filename, "--role", "signature-only"],
      {},
      "stdout",
      (line) => (line.startsWith("http://") ? line : undefined),
    );
    children.push(baseline.child);
    const recorded = () => {
      try {
        return new Set(JSON.parse(readFileSync(join(dir, "state.json"), "utf8")).deliveries.map((d) => d.id));
      } catch {
        return new Set(); // between a write's rename and nothing: read again
      }
    };

    // (1) Bursts of concurrent deliveries, alternating between the two servers, after one burst to each
    // that is not counted (code run for the first time is compiled then, in either server).
    const warmUp = await makeDeliveries(BURST, "warm-up", 900);
    await Promise.all(warmUp.map((delivery) => send(serve.url, delivery)));
    await Promise.all(warmUp.map((delivery) => send(baseline.url, delivery)));
    await settled(serve.child.pid);
    const cpuAtStart = { hms: cpuMs(serve.child.pid), baseline: cpuMs(baseline.child.pid) };
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const deliveries = await makeDeliveries(DELIVERIES, `hms-${round}`, 1000 + round * DELIVERIES);
      const baselineDeliveries = await makeDeliveries(DELIVERIES, `baseline-${round}`, 1000);
      const times = { hms: [], baseline: [] };
      for (let start = 0; start < DELIVERIES; start += BURST) {
        times.hms.push(
          ...(await Promise.all(deliveries.slice(start, start + BURST).map((d) => send(serve.url, d)))),
        );
        times.baseline.push(
          ...(await Promise.all(
            baselineDeliveries.slice(start, start + BURST).map((d) => send(baseline.url, d)),
          )),
        );
      }
      const ids = deliveries.map((delivery) => delivery.id);
      const recordedMs = await timeUntil(() => {
        const seen = recorded();
        return ids.every((id) => seen.has(id));
      }, "delivery ids in the state file");
      rounds.push({
        hms: summary(times.hms),
        baseline: summary(times.baseline),
        recordedMs,
      });
    }
    // The work after the answers goes on (comments at GitHub's one write a second): counted too.
    await settled(serve.child.pid);
    const perDelivery = (cpu, pid) => (cpuMs(pid) - cpu) / (DELIVERIES * ROUNDS);
    const cpu = {
      hms: perDelivery(cpuAtStart.hms, serve.child.pid),
      baseline: perDelivery(cpuAtStart.baseline, baseline.child.pid),
    };
    console.log(`${DELIVERIES} signed deliveries in bursts of ${BURST}, ${ROUNDS} rounds: response time`);
    for (const [index, { hms: a, baseline: b }] of rounds.entries()) {
      console.log(
        `  round ${index + 1}: hms-env serve p50 ${ms(a.p50)} p99 ${ms(a.p99)} | signature-only p50 ${ms(b.p50)} p99 ${ms(b.p99)}`,
      );
    }
    const middle = [...rounds].sort((x, y) => x.hms.p99 - y.hms.p99)[Math.floor(rounds.length / 2)];
    const a = middle.hms;
    const b = middle.baseline;
    console.log(`  median round: hms-env serve         p50 ${ms(a.p50)}  p99 ${ms(a.p99)}  max ${ms(a.max)}`);
    console.log(`                signature-only server p50 ${ms(b.p50)}  p99 ${ms(b.p99)}  max ${ms(b.max)}`);
    console.log(
      `  p99 ratio ${(a.p99 / b.p99).toFixed(2)}x; target p99 under 50 ms: ${a.p99 < 50 ? "met" : "MISSED"}`,
    );
    console.log(`  every delivery id was in the state file ${ms(middle.recordedMs)} after the last burst`);
    console.log(
      `  CPU per delivery, all its work included: hms-env serve ${ms(cpu.hms)}, signature-only ${ms(cpu.baseline)}`,
    );

    // (2) A PR of 3,000 files: listing (API time) and mapping to components, medians of 9 rounds.
    const setup = githubSetupFromEnv(githubEnv, config.github);
    const quiet = { info: () => undefined, error: (fields, line) => console.error(line ?? fields) };
    const client = await createGithubClient(setup.settings, { log: quiet })();
    const affected = createComponentMapper(config.components);
    const listing = [];
    const mapping = [];
    let result;
    for (let round = 0; round < 9; round++) {
      let started = performance.now();
      const files = await listChangedFiles(client, { owner: "hms-org", repo: "hms-monorepo", number: 1 });
      listing.push(performance.now() - started);
      started = performance.now();
      result = affected(files);
      mapping.push(performance.now() - started);
    }
    console.log(`3,000 changed files -> ${result.components.join(", ")}`);
    console.log(`  listing (30 pages from the local REST stand-in) ${ms(median(listing))}`);
    console.log(
      `  mapping to components ${ms(median(mapping))} beyond the API time; target under 100 ms: ${median(mapping) < 100 ? "met" : "MISSED"}`,
    );
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(
      children.map((child) =>
        child.exitCode === null ? new Promise((done) => child.on("exit", done)) : null,
      ),
    );
    agent.destroy();
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.role === "signature-only") {
  // Run as a child of the benchmark: its own process, as serve is, so neither measures the other's work.
  console.log(await listen(signatureOnlyServer()));
  process.on("SIGTERM", () => process.exit(0));
} else {
  await main();
}
