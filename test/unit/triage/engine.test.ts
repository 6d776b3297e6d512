import { describe, expect, it } from "vitest";
import { likelyRootCause, renderDecision } from "../../../src/triage/render.js";
import { createEngine, NO_ROTATION, NOW, report, SETTINGS, TEAMS } from "./support.js";

describe("the team", () => {
  it("is the team that owns the primary component", () => {
    const decision = createEngine().decide({ text: report("sys-protoc") }, NO_ROTATION, NOW);
    expect(decision.team).toEqual({ id: "sys-team", name: "sys-team", reason: "sys-team owns hms-sys" });
    expect(decision.assignment.assignee?.slack).toBe("U03GUS");
  });

  it("is the fallback team for needs-triage, saying why", () => {
    const decision = createEngine().decide({ text: report("vague-login") }, NO_ROTATION, NOW);
    expect(decision.outcome).toBe("needs-triage");
    expect(decision.team).toEqual({
      id: "platform",
      name: "platform",
      reason: "fallback team; needs-triage: nothing in the report points to a component",
    });
    expect(decision.assignment.explanation).toBe("next in platform rotation");
  });

  it("is the fallback team for a component nobody owns", () => {
    const { "sme-team": _, ...withoutSme } = TEAMS;
    const engine = createEngine([], { ...SETTINGS, teams: withoutSme });
    const decision = engine.decide({ text: report("sme-zeitwerk") }, NO_ROTATION, NOW);
    expect(decision.outcome).toBe("routed");
    expect(decision.team?.reason).toBe("fallback team; no team owns hms-sme (teams.<team>.components)");
  });

  it("is nobody when no teams are configured, and the decision says so", () => {
    const engine = createEngine([], { ...SETTINGS, teams: {}, fallbackTeam: undefined });
    const decision = engine.decide({ text: report("sme-zeitwerk") }, NO_ROTATION, NOW);
    expect(decision.team).toBeNull();
    expect(decision.assignment).toEqual({
      assignee: null,
      method: "none",
      explanation: "no teams are configured (teams in hms.config.yaml)",
      skipped: [],
    });
  });
});

describe("root causes follow the components", () => {
  it("strong evidence for another component hides a component's entries", () => {
    // Only the keyword "pg" points to hms-sme here; choosing hms-dev outranks it and narrows the search.
    const text = report("sme-not-null");
    const engine = createEngine();
    expect(engine.decide({ text }, NO_ROTATION, NOW).rootCauses[0]?.id).toBe("RC-SME-008");
    const chosen = engine.decide({ text, component: "hms-dev" }, NO_ROTATION, NOW);
    expect(chosen.rootCauses.map((suggestion) => suggestion.component)).not.toContain("hms-sme");
  });

  it("strong evidence for two components searches both", () => {
    const text = report("sme-undefined-table");
    const chosen = createEngine().decide({ text, component: "hms-dev" }, NO_ROTATION, NOW);
    expect(chosen.components.map((match) => match.evidence)).toEqual(["explicit", "path"]);
    expect(chosen.rootCauses[0]?.id).toBe("RC-SME-002");
  });

  it("no component does not hide anything", () => {
    // Nothing names a component, but the answer is a Nix shell entry shared by all of them.
    const decision = createEngine().decide({ text: report("nix-certificates") }, NO_ROTATION, NOW);
    expect(decision.outcome).toBe("needs-triage");
    expect(decision.rootCauses[0]?.id).toBe("RC-NIX-010");
  });

  it("routes a Rails report to hms-sme even when it talks about Bundler and gems", () => {
    const text = "Rails app fails to boot: Bundler::GemNotFound: Could not find gem 'pg'. Run bundle install";
    const decision = createEngine().decide({ text }, NO_ROTATION, NOW);
    expect(decision.primaryComponent).toBe("hms-sme");
  });
});

describe("the decision as people read it", () => {
  it("carries everything: outcome, components, team, assignee, root causes, duplicates", () => {
    const engine = createEngine([{ id: "BUG-3", title: "hms-lint broken", text: report("dev-require-esm") }]);
    const decision = engine.decide({ text: report("dev-require-esm"), reporter: "U02DEE" }, NO_ROTATION, NOW);
    const text = renderDecision(decision);
    expect(text).toContain("Outcome:    routed to hms-dev (hms-dev by path evidence (confidence 0.88))");
    expect(text).toContain(
      "    - path SYSTEM-COMPONENTS/HMS-DEV/packages/hms-lint/dist/run.js matches hms-dev (SYSTEM-COMPONENTS/HMS-DEV/**)",
    );
    expect(text).toContain("Team:       dev-team: dev-team owns hms-dev");
    expect(text).toContain(
      "Assignee:   ed (@ed, U02ED): least loaded in dev-team (0 open bugs); skipped @dee (reporter)",
    );
    expect(text).toContain("  1. RC-DEV-001  score 0.90 (signature match)  require() of an ESM-only package");
    expect(text).toContain("  possible duplicate of BUG-3 (similarity 1.00): hms-lint broken");
    expect(likelyRootCause(decision)).toBe(
      "likely root cause: require() of an ESM-only package (RC-DEV-001, score 0.90)",
    );
  });

  it("leads with 'possibly related' when only words matched", () => {
    const decision = createEngine().decide(
      { text: "Every HTTPS call fails inside the environment, the same call works on the host" },
      NO_ROTATION,
      NOW,
    );
    expect(decision.rootCauses[0]?.signatureHits).toBe(0);
    expect(likelyRootCause(decision)).toMatch(/^possibly related: No CA certificates in the pure shell/);
  });

  it("shows low confidence in words, not only as a number", () => {
    const text = renderDecision(
      createEngine().decide({ text: report("keyword-only-npm") }, NO_ROTATION, NOW),
    );
    expect(text).toContain("  hms-dev  confidence 0.25 (low, a guess from keywords)");
  });
});
