import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isHmsError } from "../../../src/errors.js";
import { createRootCauseIndex } from "../../../src/triage/root-cause/index.js";
import { signaturePattern } from "../../../src/triage/root-cause/signatures.js";
import { entry, REPORTS_DIR, report, shippedEntries } from "./support.js";

const signatureEntry = entry({
  id: "RC-T-001",
  title: "Widget pool drained",
  signatures: ["EWIDGETDRAIN", { regex: "widget pool \\w+ drained after \\d+ tries", flags: "i" }],
  symptoms: ["requests hang"],
});
const wordyEntry = entry({
  id: "RC-T-002",
  title: "Widget cache slow under load with many widgets",
  symptoms: ["widget cache slow", "widgets load slowly from the cache under load"],
  tags: ["widget", "cache", "load"],
});

describe("ranking", () => {
  it("puts a signature hit before a better text match, and says what matched", () => {
    const index = createRootCauseIndex([wordyEntry, signatureEntry]);
    const [first, second] = index.rank("EWIDGETDRAIN: widget cache slow under load, widgets load slowly");
    expect(first).toMatchObject({ id: "RC-T-001", signatureHits: 1 });
    expect(first?.evidence[0]).toBe('signature "EWIDGETDRAIN" matched "EWIDGETDRAIN"');
    expect(first?.score).toBeGreaterThanOrEqual(0.7);
    expect(second).toMatchObject({ id: "RC-T-002", signatureHits: 0 });
    expect(second?.score).toBeLessThanOrEqual(0.5);
    expect(second?.evidence[0]).toMatch(/^shared terms: /);
  });

  it("puts more matching signatures first", () => {
    const index = createRootCauseIndex([
      entry({ id: "RC-T-003", signatures: ["EWIDGETDRAIN"] }),
      signatureEntry,
    ]);
    const ranked = index.rank("EWIDGETDRAIN\nwidget pool main drained after 3 tries");
    expect(ranked.map((suggestion) => [suggestion.id, suggestion.signatureHits])).toEqual([
      ["RC-T-001", 2],
      ["RC-T-003", 1],
    ]);
    expect(ranked[0]?.evidence[1]).toBe(
      'signature /widget pool \\w+ drained after \\d+ tries/i matched "widget pool main drained after 3 tries"',
    );
  });

  it("returns at most three, and nothing for words shared by chance", () => {
    const index = createRootCauseIndex(shippedEntries());
    expect(index.rank(report("sys-stddef")).length).toBeLessThanOrEqual(3);
    expect(index.rank("Build broken again. Nothing works on main since lunch.")).toEqual([]);
  });

  it("restricts to the components given, keeping the shared entries", () => {
    const index = createRootCauseIndex(shippedEntries());
    const text = `${report("sme-undefined-table")}\n${report("nix-nixpkgs")}`;
    const everywhere = index.rank(text).map((suggestion) => suggestion.id);
    expect(everywhere).toContain("RC-SME-002");
    const devOnly = index.rank(text, { restrictTo: new Set(["hms-dev"]) }).map((suggestion) => suggestion.id);
    expect(devOnly).not.toContain("RC-SME-002");
    expect(devOnly[0]).toBe("RC-NIX-001");
  });

  it("boosts the components given without excluding others", () => {
    const sme = entry({
      id: "RC-T-010",
      component: "hms-sme",
      symptoms: ["ledger export stalls nightly batch"],
    });
    const dev = entry({
      id: "RC-T-011",
      component: "hms-dev",
      symptoms: ["ledger export stalls nightly batch"],
    });
    const index = createRootCauseIndex([sme, dev]);
    const text = "the ledger export stalls in the nightly batch";
    expect(index.rank(text, { boost: new Set(["hms-dev"]) })[0]?.id).toBe("RC-T-011");
    expect(index.rank(text, { boost: new Set(["hms-sme"]) })[0]?.id).toBe("RC-T-010");
    expect(index.rank(text, { boost: new Set(["hms-sme"]) })).toHaveLength(2);
  });

  it("finds exactly the signatures a linear scan of every signature finds", () => {
    const entries = shippedEntries();
    const index = createRootCauseIndex(entries);
    const texts = readdirSync(REPORTS_DIR).map((name) => report(name.replace(/\.txt$/, "")));
    for (const text of texts) {
      const scanned = entries
        .filter((item) => item.signatures.some((signature) => signaturePattern(signature).test(text)))
        .map((item) => item.id)
        .sort();
      expect([...index.signatureHits(text).keys()].sort()).toEqual(scanned);
    }
  });
});

describe("adding an entry", () => {
  it("is searchable at once, without rebuilding the index", () => {
    const index = createRootCauseIndex(shippedEntries());
    const before = index.size;
    index.add({
      id: "RC-SYS-900",
      component: "hms-sys",
      title: "Sensor daemon rejects the calibration table",
      signatures: ["ECALIBRATION_TABLE_VERSION"],
      symptoms: ["hms-sensord exits at start after a firmware update"],
      rootCause: "The calibration table format changed with firmware 4.2.",
      fix: "Regenerate the table with hms-calibrate --format 4.",
    });
    expect(index.size).toBe(before + 1);
    expect(index.rank("hms-sensord: ECALIBRATION_TABLE_VERSION (want 4, got 3)")[0]?.id).toBe("RC-SYS-900");
  });

  it("validates the entry and refuses an id that exists", () => {
    const index = createRootCauseIndex(shippedEntries());
    const attempt = (raw: unknown) => {
      try {
        index.add(raw);
      } catch (error) {
        expect(isHmsError(error, "INVALID_INPUT")).toBe(true);
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(
      attempt({ id: "RC-X-1", component: "hms-sme", title: "t", symptoms: [], rootCause: "r", fix: "f" }),
    ).toBe("root-cause entry RC-X-1: symptoms: describe at least one symptom");
    expect(attempt({ ...entry({ id: "RC-SME-001" }) })).toBe(
      "root-cause entry RC-SME-001 already exists; choose another id",
    );
  });
});
