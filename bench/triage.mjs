#!/usr/bin/env node
// One triage decision against a root-cause database of 10,000 entries, 1,000 open bugs (generated
// from the shipped entries and the test reports) and the file index of a 100,000-file repository,
// against baselines measured in the same run: a plain linear scan that runs every signature's regular
// expression on the report, and `git ls-tree` alone for the file index.
// Usage: npm run build && node bench/triage.mjs [--entries 10000] [--bugs 1000] [--files 100000] [--rounds 20]
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { execa } from "execa";
import { createRepositoryFiles } from "../dist/bugs/repository-files.js";
import { loadRootCauseDb } from "../dist/bugs/root-cause-file.js";
import { DEFAULT_COMPONENTS } from "../dist/config/defaults.js";
import { loadConfig } from "../dist/config/load.js";
import { createGit } from "../dist/envs/git.js";
import { createTriageEngine } from "../dist/triage/engine.js";
import { createFileIndex } from "../dist/triage/file-index.js";
import { createFileOwnership } from "../dist/triage/paths.js";
import { createRootCauseIndex } from "../dist/triage/root-cause/index.js";
import { signaturePattern } from "../dist/triage/root-cause/signatures.js";

const { values } = parseArgs({
  options: {
    entries: { type: "string", default: "10000" },
    bugs: { type: "string", default: "1000" },
    rounds: { type: "string", default: "20" },
    files: { type: "string", default: "100000" },
  },
});
const ENTRIES = Number(values.entries);
const BUGS = Number(values.bugs);
const ROUNDS = Number(values.rounds);
const FILES = Number(values.files);
const ROOT = resolve(import.meta.dirname, "..");
const FIXTURES = join(ROOT, "test", "fixtures", "triage");
const REPORTS_DIRS = [join(FIXTURES, "reports"), join(FIXTURES, "pasted")];

// mulberry32, seeded, so every run measures the same data.
let seed = 20261126;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const SYLLABLES = [
  "ka",
  "lo",
  "mer",
  "tis",
  "van",
  "dor",
  "pex",
  "qui",
  "ru",
  "sel",
  "tor",
  "zen",
  "bri",
  "gal",
];
const ident = (parts = 2 + Math.floor(random() * 2)) =>
  Array.from({ length: parts }, () => pick(SYLLABLES)).join("");
const camel = () =>
  ident().replace(/^./, (c) => c.toUpperCase()) + pick(["Error", "Failure", "Timeout", "Mismatch"]);
const version = () =>
  `${1 + Math.floor(random() * 9)}.${Math.floor(random() * 20)}.${Math.floor(random() * 10)}`;

const shipped = loadRootCauseDb(join(ROOT, "data", "root_cause.json")).entries;
const vocabulary = [
  ...new Set(
    shipped.flatMap((entry) =>
      [entry.title, entry.rootCause, entry.fix, ...entry.symptoms]
        .join(" ")
        .toLowerCase()
        .match(/[a-z]{4,}/g),
    ),
  ),
];
const sentence = (length) =>
  Array.from({ length }, () => (random() < 0.3 ? ident() : pick(vocabulary))).join(" ");

// Signature shapes of the real entries, with new names: gems, crates, error classes and codes.
const SIGNATURES = [
  () => `PG::${camel()}`,
  () => `${camel()}: ${sentence(4)}`,
  () => `Could not find ${ident()}-${version()} in locally installed gems`,
  () => `failed to run custom build command for \`${ident()}-sys`,
  () => `error: package \`${ident()} v${version()}\` ${sentence(3)}`,
  () => `E${ident().toUpperCase()}: ${sentence(3)}`,
  () => ({ regex: `${camel()}: .* ${pick(vocabulary)} ${pick(vocabulary)}`, flags: "i" }),
  () => ({ regex: `cannot load such file -- ${ident()}/\\w+`, flags: "i" }),
  () => ({ regex: `${pick(vocabulary)} "[^"]+" ${pick(vocabulary)} ${ident()}`, flags: "i" }),
  () => ({ regex: `'[^']+' ${ident()}(ed|ing)`, flags: "i" }),
];

function generateEntry(index) {
  const template = shipped[index % shipped.length];
  return {
    id: `RC-GEN-${index}`,
    component: template.component,
    title: `${template.title} in ${ident()}`,
    signatures: Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(SIGNATURES)()),
    symptoms: template.symptoms.map((symptom) => `${symptom} ${sentence(3)}`),
    rootCause: `${sentence(12)} ${template.rootCause}`,
    fix: `${sentence(8)} ${template.fix}`,
    references: [],
    tags: [...template.tags, ident()],
    occurrences: Math.floor(random() * 20),
    lastSeen: null,
  };
}

// Reports with full paths and reports as people paste them (relative paths the file index resolves).
const reports = REPORTS_DIRS.flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => name.endsWith(".txt"))
    .sort()
    .map((name) => readFileSync(join(dir, name), "utf8")),
);
// The same reports with a line of prose in another script before them, as teams that do not write
// English report bugs: every decision on these takes the Unicode path of text.ts.
const PROSE = [
  "Экспорт отчётов падает при сохранении счёта клиента, ошибка таймаута базы данных",
  "导出报表时保存客户发票失败，数据库连接超时，结算模块报错",
  "Η εξαγωγή αναφορών αποτυγχάνει κατά την αποθήκευση τιμολογίου πελάτη",
  "L'export des relevés échoue à l'enregistrement de la facture client : délai dépassé",
  "Der Berichtsexport schlägt beim Speichern der Kundenrechnung fehl: Zeitüberschreitung",
  "レポートのエクスポートが顧客請求書の保存時に失敗します。データベースのタイムアウト",
];
const localized = reports.map((text, index) => `${PROSE[index % PROSE.length]}\n${text}`);
const generated = [...shipped, ...Array.from({ length: ENTRIES }, (_, index) => generateEntry(index))];
const bugs = Array.from({ length: BUGS }, (_, index) => {
  const text = `${pick(reports).replace(/\d+/g, () => String(Math.floor(random() * 10000)))}\n${sentence(10)}`;
  return { id: `BUG-${index + 1}`, title: text.split("\n")[0], text };
});
const settings = {
  components: DEFAULT_COMPONENTS,
  teams: {
    sme: {
      strategy: "round-robin",
      components: ["hms-sme", "hms-esr"],
      members: [
        { slack: "U01ANA" },
        { slack: "U01BO", awayUntil: "2027-01-01" },
        { slack: "U01CY", capacity: 3 },
      ],
    },
    dev: {
      strategy: "least-loaded",
      components: ["hms-dev", "hms-sys"],
      members: [{ slack: "U02DEE" }, { slack: "U02ED" }],
    },
    platform: { strategy: "round-robin", components: [], members: [{ slack: "U03FAY" }] },
  },
  fallbackTeam: "platform",
  duplicateThreshold: 0.6,
};
const rotation = { lastAssigned: { sme: "U01ANA" }, openLoad: { U01CY: 3, U02DEE: 1 } };
const now = new Date("2026-11-26T12:00:00Z");

const time = (task) => {
  const started = performance.now();
  const result = task();
  return { ms: performance.now() - started, result };
};
const percentile = (samples, p) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

// A repository of FILES files: the generated monorepo of the accuracy tests, and packages of the four
// components around it whose file names repeat (index.ts, mod.rs, ...), as a large monorepo's do.
const COMPONENT_DIRS = ["HMS-SME", "HMS-ESR", "HMS-DEV", "HMS-SYS"];
const NAMES = [
  "index.ts",
  "mod.rs",
  "lib.rs",
  "main.rs",
  "user.rb",
  "config.rb",
  "client.ts",
  "util.ts",
  "build.rs",
  "schema.rb",
];
function repositoryPaths() {
  const listed = readFileSync(join(FIXTURES, "monorepo-files.txt"), "utf8")
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"));
  const paths = new Set(listed);
  // About ten files a folder, five hundred packages: the shape of a real tree, not one folder a file.
  const packages = Array.from({ length: 500 }, () => ident());
  const folders = Array.from({ length: Math.ceil(FILES / 10) }, () => ident());
  for (let n = 0; paths.size < FILES; n++) {
    const folder = Math.floor(n / 10) % folders.length;
    const pkg = folder % packages.length;
    paths.add(
      `SYSTEM-COMPONENTS/${COMPONENT_DIRS[pkg % 4]}/${packages[pkg]}-${pkg}/src/${folders[folder]}-${folder}/${n}-${pick(NAMES)}`,
    );
  }
  return [...paths];
}

/** A real repository with those files (all one empty blob, so it takes seconds), and its mirror. */
async function createLargeRepository(dir, paths) {
  const origin = join(dir, "origin");
  const env = {
    GIT_AUTHOR_NAME: "b",
    GIT_AUTHOR_EMAIL: "b@b",
    GIT_COMMITTER_NAME: "b",
    GIT_COMMITTER_EMAIL: "b@b",
  };
  const git = (args, options = {}) => execa("git", args, { cwd: origin, env, ...options });
  await execa("git", ["init", "--quiet", "--initial-branch=main", origin]);
  const blob = (await git(["hash-object", "-w", "--stdin"], { input: "" })).stdout.trim();
  await git(["update-index", "--index-info"], {
    input: paths.map((path) => `100644 ${blob}\t${path}`).join("\n"),
  });
  const tree = (await git(["write-tree"])).stdout.trim();
  const commit = (await git(["commit-tree", tree, "-m", "large monorepo"])).stdout.trim();
  await git(["update-ref", "refs/heads/main", commit]);
  writeFileSync(join(dir, "hms.config.yaml"), `repo: ${JSON.stringify(origin)}\nenvRoot: ./envs\n`);
  return loadConfig({ explicitPath: join(dir, "hms.config.yaml"), envPath: undefined, cwd: dir });
}

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc");
const heapUsed = () => {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

process.stderr.write(`generated ${generated.length} root-cause entries and ${bugs.length} open bugs\n`);
const workDir = mkdtempSync(join(tmpdir(), "hms-bench-triage-"));
// The database is read from a file, as hms-env reads rootCauseDb: validated, and with the strings JSON
// makes (flat ones; strings built by concatenation here would be slower to read).
const dbFile = join(workDir, "root_cause.json");
writeFileSync(dbFile, JSON.stringify({ version: 1, entries: generated }));
const loaded = time(() => loadRootCauseDb(dbFile));
const { entries } = loaded.result;
const config = await createLargeRepository(workDir, repositoryPaths());
process.stderr.write(`made a repository of ${FILES} files in ${workDir}\n`);
const repository = createRepositoryFiles({
  config,
  git: createGit({ holder: { pid: process.pid, host: hostname() } }),
});
const firstFetch = await repository.refresh(); // creates the mirror and fetches main: not what is measured
const mirror = join(
  config.cacheDir,
  readdirSync(config.cacheDir).find((name) => name.endsWith(".git")),
);
const commit = firstFetch.index.commit;
// The baseline: git listing the files, nothing more; then the same listing made into the index.
const listing = { ms: Number.POSITIVE_INFINITY };
const fileIndex = { ms: Number.POSITIVE_INFINITY };
let files;
let fileIndexBytes = 0;
for (let round = 0; round < 3; round++) {
  const started = performance.now();
  const listed = await createGit({ holder: { pid: process.pid, host: hostname() } }).listFiles(
    mirror,
    commit,
  );
  listing.ms = Math.min(listing.ms, performance.now() - started);
  const before = heapUsed();
  const built = performance.now();
  const index = createFileIndex(
    commit,
    await createGit({ holder: { pid: process.pid, host: hostname() } }).listFiles(mirror, commit),
    createFileOwnership(DEFAULT_COMPONENTS),
  );
  fileIndex.ms = Math.min(fileIndex.ms, performance.now() - built + listing.ms);
  fileIndexBytes = heapUsed() - before;
  files = index;
  if (listed.length !== index.size) throw new Error(`listed ${listed.length} files, indexed ${index.size}`);
}

// The build is the root-cause index and the rest of the engine (duplicates of the open bugs, routing).
const rootCauseIndex = time(() => createRootCauseIndex(entries));
const rest = time(() =>
  createTriageEngine({ settings, rootCauses: rootCauseIndex.result, openBugs: bugs, files }),
);
const indexed = { ms: rootCauseIndex.ms + rest.ms };
const engine = rest.result;
// The first decision after the build: what the build leaves for later (signatures' regular expressions
// are built when a report first needs them) shows here.
const firstDecision = time(() => engine.decide({ text: reports[0], reporter: "U01ANA" }, rotation, now));

// The baseline: every signature of every entry compiled, then all of them run on each report.
const scan = time(() =>
  entries.flatMap((entry) =>
    entry.signatures.map((signature) => ({ id: entry.id, pattern: signaturePattern(signature) })),
  ),
);
const linearHits = (text) => {
  const hits = new Map();
  for (const { id, pattern } of scan.result) if (pattern.test(text)) hits.set(id, (hits.get(id) ?? 0) + 1);
  return [...hits.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
};

// Same answers first: an index that is fast because it misses signatures would be worthless.
let identical = 0;
for (const text of [...reports, ...localized]) {
  const fromIndex = [...engine.rootCauses.signatureHits(text).keys()].sort().join(",");
  const fromScan = scan.result.filter(({ pattern }) => pattern.test(text)).map(({ id }) => id);
  if (fromIndex === [...new Set(fromScan)].sort().join(",")) identical++;
}

// Garbage collection pauses, to tell which slow decisions waited for one (their times overlap).
const pauses = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
});
gcObserver.observe({ entryTypes: ["gc"] });
const measure = async (decide, texts = reports) => {
  for (let round = 0; round < 3; round++) for (const text of texts) decide(text); // warm-up
  const samples = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const text of texts) {
      const start = performance.now();
      decide(text);
      samples.push({ start, ms: performance.now() - start });
    }
  await new Promise((resolve) => setTimeout(resolve, 50)); // the observer is told after the loop
  const times = samples.map((sample) => sample.ms);
  const p99 = percentile(times, 99);
  const slow = samples.filter((sample) => sample.ms >= p99);
  const slowInGc = slow.filter((sample) =>
    pauses.some((pause) => pause.start < sample.start + sample.ms && pause.end > sample.start),
  ).length;
  return { p50: percentile(times, 50), p99, count: samples.length, slow: slow.length, slowInGc };
};
const decide = (text) => engine.decide({ text, reporter: "U01ANA" }, rotation, now);
const decisions = await measure(decide);
const baseline = await measure(linearHits);
const localizedDecisions = await measure(decide, localized);
const localizedBaseline = await measure(linearHits, localized);
gcObserver.disconnect();

const signatures = scan.result.length;
rmSync(workDir, { recursive: true, force: true });

const row = (label, ours, theirs) =>
  `${label.padEnd(24)}${ours.toFixed(2).padStart(16)}${theirs.toFixed(2).padStart(20)}${`${(ours / theirs).toFixed(2)}x`.padStart(10)}`;
const check = (label, value, limit) =>
  `${label} ${value.toFixed(2)} ms < ${limit} ms ${value < limit ? "ok" : "MISSED"}`;
console.log(
  [
    `triage: ${entries.length} root-cause entries (${signatures} signatures), ${bugs.length} open bugs, a repository of ${files.size} files, ${reports.length} reports x ${ROUNDS} rounds (${decisions.count} decisions), node ${process.version}`,
    "",
    `${"".padEnd(24)}${"file index".padStart(16)}${"git ls-tree alone".padStart(20)}${"ratio".padStart(10)}`,
    row("list + index (ms)", fileIndex.ms, listing.ms),
    `file index memory: ${(fileIndexBytes / 1e6).toFixed(1)} MB (heap, after garbage collection)`,
    "",
    `${"".padEnd(24)}${"hms-env triage".padStart(16)}${"linear regex scan".padStart(20)}${"ratio".padStart(10)}`,
    row("index build (ms)", indexed.ms, scan.ms),
    `  of which root-cause index ${rootCauseIndex.ms.toFixed(0)} ms, duplicates and routing ${rest.ms.toFixed(0)} ms; before it, reading and validating the database file ${loaded.ms.toFixed(0)} ms`,
    `first decision after the build ${firstDecision.ms.toFixed(2)} ms`,
    row("one decision p50 (ms)", decisions.p50, baseline.p50),
    row("one decision p99 (ms)", decisions.p99, baseline.p99),
    `decisions at or above p99: ${decisions.slow}, of which ${decisions.slowInGc} overlapped a garbage collection pause`,
    "the same reports after a line of Russian, Chinese, Greek, French, German or Japanese prose:",
    row("one decision p50 (ms)", localizedDecisions.p50, localizedBaseline.p50),
    row("one decision p99 (ms)", localizedDecisions.p99, localizedBaseline.p99),
    "",
    "hms-env triage = the whole decision (components, team, assignee, top 3 root causes, duplicates);",
    "linear regex scan = signature matching alone. ratio = hms-env / scan (below 1: hms-env is faster).",
    `targets: ${check("file index", fileIndex.ms, 1000)}, ${(fileIndexBytes / 1e6).toFixed(1)} MB < 50 MB ${fileIndexBytes < 50e6 ? "ok" : "MISSED"}; ${check("build", indexed.ms, 1000)}; ${check("p50", decisions.p50, 2)}; ${check("p99", decisions.p99, 10)}`,
    `signature hits identical to the linear scan for ${identical}/${reports.length + localized.length} reports (with and without the prose)`,
  ].join("\n"),
);
