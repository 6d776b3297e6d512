import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { addRootCauseEntry, loadRootCauseDb } from "../../src/bugs/root-cause-file.js";
import { signatureFromReport } from "../../src/github/root-cause.js";
import { backtrackingRisk } from "../../src/triage/root-cause/regex-safety.js";
import { testProcess } from "../helpers/host.js";
import { CLI, PROJECT_ROOT } from "../helpers/workspace.js";
import { expectHmsError, useTempDir } from "../unit/support.js";
import { SHIPPED_DB } from "../unit/triage/support.js";

const tempDir = useTempDir("regex-safety");

/**
 * A regular expression that backtracks catastrophically blocks the event loop, so no in-process timer
 * can stop it: each run happens in a child process with a generous limit. The inputs below take hours
 * with a pattern that backtracks (the audit measured 48 s for 33 colons, x2.3 per colon; these have 35),
 * and milliseconds with one that does not; the limit only tells a hang from a pass.
 */
const HANG_LIMIT_MS = 60_000;

function runNode(script: string, input?: string) {
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    timeout: HANG_LIMIT_MS,
    maxBuffer: 64 * 1024 * 1024,
    ...(input === undefined ? {} : { input }),
  });
  return { ...result, hung: result.signal === "SIGTERM" };
}

/** The audit's repro: an error line of paths separated by colons, and a report with many colons. */
const PATH_CHAIN = `error ${Array(38).fill("a/b").join(":")}`;
const COLON_REPORT = `error ${Array(36).fill("xxxxxxxx").join(":")}`;

function entryWith(id: string, regex: string): Record<string, unknown> {
  return {
    id,
    component: "hms-sme",
    title: "A learned failure",
    signatures: [{ regex, flags: "i" }],
    symptoms: ["It fails"],
    rootCause: "Something",
    fix: "Do something else",
  };
}

function dbWith(entries: Record<string, unknown>[]): string {
  const file = join(tempDir(), "root_cause.json");
  writeFileSync(file, `${JSON.stringify({ version: 1, entries }, null, 2)}\n`);
  return file;
}

describe("learned signatures", () => {
  it("match the audit's repro in linear time, in a separate process", () => {
    const run = runNode(`
      const { signatureFromReport } = await import("./dist/github/root-cause.js");
      const signature = signatureFromReport(${JSON.stringify(PATH_CHAIN)});
      const pattern = new RegExp(signature.regex, signature.flags);
      // One report with more colons than the pattern needs, one with fewer: neither may hang.
      for (const report of ${JSON.stringify([COLON_REPORT, COLON_REPORT.slice(0, 60)])}) pattern.test(report);
      console.log(JSON.stringify({ signature }));
    `);
    expect(run.hung, "the learned signature backtracked catastrophically").toBe(false);
    expect(run.status, run.stderr).toBe(0);
    const { signature } = JSON.parse(run.stdout) as { signature: { regex: string } };
    expect(signature.regex).not.toContain("\\S+");
    expect(backtrackingRisk(signature.regex, "i")).toBeNull();
  });

  it("make one wildcard of neighbours, cap every repetition, stay short, and are accepted by the database", async () => {
    // Wildcards side by side become one, every repetition is capped, and the pattern stays short.
    const merged = signatureFromReport("fatal error: build 12a/b/c.o failed at step 3");
    expect(merged?.regex).toContain("build\\s{1,40}[^");
    expect(merged?.regex).toMatch(/\]\{1,300\}\\s\{1,40\}failed/);
    expect(merged?.regex.match(/\{1,300\}/g)).toHaveLength(1);
    const long = signatureFromReport(`error ${Array(80).fill("a/b").join(": ")}`);
    expect(long?.regex.length).toBeLessThanOrEqual(600);
    expect(long?.regex).not.toMatch(/[+*](?![^[]*\])/);

    // The audit's chain of paths, learned: the database takes it.
    const file = dbWith([]);
    const entry = entryWith("RC-GH-4-5", signatureFromReport(PATH_CHAIN)?.regex ?? "");
    await addRootCauseEntry(file, entry, { holder: testProcess() });
    expect(loadRootCauseDb(file).entries.map((item) => item.id)).toEqual(["RC-GH-4-5"]);
  });
});

describe("patterns that can backtrack catastrophically", () => {
  const unsafe: [string, string][] = [
    ["the audit's learned pattern", `error\\s+${Array(38).fill("\\S+").join(":")}`],
    ["a repetition inside a repetition", "timeout (a+)+ after"],
    ["an alternation inside a repetition", "failed: (?:ab|a)* in"],
    ["capped repetitions over the same characters", "at \\S{1,200}:\\S{1,200}:\\S{1,200} in"],
    ["two repetitions side by side", "ENOENT \\w+\\d+ missing"],
  ];

  it.each(unsafe)(
    "are refused by addRootCauseEntry with a coded error (%s), the file unchanged",
    async (_, regex) => {
      const file = dbWith([]);
      const before = readFileSync(file, "utf8");
      await expectHmsError(
        () => addRootCauseEntry(file, entryWith("RC-GH-1-2", regex), { holder: testProcess() }),
        "UNSAFE_PATTERN",
        "RC-GH-1-2",
        "signatures.0.regex",
        "backtrack",
      );
      expect(readFileSync(file, "utf8")).toBe(before);
    },
  );

  it("in the database file stop the loader, naming the entry and the field", async () => {
    const shipped = JSON.parse(readFileSync(SHIPPED_DB, "utf8")) as { entries: Record<string, unknown>[] };
    const file = dbWith([...shipped.entries, entryWith("RC-BAD-1", "error \\S+:\\S+:\\S+ at")]);
    await expectHmsError(
      () => loadRootCauseDb(file),
      "UNSAFE_PATTERN",
      file,
      "entry RC-BAD-1 (number 61): signatures.0.regex",
    );
    const overlong = dbWith([entryWith("RC-LONG-1", `error ${"x".repeat(1200)}`)]);
    await expectHmsError(() => loadRootCauseDb(overlong), "UNSAFE_PATTERN", "RC-LONG-1", "at most 1000");
  });

  it("are none of the shipped database's: all 60 entries load", () => {
    const db = loadRootCauseDb(SHIPPED_DB);
    expect(db.entries).toHaveLength(60);
    for (const entry of db.entries) {
      for (const signature of entry.signatures) {
        if (typeof signature !== "string")
          expect(backtrackingRisk(signature.regex, signature.flags)).toBeNull();
      }
    }
  });
});

describe("the text signatures run on", () => {
  it("is bounded: a 5 MB pasted log with one long token is triaged at once by the real CLI", () => {
    const dir = tempDir();
    // Signatures that pass the check (one repetition each) but retry at every start of a long token:
    // unbounded, each takes most of a minute on the 100,000 characters triage keeps of each end.
    const db = dbWith(
      ["gemspec", "podspec", "nuspec"].map((kind, index) =>
        entryWith(`RC-SPEC-${index + 1}`, `\\S+\\.${kind} is invalid`),
      ),
    );
    writeFileSync(
      join(dir, "hms.config.yaml"),
      `stateFile: ./state.json\nrootCauseDb: ${JSON.stringify(db)}\n`,
    );
    const report = `bundle install fails with an error\n${"%=".repeat(2_600_000)}\nmy.gemspec is invalid\n`;
    const result = spawnSync(process.execPath, [CLI, "triage", "-", "--json"], {
      cwd: dir,
      input: report,
      encoding: "utf8",
      timeout: HANG_LIMIT_MS,
      env: { ...process.env, HMS_CONFIG: "" },
    });
    expect(result.signal, "triage hung on the long token").toBeNull();
    expect(result.status, result.stderr).toBe(0);
    const decision = JSON.parse(result.stdout) as { rootCauses: { id: string }[] };
    expect(decision.rootCauses.map((cause) => cause.id)).toContain("RC-SPEC-1");
  });
});
