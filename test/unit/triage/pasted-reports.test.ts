import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FileIndex } from "../../../src/triage/file-index.js";
import type { TriageDecision, TriageReport } from "../../../src/triage/types.js";
import { useTriageMonorepoIndex } from "../../helpers/triage-monorepo.js";
import { createEngine, NO_ROTATION, NOW, PROJECT_ROOT, SETTINGS } from "./support.js";

/**
 * Reports as people paste them (test/fixtures/triage/pasted): backtraces relative to an app root,
 * Windows and webpack paths, logs quoting other components, Rust without paths, vague reports, reports
 * about two components. They are triaged against a generated monorepo of the four components, whose
 * file index is listed from a real mirror, and scored as the README's accuracy table shows them.
 */
const PASTED = join(PROJECT_ROOT, "test", "fixtures", "triage", "pasted");

interface Expectation {
  expect: string;
  files?: string[];
  labels?: string[];
  component?: string;
}

const expected = Object.entries(
  JSON.parse(readFileSync(join(PASTED, "expected.json"), "utf8")) as Record<string, Expectation | string>,
).filter((entry): entry is [string, Expectation] => typeof entry[1] !== "string");

type Verdict = "routed right" | "needs-triage, rightly" | "needs-triage, missed" | "wrong";

function verdict(decision: TriageDecision, expectation: Expectation): Verdict {
  const wanted = expectation.expect;
  if (decision.outcome === "needs-triage")
    return wanted === "needs-triage" ? "needs-triage, rightly" : "needs-triage, missed";
  return decision.primaryComponent === wanted ? "routed right" : "wrong";
}

/** One row per fixture: what came out, and how it scores. */
function score(files: FileIndex | undefined) {
  const engine = createEngine([], SETTINGS, files);
  return expected.map(([name, expectation]) => {
    const report: TriageReport = {
      text: readFileSync(join(PASTED, `${name}.txt`), "utf8"),
      files: expectation.files,
      labels: expectation.labels,
      component: expectation.component,
    };
    const decision = engine.decide(report, NO_ROTATION, NOW);
    const confidence = decision.components[0]?.confidence ?? 0;
    return { name, expectation, decision, verdict: verdict(decision, expectation), confidence };
  });
}

function table(rows: ReturnType<typeof score>): string {
  const count = (what: Verdict) => rows.filter((row) => row.verdict === what).length;
  const right = count("routed right") + count("needs-triage, rightly");
  const confidentWrong = rows.filter((row) => row.verdict === "wrong" && row.confidence >= 0.7).length;
  const percent = (n: number) => `${((100 * n) / rows.length).toFixed(1)}%`;
  return [
    `| reports | top-1 right | needs-triage when it should be | right in all | needs-triage, a component was expected | wrong | wrong with confidence >= 0.7 |`,
    `| ${rows.length} | ${count("routed right")} | ${count("needs-triage, rightly")} | ${right} (${percent(right)}) | ${count("needs-triage, missed")} | ${count("wrong")} | ${confidentWrong} |`,
    ...rows
      .filter((row) => row.verdict === "wrong" || row.verdict === "needs-triage, missed")
      .map(
        (row) =>
          `  ${row.verdict}: ${row.name} expected ${row.expectation.expect}, got ${row.decision.primaryComponent ?? "needs-triage"} (${row.decision.summary})`,
      ),
  ].join("\n");
}

describe("reports as people paste them, against the generated monorepo", () => {
  const monorepo = useTriageMonorepoIndex();

  it("cover every fixture, at least 60, of every kind", () => {
    const fixtures = readdirSync(PASTED)
      .filter((name) => name.endsWith(".txt"))
      .map((name) => name.replace(/\.txt$/, ""));
    expect(expected.map(([name]) => name).sort()).toEqual(fixtures.sort());
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
    for (const prefix of ["sme-", "esr-", "dev-", "sys-", "cross-", "vague-"]) {
      expect(fixtures.filter((name) => name.startsWith(prefix)).length, prefix).toBeGreaterThanOrEqual(6);
    }
  });

  it("are at least 95% right, and never confidently wrong", () => {
    const rows = score(monorepo());
    console.info(`accuracy with the repository's file index:\n${table(rows)}`);
    const right = rows.filter(
      (row) => row.verdict === "routed right" || row.verdict === "needs-triage, rightly",
    );
    expect(right.length / rows.length).toBeGreaterThanOrEqual(0.95);
    const confidentlyWrong = rows.filter((row) => row.verdict === "wrong" && row.confidence >= 0.7);
    expect(confidentlyWrong.map((row) => row.name)).toEqual([]);
  });

  it("do worse without the file index: the index is what reads relative paths", () => {
    const rows = score(undefined);
    console.info(`accuracy without a repository (globs only):\n${table(rows)}`);
    const right = rows.filter(
      (row) => row.verdict === "routed right" || row.verdict === "needs-triage, rightly",
    );
    expect(right.length).toBeLessThan(
      score(monorepo()).filter((row) => row.verdict.endsWith("right") || row.verdict.endsWith("rightly"))
        .length,
    );
  });

  it("name the file each path resolved to", () => {
    const rows = new Map(score(monorepo()).map((row) => [row.name, row.decision]));
    expect(rows.get("sme-class-body-nameerror")?.components[0]?.reasons[0]).toBe(
      "path app/models/claim.rb resolved to SYSTEM-COMPONENTS/HMS-SME/app/models/claim.rb (hms-sme)",
    );
    expect(rows.get("esr-export-srv")?.components[0]?.reasons[0]).toBe(
      "path lib/esr/export.rb resolved to SYSTEM-COMPONENTS/HMS-ESR/lib/esr/export.rb (hms-esr)",
    );
    expect(rows.get("dev-webpack-parse")?.components[0]?.reasons[0]).toBe(
      "path src/components/ClaimList.tsx resolved to SYSTEM-COMPONENTS/HMS-DEV/web/src/components/ClaimList.tsx (hms-dev)",
    );
    expect(rows.get("sys-collector-backtrace")?.components[0]?.reasons).toEqual([
      "path agent/src/collector.rs resolved to SYSTEM-COMPONENTS/HMS-SYS/agent/src/collector.rs (hms-sys)",
    ]);
  });

  it("show an ambiguous path and count it for nobody", () => {
    const decision = score(monorepo()).find((row) => row.name === "cross-ambiguous-main-rs")?.decision;
    expect(decision?.outcome).toBe("needs-triage");
    expect(decision?.components).toEqual([]);
    expect(decision?.uncounted).toEqual([
      "path src/main.rs is ambiguous: 3 files of hms-dev, hms-sys end with it (SYSTEM-COMPONENTS/HMS-DEV/devtool/src/main.rs, SYSTEM-COMPONENTS/HMS-SYS/src/main.rs)",
    ]);
  });
});
