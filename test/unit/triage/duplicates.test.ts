import { describe, expect, it } from "vitest";
import { createDuplicateIndex, type OpenBug } from "../../../src/triage/duplicates.js";
import { renderDecision } from "../../../src/triage/render.js";
import { createEngine, NO_ROTATION, NOW, report } from "./support.js";

// The same failure reported a week earlier by someone else: other words around it, other numbers,
// another checkout path.
const earlier: OpenBug = {
  id: "BUG-12",
  title: "rspec: relation users does not exist in my environment",
  text: `Running the model specs in a new environment fails on every example:

     ActiveRecord::StatementInvalid:
       PG::UndefinedTable: ERROR:  relation "users" does not exist
       LINE 8:                  WHERE a.attrelid = '"users"'::regclass
     # ./spec/models/user_spec.rb:9:in \`block (2 levels) in <top (required)>'
     # /tmp/hms-env/20261119_083000_hms-sme_main/checkout/SYSTEM-COMPONENTS/HMS-SME/spec/models/user_spec.rb:9`,
};
const unrelated: OpenBug[] = [
  { id: "BUG-7", title: "vite dev server won't start", text: report("dev-eaddrinuse") },
  { id: "BUG-9", title: "protoc missing", text: report("sys-protoc") },
  { id: "BUG-11", title: "esr config", text: report("esr-psych-alias") },
];

describe("duplicates", () => {
  it("finds an open bug about the same failure, with its similarity", () => {
    const index = createDuplicateIndex([...unrelated, earlier]);
    const [match, ...rest] = index.find(report("sme-undefined-table"), { threshold: 0.6 });
    expect(match?.id).toBe("BUG-12");
    expect(match?.similarity).toBeGreaterThan(0.6);
    expect(match?.similarity).toBeLessThan(1);
    expect(rest).toEqual([]);
  });

  it("says it in the decision: possible duplicate of BUG-12 (similarity ...)", () => {
    const engine = createEngine([...unrelated, earlier]);
    const decision = engine.decide({ text: report("sme-undefined-table") }, NO_ROTATION, NOW);
    expect(renderDecision(decision)).toMatch(
      /possible duplicate of BUG-12 \(similarity 0\.\d\d\): rspec: relation users does not exist in my environment/,
    );
  });

  it("keeps below the threshold out, and the threshold is configurable", () => {
    const index = createDuplicateIndex([...unrelated, earlier]);
    const similarity = index.find(report("sme-undefined-table"), { threshold: 0 })[0]?.similarity as number;
    expect(index.find(report("sme-undefined-table"), { threshold: similarity + 0.01 })).toEqual([]);
    expect(index.find(report("sme-pending-migration"), { threshold: 0.6 })).toEqual([]);
  });

  it("never calls a bug its own duplicate", () => {
    const index = createDuplicateIndex([earlier]);
    expect(index.find(earlier.text, { threshold: 0.6, exclude: "BUG-12" })).toEqual([]);
    expect(index.find(`${earlier.title}\n${earlier.text}`, { threshold: 0.6 })[0]).toMatchObject({
      id: "BUG-12",
      similarity: 1,
    });
  });

  it("forgets closed bugs, and replaces a bug whose text changed", () => {
    const index = createDuplicateIndex([earlier]);
    index.remove("BUG-12");
    expect(index.find(report("sme-undefined-table"), { threshold: 0.1 })).toEqual([]);
    index.add(earlier);
    index.add({ ...earlier, text: report("sys-protoc") });
    expect(index.find(report("sme-undefined-table"), { threshold: 0.6 })).toEqual([]);
    expect(index.find(report("sys-protoc"), { threshold: 0.6 })[0]?.id).toBe("BUG-12");
  });

  it("finds nothing in a report without real words", () => {
    expect(createDuplicateIndex([earlier]).find("it is not working!!! 500", { threshold: 0 })).toEqual([]);
  });
});
