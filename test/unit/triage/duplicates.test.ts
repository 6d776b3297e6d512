import { describe, expect, it } from "vitest";
import { createDuplicateIndex, type OpenBug } from "../../../src/triage/duplicates.js";
import { exceptionType } from "../../../src/triage/fingerprint.js";
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

/** The false duplicate: the same Rails and PostgreSQL frames, a different failure. */
const deadlock = (n: number): OpenBug => ({
  id: `BUG-${n}`,
  title: "deadlock when approving",
  text: `ActiveRecord::Deadlocked: PG::TRDeadlockDetected: ERROR:  deadlock detected
DETAIL:  Process ${n} waits for ShareLock on transaction 99123
/usr/local/bundle/gems/activerecord-7.1.3/lib/active_record/connection_adapters/postgresql_adapter.rb:894:in \`exec_params'
/usr/local/bundle/gems/activerecord-7.1.3/lib/active_record/connection_adapters/abstract_adapter.rb:1028:in \`block in with_raw_connection'
/srv/hms/SYSTEM-COMPONENTS/HMS-SME/app/models/account.rb:22:in \`decrement_open_claims!'`,
});
const undefinedTable = `ActiveRecord::StatementInvalid: PG::UndefinedTable: ERROR:  relation "accounts_archive" does not exist
/usr/local/bundle/gems/activerecord-7.1.3/lib/active_record/connection_adapters/postgresql_adapter.rb:894:in \`exec_params'
/usr/local/bundle/gems/activerecord-7.1.3/lib/active_record/connection_adapters/abstract_adapter.rb:1028:in \`block in with_raw_connection'
/srv/hms/SYSTEM-COMPONENTS/HMS-SME/app/models/account.rb:22:in \`decrement_open_claims!'`;

describe("the exception a report is about", () => {
  it.each([
    ['ActiveRecord::StatementInvalid: PG::UndefinedTable: ERROR:  relation "x"', "PG::UndefinedTable"],
    ["ActiveRecord::StatementInvalid:\n  PG::UndefinedTable: ERROR:", "PG::UndefinedTable"],
    [
      "Completed 500 Internal Server Error in 38ms\n\nNoMethodError (undefined method `name' for nil):",
      "NoMethodError",
    ],
    [
      "app/models/claim.rb:2:in `<class:Claim>': uninitialized constant Claim::Auditable (NameError)",
      "NameError",
    ],
    ["Processing by Api::V1::ClaimsController#index as JSON\nTypeError: x is undefined", "TypeError"],
    ["web/src/index.ts(1,14): error TS2307: Cannot find module", "TS2307"],
    ["error[E0308]: mismatched types", "E0308"],
    ["Error: listen EADDRINUSE: address already in use :::5173", "EADDRINUSE"],
    ["ERROR:  deadlock detected", null],
    ["thread 'main' panicked at agent/src/main.rs:1:13:", "panic"],
    [
      "thread 'main' panicked at src/x.rs:4:2:\nindex out of bounds: the len is 0 but the index is 0",
      "panic: index out of bounds the len",
    ],
    [
      "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/x.rs:4:2",
      "panic: called option unwrap on a none",
    ],
    ["The dashboard is slow", null],
  ])("%j is %j", (text, type) => {
    expect(exceptionType(text)).toBe(type);
  });
});

describe("duplicates", () => {
  it("finds an open bug about the same failure: same exception, same frame of our code", () => {
    const engine = createEngine([...unrelated, earlier]);
    const decision = engine.decide({ text: report("sme-undefined-table") }, NO_ROTATION, NOW);
    expect(decision.duplicates).toEqual([
      {
        id: "BUG-12",
        title: earlier.title,
        similarity: 0.9,
        reasons: [
          expect.stringMatching(/^text similarity 0\.\d\d \(BM25\)$/),
          "same exception PG::UndefinedTable at SYSTEM-COMPONENTS/HMS-SME/spec/models/user_spec.rb",
        ],
      },
    ]);
    expect(renderDecision(decision)).toMatch(
      /possible duplicate of BUG-12 \(similarity 0\.90\): rspec: relation users does not exist in my environment\n {4}- text similarity/,
    );
  });

  it("keeps a different exception under the threshold, however much framework the traces share", () => {
    const engine = createEngine([deadlock(1), ...unrelated]);
    const [match] = engine.duplicates.find(undefinedTable, { threshold: 0 });
    expect(match?.reasons).toContain(
      "different exception: PG::UndefinedTable here, PG::TRDeadlockDetected there",
    );
    expect(match?.similarity).toBeLessThan(0.6);
    expect(engine.duplicates.find(undefinedTable, { threshold: 0.6 })).toEqual([]);
    // The same deadlock again is a duplicate.
    expect(engine.duplicates.find(deadlock(2).text, { threshold: 0.6 })[0]).toMatchObject({ id: "BUG-1" });
  });

  it("weighs a word by how few open bugs have it (BM25): framework words weigh almost nothing", () => {
    const bugs = [deadlock(1), deadlock(2), deadlock(3), earlier, ...unrelated];
    const index = createDuplicateIndex(bugs);
    expect(index.documentFrequency("activerecord")).toBe(4);
    const onlyShared = index.find("activerecord postgresql_adapter exec_params with_raw_connection", {
      threshold: 0,
    });
    const rare = index.find("relation users does not exist regclass attrelid", { threshold: 0 });
    expect(rare[0]?.id).toBe("BUG-12");
    expect(rare[0]?.similarity).toBeGreaterThan(onlyShared[0]?.similarity ?? 1);
  });

  it("follows the open bugs: a closed or deleted bug's words leave every count", () => {
    const index = createDuplicateIndex([deadlock(1), deadlock(2), earlier]);
    expect(index.documentFrequency("deadlock")).toBe(2);
    index.remove("BUG-1");
    expect(index.documentFrequency("deadlock")).toBe(1);
    index.sync([earlier]);
    expect(index.size).toBe(1);
    expect(index.documentFrequency("deadlock")).toBe(0);
    expect(index.find(deadlock(9).text, { threshold: 0.1 })).toEqual([]);
    // A bug whose text changed is indexed anew.
    index.sync([{ ...earlier, text: report("sys-protoc") }]);
    expect(index.documentFrequency("regclass")).toBe(0);
    expect(index.find(report("sys-protoc"), { threshold: 0.6 })[0]?.id).toBe("BUG-12");
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

  it("finds nothing in a report without real words, or among no bugs", () => {
    expect(createDuplicateIndex([earlier]).find("it is not working!!! 500", { threshold: 0 })).toEqual([]);
    expect(createDuplicateIndex([]).find(earlier.text, { threshold: 0 })).toEqual([]);
  });
});
