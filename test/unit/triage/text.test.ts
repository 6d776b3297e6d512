import { describe, expect, it } from "vitest";
import { clampText, compilePhrase, searchTerm, searchTerms, tokenize } from "../../../src/triage/text.js";

describe("tokenize", () => {
  it("splits on everything but letters, digits and _, in lower case", () => {
    expect(tokenize('PG::UndefinedTable: ERROR:  relation "users"')).toEqual([
      "pg",
      "undefinedtable",
      "error",
      "relation",
      "users",
    ]);
    expect(tokenize("node_modules/execa E0463 café")).toEqual(["node_modules", "execa", "e0463", "cafe"]);
  });
});

describe("searchTerm", () => {
  it("drops stopwords, numbers, hashes and addresses, keeps error names", () => {
    for (const noise of [
      "the",
      "failed",
      "5432",
      "0x7f3a9c",
      "7f3qhm1v2k8yq0v1h3s8l4r9d2c6b5a1",
      "a",
      "home",
    ]) {
      expect(searchTerm(noise), noise).toBeNull();
    }
    for (const term of ["activerecord", "e0463", "eaddrinuse", "protoc", "x86_64"])
      expect(searchTerm(term)).toBe(term);
  });

  it("keeps repeats, which term weights count", () => {
    expect(searchTerms("protoc missing; protoc not found")).toEqual(["protoc", "missing", "protoc", "found"]);
  });
});

describe("compilePhrase", () => {
  it("matches whole words only, case-insensitively", () => {
    const pg = compilePhrase("pg");
    expect(pg.test("PG::ConnectionBad")).toBe(true);
    expect(pg.test("after the upgrade")).toBe(false);
    expect(pg.test("pg_dump")).toBe(false);
  });

  it("lets any whitespace stand for any other", () => {
    expect(compilePhrase("ERROR: relation").test("ERROR:  relation")).toBe(true);
    expect(compilePhrase("could not find").test("could not\n  find")).toBe(true);
  });

  it("treats regular-expression characters literally", () => {
    const protoc = compilePhrase("Could not find `protoc`");
    expect(protoc.test("Could not find `protoc` installation")).toBe(true);
    expect(compilePhrase("checking for libpq-fe.h... no").test("checking for libpq-feXh... no")).toBe(false);
  });

  it("with loose separators, reads -, _ and spaces alike", () => {
    const name = compilePhrase("hms-sme", { looseSeparators: true });
    for (const text of ["HMS-SME", "hms sme", "HMS_SME", "in hms-sme."])
      expect(name.test(text), text).toBe(true);
    expect(name.test("hms-smelt")).toBe(false);
    expect(compilePhrase("hms-sme").test("hms sme")).toBe(false);
  });
});

describe("clampText", () => {
  it("keeps short text and the start and end of huge logs", () => {
    expect(clampText("short")).toBe("short");
    const huge = `HEAD ${"x".repeat(500_000)} TAIL`;
    const clamped = clampText(huge);
    expect(clamped.length).toBeLessThan(200_010);
    expect(clamped.startsWith("HEAD")).toBe(true);
    expect(clamped.endsWith("TAIL")).toBe(true);
  });
});
