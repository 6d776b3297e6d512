import { describe, expect, it } from "vitest";
import { DEFAULT_COMPONENTS } from "../../../src/config/defaults.js";
import type { ComponentConfig } from "../../../src/config/schema.js";
import { isHmsError } from "../../../src/errors.js";
import { createComponentDetector } from "../../../src/triage/components.js";
import type { TriageReport } from "../../../src/triage/types.js";

const detect = createComponentDetector(DEFAULT_COMPONENTS);
const SME_MODEL = "SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb";
const DEV_CLI = "SYSTEM-COMPONENTS/HMS-DEV/src/cli.ts";

function route(report: TriageReport) {
  const routing = detect(report);
  return { ...routing, ids: routing.components.map((match) => match.component) };
}

describe("component detection: the precedence", () => {
  it("an explicit choice beats file paths", () => {
    const routing = route({ text: `crash in /srv/hms/${DEV_CLI}:10`, component: "hms-sys" });
    expect(routing.outcome).toBe("routed");
    expect(routing.primary).toBe("hms-sys");
    expect(routing.components[0]).toEqual({
      component: "hms-sys",
      confidence: 1,
      evidence: "explicit",
      reasons: ["chosen explicitly: hms-sys"],
    });
    expect(routing.components[1]?.evidence).toBe("path");
  });

  it("a changed file beats any number of paths its log quotes", () => {
    const routing = route({
      text: "checking SYSTEM-COMPONENTS/HMS-SYS/proto/env.proto ... ok\nchecking SYSTEM-COMPONENTS/HMS-SYS/build.rs ... ok",
      files: [DEV_CLI],
    });
    expect(routing.primary).toBe("hms-dev");
    expect(routing.components.map((match) => [match.component, match.evidence, match.confidence])).toEqual([
      ["hms-dev", "changed", 0.9],
      ["hms-sys", "path", 0.88],
    ]);
  });

  it("file paths beat labels", () => {
    const routing = route({ text: "fails", files: [SME_MODEL], labels: ["comp:hms-dev"] });
    expect(routing.primary).toBe("hms-sme");
    expect(routing.ids).toEqual(["hms-sme", "hms-dev"]);
  });

  it("labels beat the components' names", () => {
    const routing = route({ text: "HMS-DEV people say this is not theirs", labels: ["comp:hms-esr"] });
    expect(routing.primary).toBe("hms-esr");
    expect(routing.components[0]?.reasons).toEqual(["label comp:hms-esr"]);
  });

  it("a component's name beats any number of keywords", () => {
    const routing = route({ text: "The SME app is down; tsc, npm and node all print errors" });
    expect(routing.primary).toBe("hms-sme");
    expect(routing.components[1]).toMatchObject({
      component: "hms-dev",
      evidence: "keyword",
      confidence: 0.35,
    });
  });

  it("more evidence of the same kind wins: two files beat one", () => {
    const routing = route({
      text: "PR",
      files: [SME_MODEL, "SYSTEM-COMPONENTS/HMS-SME/db/schema.rb", DEV_CLI],
    });
    expect(routing.primary).toBe("hms-sme");
    // Two against one is a lead, not a certainty: both confidences are lowered by the rival.
    expect(routing.components.map((match) => match.confidence)).toEqual([0.78, 0.63]);
  });

  it("a weaker kind only breaks a tie of the stronger ones", () => {
    const routing = route({ text: "ActiveRecord raises in the importer", files: [SME_MODEL, DEV_CLI] });
    expect(routing.primary).toBe("hms-sme");
  });

  it("a full tie is needs-triage, with both candidates shown", () => {
    const routing = route({ text: "The dev tooling and the sys services both fail to start" });
    expect(routing.outcome).toBe("needs-triage");
    expect(routing.primary).toBeNull();
    expect(routing.ids).toEqual(["hms-dev", "hms-sys"]);
    expect(routing.components.map((match) => match.confidence)).toEqual([0.42, 0.42]);
    expect(routing.summary).toBe(
      "hms-dev and hms-sys match equally (alias evidence); a person has to choose",
    );
  });

  it("a keyword several components list counts for none of them, and says so", () => {
    const routing = route({ text: "cargo test hangs forever" });
    expect(routing).toMatchObject({ outcome: "needs-triage", components: [] });
    expect(routing.uncounted).toEqual([
      'keyword "cargo" is shared by hms-dev and hms-sys, so it counts for neither',
    ]);
    // A keyword of one component still counts beside it.
    expect(route({ text: "cargo build: bindgen cannot find libclang" }).primary).toBe("hms-sys");
  });

  it("Rails is HMS-SME's, even in a report of a plain Ruby error", () => {
    const routing = route({ text: "FrozenError: can't modify frozen String in the Rails console" });
    expect(routing.primary).toBe("hms-sme");
  });

  it("nothing at all is needs-triage, never a guess", () => {
    const routing = route({ text: "Users can't log in on staging" });
    expect(routing).toMatchObject({ outcome: "needs-triage", primary: null, components: [] });
    expect(routing.summary).toBe("nothing in the report points to a component");
  });
});

describe("component detection: each rule", () => {
  it("says which path matched which glob", () => {
    const routing = route({ text: `NoMethodError\n  /home/ana/hms/${SME_MODEL}:42:in 'full_name'` });
    expect(routing.components[0]?.reasons[0]).toBe(
      "path SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb matches hms-sme (SYSTEM-COMPONENTS/HMS-SME/**)",
    );
    expect(route({ text: "x", files: [DEV_CLI] }).components[0]?.reasons).toEqual([
      "changed file SYSTEM-COMPONENTS/HMS-DEV/src/cli.ts matches hms-dev (SYSTEM-COMPONENTS/HMS-DEV/**)",
    ]);
  });

  it("shows three paths of a long stack trace and counts the rest", () => {
    const frames = Array.from({ length: 6 }, (_, n) => `/srv/SYSTEM-COMPONENTS/HMS-SME/app/a${n}.rb:1`).join(
      "\n",
    );
    const [match] = route({ text: frames }).components;
    expect(match?.reasons.slice(3)).toEqual(["and 3 more paths in hms-sme", 'names "hms-sme"']);
    expect(match?.confidence).toBe(0.94);
  });

  it("reads labels case-insensitively: the id, comp:<id> and configured ones", () => {
    const custom = createComponentDetector({
      "hms-sme": { ...(DEFAULT_COMPONENTS["hms-sme"] as ComponentConfig), labels: ["area/rails"] },
    });
    for (const label of ["hms-sme", "COMP:HMS-SME", "Area/Rails"]) {
      expect(custom({ text: "x", labels: [label] }).primary, label).toBe("hms-sme");
    }
    expect(custom({ text: "x", labels: ["bug"] }).primary).toBeNull();
  });

  it("counts naming a component once, however many of its names appear", () => {
    const [match] = route({ text: "HMS-SME (the sme app, hms_sme) is down" }).components;
    expect(match).toMatchObject({ evidence: "alias", confidence: 0.6, reasons: ['names "hms-sme"'] });
  });

  it("matches keywords as whole words", () => {
    expect(route({ text: "after the upgrade nothing loads" }).components).toEqual([]);
    expect(route({ text: "PG::ConnectionBad" }).components[0]?.reasons).toEqual(['keyword "pg"']);
  });

  it("rejects an explicit component that does not exist, naming the valid ones", () => {
    try {
      detect({ text: "x", component: "hms-foo" });
      expect.unreachable();
    } catch (error) {
      expect(isHmsError(error, "INVALID_INPUT")).toBe(true);
      expect((error as Error).message).toBe(
        'unknown component "hms-foo": choose one of hms-sme, hms-esr, hms-dev, hms-sys',
      );
    }
  });
});
