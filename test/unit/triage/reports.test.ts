import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { TriageReport } from "../../../src/triage/types.js";
import { createEngine, NO_ROTATION, NOW, REPORTS_DIR, report } from "./support.js";

/**
 * Realistic reports (test/fixtures/triage/reports) and what triage must make of them: stack traces and
 * build logs of each stack, vague reports, reports naming two components, reports that must fall back.
 */
interface Expected {
  outcome: "routed" | "needs-triage";
  /** The primary component, or for needs-triage the candidates shown. */
  components: string[];
  evidence?: string;
  team: string;
  /** The top root-cause suggestion, or null for none. */
  rootCause: string | null;
  input?: Omit<TriageReport, "text">;
}

const routed = (component: string, evidence: string, team: string, rootCause: string | null): Expected => ({
  outcome: "routed",
  components: [component],
  evidence,
  team,
  rootCause,
});

const EXPECTED: Record<string, Expected> = {
  // HMS-SME: Rails and PostgreSQL
  "sme-pending-migration": routed("hms-sme", "path", "sme-team", "RC-SME-001"),
  "sme-undefined-table": routed("hms-sme", "path", "sme-team", "RC-SME-002"),
  "sme-connection-refused": routed("hms-sme", "alias", "sme-team", "RC-SME-003"),
  "sme-pool-timeout": routed("hms-sme", "path", "sme-team", "RC-SME-006"),
  "sme-unique-violation": routed("hms-sme", "path", "sme-team", "RC-SME-007"),
  "sme-zeitwerk": routed("hms-sme", "path", "sme-team", "RC-SME-010"),
  "sme-not-null": routed("hms-sme", "keyword", "sme-team", "RC-SME-008"),
  // HMS-ESR: Ruby services and gems
  "esr-gem-not-found": routed("hms-esr", "path", "sme-team", "RC-ESR-001"),
  "esr-psych-alias": routed("hms-esr", "path", "sme-team", "RC-ESR-004"),
  "esr-config-missing": routed("hms-esr", "path", "sme-team", "RC-ESR-005"),
  "esr-platform": routed("hms-esr", "alias", "sme-team", "RC-ESR-006"),
  "esr-frozen": routed("hms-esr", "path", "sme-team", "RC-ESR-009"),
  // HMS-DEV: Node, TypeScript and Rust tooling
  "dev-require-esm": routed("hms-dev", "path", "dev-team", "RC-DEV-001"),
  "dev-ts2835": routed("hms-dev", "keyword", "dev-team", "RC-DEV-002"),
  "dev-heap-oom": routed("hms-dev", "alias", "dev-team", "RC-DEV-007"),
  "dev-eaddrinuse": routed("hms-dev", "keyword", "dev-team", "RC-DEV-008"),
  "dev-node-gyp": routed("hms-dev", "path", "dev-team", "RC-DEV-009"),
  "dev-cargo-lock": routed("hms-dev", "path", "dev-team", "RC-DEV-013"),
  // HMS-SYS: Rust, Clang, LLVM, Protobuf
  "sys-protoc": routed("hms-sys", "path", "sys-team", "RC-SYS-001"),
  "sys-libclang": routed("hms-sys", "path", "sys-team", "RC-SYS-002"),
  "sys-stddef": routed("hms-sys", "path", "sys-team", "RC-SYS-003"),
  "sys-linker": routed("hms-sys", "path", "sys-team", "RC-SYS-004"),
  "sys-openssl": routed("hms-sys", "keyword", "sys-team", "RC-SYS-009"),
  "sys-proto-import": routed("hms-sys", "path", "sys-team", "RC-SYS-006"),
  "sys-llvm": routed("hms-sys", "keyword", "sys-team", "RC-SYS-008"),
  // Nix shell problems: routed where the report points, answered by the shared entries
  "nix-nixpkgs": routed("hms-sme", "alias", "sme-team", "RC-NIX-001"),
  "nix-hash-mismatch": routed("hms-dev", "keyword", "dev-team", "RC-NIX-004"),
  // A Nix shell problem names no component ("rubygems" is only the URL it tried): the fallback team gets it.
  "nix-certificates": { outcome: "needs-triage", components: [], team: "platform", rootCause: "RC-NIX-010" },
  // Vague reports fall back, and are not given a root cause on a word or two
  "vague-slow": { outcome: "needs-triage", components: [], team: "platform", rootCause: null },
  "vague-broken": { outcome: "needs-triage", components: [], team: "platform", rootCause: null },
  "vague-login": { outcome: "needs-triage", components: [], team: "platform", rootCause: null },
  // Two components named, or hinted at, equally: a person chooses
  "two-components-named": {
    outcome: "needs-triage",
    components: ["hms-sme", "hms-dev"],
    team: "platform",
    rootCause: null,
  },
  // cargo is a keyword of both Rust components, so it counts for neither
  "two-components-tied": {
    outcome: "needs-triage",
    components: [],
    team: "platform",
    rootCause: null,
  },
  // A vague text with a label, and a keyword alone
  "label-only": {
    ...routed("hms-esr", "label", "sme-team", null),
    input: { labels: ["comp:hms-esr", "bug"] },
  },
  "keyword-only-npm": routed("hms-dev", "keyword", "dev-team", null),
};

describe("realistic reports", () => {
  const engine = createEngine();

  it("cover every fixture, and there are at least 30", () => {
    const fixtures = readdirSync(REPORTS_DIR).map((name) => name.replace(/\.txt$/, ""));
    expect(Object.keys(EXPECTED).sort()).toEqual(fixtures.sort());
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });

  it.each(Object.entries(EXPECTED))("%s", (name, expected) => {
    const decision = engine.decide(
      { text: report(name), reporter: "U09REP", ...expected.input },
      NO_ROTATION,
      NOW,
    );
    expect(decision.outcome).toBe(expected.outcome);
    if (expected.outcome === "routed") {
      expect(decision.primaryComponent).toBe(expected.components[0]);
      expect(decision.components[0]?.evidence).toBe(expected.evidence);
    } else {
      expect(decision.primaryComponent).toBeNull();
      expect(decision.components.map((match) => match.component)).toEqual(expected.components);
    }
    expect(decision.team?.id).toBe(expected.team);
    expect(decision.assignment.assignee).not.toBeNull();
    expect(decision.rootCauses[0]?.id ?? null).toBe(expected.rootCause);
    if (expected.rootCause !== null) expect(decision.rootCauses[0]?.signatureHits).toBeGreaterThan(0);
  });

  it("routes a PR by its changed files, and an explicit choice above them", () => {
    const files = [
      "SYSTEM-COMPONENTS/HMS-SYS/proto/hms/v1/events.proto",
      "SYSTEM-COMPONENTS/HMS-SYS/crates/collector/build.rs",
    ];
    const byFiles = engine.decide({ text: "Add battery level to sensor events", files }, NO_ROTATION, NOW);
    expect(byFiles).toMatchObject({
      outcome: "routed",
      primaryComponent: "hms-sys",
      team: { id: "sys-team" },
    });
    const chosen = engine.decide(
      { text: "Add battery level", files, component: "hms-dev" },
      NO_ROTATION,
      NOW,
    );
    expect(chosen.primaryComponent).toBe("hms-dev");
    expect(chosen.components.map((match) => [match.component, match.evidence])).toEqual([
      ["hms-dev", "explicit"],
      ["hms-sys", "changed"],
    ]);
  });
});
