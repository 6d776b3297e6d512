#!/usr/bin/env node
// GitHub deliveries: (1) 200 signed deliveries in bursts of 20 to `hms-env serve`'s endpoint, response
// time against a server that only verifies the signature (the least any endpoint must do), bursts
// alternating between the two in the same run; (2) a PR of 3,000 changed files mapped to components,
// against the time of listing those files from a local REST stand-in (30 pages with Link headers).
// This machine is shared and noisy, so the 200 deliveries are sent in several rounds and the median
// round is reported. Usage: npm run build && node bench/webhooks.mjs [--deliveries 200] [--burst 20] [--rounds 3]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Webhooks } from "@octokit/webhooks";
import { createApp } from "../dist/app.js";
import { loadConfig } from "../dist/config/load.js";
import { processIsAlive } from "../dist/envs/claims.js";
import { createSampleRepo } from "../dist/envs/sample-repo.js";
import { createGithubClient } from "../dist/github/client.js";
import { createComponentMapper, listChangedFiles } from "../dist/github/pull-files.js";
import { startGithub } from "../dist/github/serve.js";
import { githubSetupFromEnv } from "../dist/github/settings.js";
import { startServer } from "../dist/main.js";
import { systemClock } from "../dist/schedule/system-clock.js";

const { values } = parseArgs({
  options: {
    deliveries: { type: "string", default: "200" },
    burst: { type: "string", default: "20" },
    rounds: { type: "string", default: "3" },
  },
});
const ROUNDS = Number(values.rounds);
const DELIVERIES = Number(values.deliveries);
const BURST = Number(values.burst);
const SECRET = "bench secret";
const REPOSITORY = "hms-org/hms-monorepo";
const webhooks = new Webhooks({ secret: SECRET });

/** Enough of GitHub's REST API for this run: paginated PR files and issue comments. */
function startRestStandIn(files) {
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
      if (url.pathname.endsWith("/files")) return paged(files);
      if (url.pathname.endsWith("/comments") && request.method === "GET") return paged(comments);
      if (request.method === "POST") {
        const comment = { id: comments.length + 1, ...JSON.parse(body) };
        comments.push(comment);
        return json(201, comment);
      }
      if (request.method === "PATCH") return json(200, { id: 1, ...JSON.parse(body) });
      json(404, { message: "Not Found" });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}`, server }),
    ),
  );
}

/** The baseline: read the body, verify the signature, answer. Nothing is recorded or done. */
function startSignatureOnly() {
  const server = createServer((request, response) => {
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
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}`, server }),
    ),
  );
}

/** Deliveries of two kinds: labels added to PRs (the work is the redelivery record in the state file)
 * and draft PRs opened (the work also writes the PR's record and its comment through the REST API). */
async function makeDeliveries(count) {
  const list = [];
  for (let index = 0; index < count; index++) {
    const draft = index % 10 === 0;
    const payload = {
      action: draft ? "opened" : "labeled",
      number: 1000 + index,
      label: { name: "needs-review" },
      repository: { full_name: REPOSITORY },
      pull_request: {
        number: 1000 + index,
        title: `Change ${index}`,
        html_url: `https://github.test/pull/${1000 + index}`,
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
    list.push({ id: `bench-${process.pid}-${index}`, body, signature: await webhooks.sign(body) });
  }
  return list;
}

async function send(url, delivery) {
  const started = performance.now();
  const response = await fetch(`${url}/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": delivery.id,
      "x-hub-signature-256": delivery.signature,
    },
    body: delivery.body,
  });
  await response.text();
  if (response.status !== 202) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - started;
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) };
};
const ms = (value) => `${value.toFixed(1)} ms`;

const dir = mkdtempSync(join(tmpdir(), "hms-bench-webhooks-"));
try {
  const sample = await createSampleRepo(join(dir, "origin"));
  writeFileSync(
    join(dir, "hms.config.yaml"),
    [
      `repo: ${JSON.stringify(sample.path)}`,
      "stateFile: ./state.json",
      `github:\n  repository: ${REPOSITORY}`,
    ].join("\n"),
  );
  const config = loadConfig({ explicitPath: join(dir, "hms.config.yaml"), cwd: dir });
  const paths = [];
  const areas = ["HMS-SME/app/models", "HMS-ESR/lib/esr", "HMS-DEV/src", "HMS-SYS/src"];
  for (let index = 0; index < 3000; index++) {
    // Most files of a large PR sit in one or two components; some are outside every component.
    const area = index % 7 === 0 ? "docs/guides" : `SYSTEM-COMPONENTS/${areas[index % 3 === 0 ? 1 : 0]}`;
    paths.push({ filename: `${area}/deeper/folder/file_${index}.rb` });
  }
  const rest = await startRestStandIn(paths);
  const setup = githubSetupFromEnv(
    { GITHUB_WEBHOOK_SECRET: SECRET, GITHUB_TOKEN: "ghp_bench", GITHUB_API_URL: rest.url },
    config.github,
  );
  const quiet = { info: () => undefined, error: (fields, line) => console.error(line ?? fields) };
  const app = createApp({
    config,
    env: process.env,
    clock: systemClock(),
    self: { pid: process.pid, host: hostname(), isAlive: processIsAlive },
    nodeBinary: process.execPath,
    log: { ...quiet, debug: () => undefined, warn: () => undefined },
  });
  const github = startGithub(app, setup.settings);
  const hms = await startServer({ app, port: 0, host: "127.0.0.1", extensions: [github] });
  const baseline = await startSignatureOnly();

  // (1) Bursts of concurrent deliveries, alternating between the two servers.
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const deliveries = await makeDeliveries(DELIVERIES);
    const baselineDeliveries = await makeDeliveries(DELIVERIES);
    const times = { hms: [], baseline: [] };
    for (let start = 0; start < DELIVERIES; start += BURST) {
      times.hms.push(
        ...(await Promise.all(deliveries.slice(start, start + BURST).map((d) => send(hms.url, d)))),
      );
      times.baseline.push(
        ...(await Promise.all(
          baselineDeliveries.slice(start, start + BURST).map((d) => send(baseline.url, d)),
        )),
      );
    }
    const workStarted = performance.now();
    await github.idle();
    rounds.push({
      hms: summary(times.hms),
      baseline: summary(times.baseline),
      workMs: performance.now() - workStarted,
    });
  }
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
  console.log(
    `  work after the answers (dedupe records, PR records, comments at GitHub's one write a second) finished ${ms(middle.workMs)} after the last burst`,
  );

  // (2) A PR of 3,000 files: listing (API time) and mapping to components, medians of 9 rounds.
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
  const median = (list) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)];
  console.log(`3,000 changed files -> ${result.components.join(", ")}`);
  console.log(`  listing (30 pages from the local REST stand-in) ${ms(median(listing))}`);
  console.log(
    `  mapping to components ${ms(median(mapping))} beyond the API time; target under 100 ms: ${median(mapping) < 100 ? "met" : "MISSED"}`,
  );

  await hms.close();
  app.close();
  baseline.server.close();
  rest.server.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
