import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTriageMonorepoIndex } from "../../helpers/triage-monorepo.js";
import { createEngine, NO_ROTATION, NOW, PROJECT_ROOT, SETTINGS } from "./support.js";

/**
 * 20 labelled pairs (test/fixtures/triage/duplicates): a new report, an open bug, and whether a person
 * would call the report a duplicate of it. Every pasted report is an open bug, as in a real tracker, so
 * the words shared by all Rails or all Rust reports weigh what they weigh there.
 */
const FIXTURES = join(PROJECT_ROOT, "test", "fixtures", "triage");
const PAIRS = join(FIXTURES, "duplicates");
const PASTED = join(FIXTURES, "pasted");

const pairs = Object.entries(
  JSON.parse(readFileSync(join(PAIRS, "pairs.json"), "utf8")) as Record<
    string,
    { openBug: string; duplicate: boolean } | string
  >,
).flatMap(([name, pair]) => (typeof pair === "string" ? [] : [{ name, ...pair }]));

const openBugs = readdirSync(PASTED)
  .filter((name) => name.endsWith(".txt"))
  .map((name) => {
    const text = readFileSync(join(PASTED, name), "utf8");
    return { id: name.replace(/\.txt$/, ""), title: text.split("\n")[0] ?? "", text };
  });

describe("duplicates: 20 labelled pairs", () => {
  const monorepo = useTriageMonorepoIndex();

  it("are 20, half of them duplicates", () => {
    expect(pairs.length).toBe(20);
    expect(pairs.filter((pair) => pair.duplicate).length).toBe(10);
    for (const pair of pairs)
      expect(
        openBugs.some((bug) => bug.id === pair.openBug),
        pair.openBug,
      ).toBe(true);
  });

  it("are told apart with precision and recall of at least 0.9", () => {
    const engine = createEngine(openBugs, SETTINGS, monorepo());
    const rows = pairs.map((pair) => {
      const text = readFileSync(join(PAIRS, `${pair.name}.txt`), "utf8");
      const decision = engine.decide({ text }, NO_ROTATION, NOW);
      const match = decision.duplicates.find((duplicate) => duplicate.id === pair.openBug);
      return { ...pair, flagged: match !== undefined, match, top: decision.duplicates[0] };
    });
    const truePositives = rows.filter((row) => row.flagged && row.duplicate).length;
    const flagged = rows.filter((row) => row.flagged).length;
    const precision = flagged === 0 ? 0 : truePositives / flagged;
    const recall = truePositives / rows.filter((row) => row.duplicate).length;
    console.info(
      [
        `duplicate pairs at threshold ${SETTINGS.duplicateThreshold}: precision ${precision.toFixed(2)} (${truePositives} of ${flagged} flagged), recall ${recall.toFixed(2)} (${truePositives} of 10)`,
        ...rows.map(
          (row) =>
            `  ${row.duplicate === row.flagged ? "ok   " : "WRONG"} ${row.name} ~ ${row.openBug}: ${row.duplicate ? "duplicate" : "not"}, ${row.match ? `flagged ${row.match.similarity} (${row.match.reasons.join("; ")})` : `not flagged${row.top ? ` (top: ${row.top.id} ${row.top.similarity})` : ""}`}`,
        ),
      ].join("\n"),
    );
    expect(precision).toBeGreaterThanOrEqual(0.9);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });
});
