import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRootCauseDb } from "../../../src/bugs/root-cause-file.js";
import { isHmsError } from "../../../src/errors.js";
import { createRootCauseIndex } from "../../../src/triage/root-cause/index.js";
import { parseRootCauseDb, type RootCauseEntry } from "../../../src/triage/root-cause/schema.js";
import { useTempDir } from "../support.js";
import { entry, SHIPPED_DB, shippedEntries } from "./support.js";

const tempDir = useTempDir("triage");

describe("the shipped root-cause database", () => {
  const entries = shippedEntries();

  it("has at least 40 entries across the four components and the Nix shells", () => {
    expect(entries.length).toBeGreaterThanOrEqual(40);
    for (const component of ["hms-sme", "hms-esr", "hms-dev", "hms-sys", "all"]) {
      const count = entries.filter((item) => item.component === component).length;
      expect(count, component).toBeGreaterThanOrEqual(8);
    }
  });

  it("gives every entry a signature, a fix and a reference", () => {
    for (const item of entries) {
      expect(item.signatures.length, item.id).toBeGreaterThan(0);
      expect(item.references.length, item.id).toBeGreaterThan(0);
      expect(item.fix.length, item.id).toBeGreaterThan(20);
    }
  });

  // One real-looking line per entry whose signatures are all regular expressions; the literal ones are
  // checked by the next test with the literal itself.
  const SAMPLES: Record<string, string> = {
    "RC-SME-005":
      'psql: error: connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed: FATAL:  role "ana" does not exist',
    "RC-ESR-005":
      "Errno::ENOENT: No such file or directory @ rb_sysopen - /home/bo/SYSTEM-COMPONENTS/HMS-ESR/config/esr.yml",
    "RC-ESR-007":
      "<internal:/nix/store/x-ruby-3.3.0/lib/ruby/3.3.0/rubygems/core_ext/kernel_require.rb>:136:in `require': cannot load such file -- net/smtp (LoadError)",
    "RC-ESR-010": "NoMethodError: undefined method `[]' for nil:NilClass\n  lib/esr/upstream.rb:12:in `url'",
    "RC-SYS-005":
      "  = note: /nix/store/abc-binutils-2.41/bin/ld: cannot find -lprotobuf: No such file or directory",
    "RC-SYS-006": "google/protobuf/empty.proto: File not found.",
    "RC-SYS-007": 'hms/v1/events.proto:12:9: "SensorReading" is already defined in "hms.v1".',
    "RC-SYS-012":
      "error: package `clap_lex v0.7.0` cannot be built because it requires rustc 1.74 or newer, while the currently active rustc version is 1.70.0",
    "RC-NIX-003": "bash: git: command not found",
    "RC-NIX-007": "error: path '/nix/store/9xq1ld0f8m0w6w1rb6x2c3v4b5n6m7k8-ruby-3.3.0' is not valid",
    "RC-NIX-008": "error: attribute 'hms-foo' missing\n       at /work/hms/nix/hms-env.nix:120:20:",
  };

  it("finds every entry from its own signatures, as the top suggestion", () => {
    const index = createRootCauseIndex(entries);
    for (const item of entries) {
      const literals = item.signatures.filter((signature) => typeof signature === "string");
      const text = literals.length > 0 ? literals.join("\n") : SAMPLES[item.id];
      expect(text, `${item.id} needs a sample line`).toBeDefined();
      const [top] = index.rank(text as string);
      expect(top?.id, item.id).toBe(item.id);
      expect(top?.signatureHits, item.id).toBeGreaterThan(0);
    }
  });
});

describe("an invalid root-cause database", () => {
  const valid = () => ({ version: 1, entries: shippedEntries().slice(0, 3) });
  const failure = (raw: unknown) => {
    try {
      parseRootCauseDb(raw, "data/root_cause.json");
    } catch (error) {
      expect(isHmsError(error, "CONFIG_INVALID")).toBe(true);
      return (error as Error).message;
    }
    throw new Error("expected the database to be rejected");
  };

  it("names the entry and the field of a broken regular expression", () => {
    const db = valid();
    db.entries[1] = {
      ...(db.entries[1] as RootCauseEntry),
      signatures: ["PG::UndefinedTable", { regex: "relation (", flags: "i" }],
    };
    expect(failure(db)).toBe(
      `root-cause database data/root_cause.json: entry ${db.entries[1]?.id} (number 2): signatures.1.regex: not a valid regular expression: Invalid regular expression: /relation (/i: Unterminated group`,
    );
  });

  it("rejects a signature that would match every report", () => {
    expect(
      failure({
        version: 1,
        entries: [entry({ id: "RC-X-001", signatures: [{ regex: ".*", flags: "i" }] })],
      }),
    ).toContain(
      "entry RC-X-001 (number 1): signatures.0.regex: matches empty text, so it would match every report",
    );
  });

  it("names missing and malformed fields", () => {
    const { symptoms: _, ...noSymptoms } = entry({ id: "RC-X-002" });
    expect(failure({ version: 1, entries: [noSymptoms] })).toContain("entry RC-X-002 (number 1): symptoms:");
    expect(failure({ version: 1, entries: [entry({ id: "RC-X-003", lastSeen: "last week" })] })).toContain(
      "entry RC-X-003 (number 1): lastSeen: expected a date such as 2026-03-14",
    );
    expect(failure({ version: 1, entries: [entry({ id: "rc 4" })] })).toContain(
      "entry rc 4 (number 1): id: expected an id such as RC-SME-001",
    );
    expect(failure({ version: 1, entries: [{ ...entry({ id: "RC-X-005" }), signatures: [42] }] })).toContain(
      'entry RC-X-005 (number 1): signatures.0: expected a string or { "regex": "...", "flags": "i" }',
    );
  });

  it("names both places of a duplicate id", () => {
    expect(
      failure({ version: 1, entries: [entry({ id: "RC-X-006" }), entry({ id: "RC-X-006" })] }),
    ).toContain("entry RC-X-006 (number 2): id: duplicate id (entry 1 has it too)");
  });

  it("refuses another version", () => {
    expect(failure({ version: 2, entries: [] })).toBe(
      "root-cause database data/root_cause.json: version: expected version 1 (this hms-env reads root-cause databases of version 1)",
    );
  });

  it("says when the file is not JSON or not there", () => {
    const dir = tempDir();
    const file = join(dir, "root_cause.json");
    writeFileSync(file, "{ version: 1, ");
    expect(() => loadRootCauseDb(file)).toThrow(/root-cause database .*root_cause\.json is not valid JSON/);
    try {
      loadRootCauseDb(join(dir, "missing.json"));
      expect.unreachable();
    } catch (error) {
      expect(isHmsError(error, "CONFIG_UNREADABLE")).toBe(true);
      expect((error as Error).message).toContain("(rootCauseDb in hms.config.yaml)");
    }
  });

  it("accepts the shipped file as it is", () => {
    expect(loadRootCauseDb(SHIPPED_DB).version).toBe(1);
  });
});
