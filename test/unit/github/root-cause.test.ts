import { describe, expect, it } from "vitest";
import {
  closedIssues,
  errorNames,
  rootCauseEntry,
  rootCauseSection,
  signatureFromReport,
} from "../../../src/github/root-cause.js";
import { parseRootCauseEntry } from "../../../src/triage/root-cause/schema.js";

describe("closing keywords", () => {
  it("finds GitHub's keywords for this repository's issues only", () => {
    const body = "Fixes #12, closes #13 and Resolved: #14.\nfix hms-org/hms#15, fixes other/repo#16, see #17";
    expect(closedIssues(body, "hms-org/hms")).toEqual([12, 13, 14, 15]);
    expect(closedIssues("Fixed #3 and FIXES #3", "a/b")).toEqual([3]);
    expect(closedIssues("prefixes #4", "a/b")).toEqual([]);
  });
});

describe("the Root cause section", () => {
  it("reads a `Root cause:` line and its paragraph", () => {
    expect(rootCauseSection("Fixes #1\n\nRoot cause: the pool is too small\nfor the workers.\n\nMore.")).toBe(
      "the pool is too small\nfor the workers.",
    );
    expect(rootCauseSection("**Root cause:** stale cache")).toBe("stale cache");
  });

  it("reads a heading and everything up to the next heading", () => {
    const body = "## Root cause\n\nThe index was built twice.\n\nIt raced.\n## Testing\nnone";
    expect(rootCauseSection(body)).toBe("The index was built twice.\n\nIt raced.");
  });

  it("is null without one, or when it is empty", () => {
    expect(rootCauseSection("Fixes #1")).toBeNull();
    expect(rootCauseSection("Root cause:\n\n")).toBeNull();
  });
});

describe("signatures learned from a report", () => {
  const report =
    'Saving fails\nActiveRecord::RecordNotUnique: PG::UniqueViolation: ERROR:  duplicate key value violates unique constraint "index_users_on_email" at /app/models/user.rb:42';

  // The report's own line, the same error from another checkout, and another error.
  const occurrences: [string, string, string][] = [
    [
      report,
      'ActiveRecord::RecordNotUnique: PG::UniqueViolation: ERROR:  duplicate key value violates unique constraint "index_teams_on_slug" at /srv/app/models/team.rb:7',
      'PG::UndefinedTable: ERROR:  relation "users" does not exist',
    ],
    [
      "TypeError: Cannot read properties of undefined (reading 'id') at /home/ana/app/src/user.ts:42:7",
      "TypeError: Cannot read properties of undefined (reading 'name') at /srv/ci/build-7/src/team.ts:9:13",
      "TypeError: Cannot read properties of null (reading 'id')",
    ],
  ];

  it.each(occurrences)(
    "turns the error line into a pattern that matches the next occurrence, not other errors (%#)",
    (line, again, other) => {
      const signature = signatureFromReport(line);
      expect(signature).not.toBeNull();
      const pattern = new RegExp(signature?.regex ?? "", signature?.flags);
      expect(pattern.test(line)).toBe(true);
      expect(pattern.test(again)).toBe(true);
      expect(pattern.test(other)).toBe(false);
    },
  );

  it("names the error classes of the line", () => {
    expect(errorNames(report)).toEqual(
      ["ActiveRecord::RecordNotUnique:", "PG::UniqueViolation:"].map((name) => name.slice(0, -1)),
    );
    expect(errorNames("TypeError: x is undefined\nECONNREFUSED later")).toEqual(["TypeError"]);
  });

  it("has no signature for prose", () => {
    expect(signatureFromReport("It is slow sometimes")).toBeNull();
  });

  it("makes an entry the root-cause database accepts", () => {
    const entry = rootCauseEntry({
      pull: { number: 30, title: "Unique emails", url: "https://github.com/o/r/pull/30" },
      issue: { number: 21, title: "Saving fails", url: "https://github.com/o/r/issues/21", text: report },
      component: "hms-sme",
      rootCause: "Two requests created the same user.",
      today: "2026-11-27",
    });
    const parsed = parseRootCauseEntry(entry);
    expect(parsed.id).toBe("RC-GH-21-30");
    expect(parsed.signatures).toHaveLength(3);
    expect(parsed.fix).toBe("PR #30: Unique emails");
  });
});
