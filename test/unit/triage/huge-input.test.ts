import { describe, expect, it } from "vitest";
import { pathsInText } from "../../../src/triage/paths.js";
import { createEngine, NO_ROTATION, NOW, report } from "./support.js";

const FIVE_MB = 5 * 1024 * 1024;

/**
 * What people paste: whole CI logs, minified bundles, base64 blobs. Each shape here once made a regular
 * expression scan the text again from every character (a 100 kB word took 40 seconds). The generous
 * timeout only catches that kind of blow-up on a busy machine: a decision on 5 MB takes well under a
 * second (the text is read as its first and last 100,000 characters).
 */
const SHAPES: Record<string, string> = {
  "one 5 MB word, as a base64 blob": "x".repeat(FIVE_MB),
  "a minified line of dotted names": "a.".repeat(FIVE_MB / 2),
  "a line of dashes": "-".repeat(FIVE_MB),
  "Windows folders without spaces": "C:\\work\\".repeat(FIVE_MB / 8),
  "a log of the same stack frame": "    app/models/claim.rb:2:in 'validate'\n".repeat(FIVE_MB / 40),
  "namespaces without an end": "A::".repeat(FIVE_MB / 3),
};

describe("a 5 MB pasted report", () => {
  const engine = createEngine();

  for (const [shape, filler] of Object.entries(SHAPES)) {
    it(`is decided, from the error at its end, when it is ${shape}`, { timeout: 30_000 }, () => {
      const text = `${filler}\n${report("sme-pending-migration")}`;
      expect(text.length).toBeGreaterThan(FIVE_MB);
      const decision = engine.decide({ text }, NO_ROTATION, NOW);
      expect(decision.primaryComponent).toBe("hms-sme");
      expect(decision.rootCauses[0]?.id).toBe("RC-SME-001");
    });
  }
});

describe("pathsInText on long runs", () => {
  it("finds the path after a megabyte without a slash", { timeout: 30_000 }, () => {
    expect(pathsInText(`${"x".repeat(1_000_000)} app/models/claim.rb:2:in 'validate'`)).toEqual([
      "app/models/claim.rb",
    ]);
  });

  it("starts a path where its run of path characters starts", () => {
    expect(pathsInText("at C:\\work\\hms\\app.rb and file:///srv/hms/lib/esr/rules.rb")).toEqual([
      "C:\\work\\hms\\app.rb",
      "/srv/hms/lib/esr/rules.rb",
    ]);
  });
});
