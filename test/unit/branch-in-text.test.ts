import { describe, expect, it } from "vitest";
import { branchFromText, isBranchName, readBranch } from "../../src/bugs/branch-in-text.js";

describe("branch: in a report, as people paste it", () => {
  it.each([
    ["branch: feature/x", "feature/x"],
    ["broken\nbranch: feature/x\nmore", "feature/x"],
    ["see `branch=release/2.1`", "release/2.1"],
    ["Tested on branch: main, not on release", "main"],
    ["branch:feature/x.", "feature/x"],
    ["branch: feature/x; since Monday", "feature/x"],
    ["(branch: hotfix/claims)", "hotfix/claims"],
    ["Branch: 'feature/x'!", "feature/x"],
    ['branch: "feature/x"?', "feature/x"],
    ["branch: “feature/x”", "feature/x"],
    ["*branch:* feature/x", "feature/x"],
    ["*branch*: feature/x", "feature/x"],
    ["*Branch:* `feature/x`,", "feature/x"],
    ["**Branch**: `feature/x`", "feature/x"],
    ["_branch:_ _feature/x_", "feature/x"],
    ["branch: `feature/x`", "feature/x"],
    ["branch: *feature/x*", "feature/x"],
    ["branch: <https://github.com/o/r/tree/feature/x|feature/x>", "feature/x"],
    ["branch: <https://github.com/o/r/tree/feature/x>", "feature/x"],
    ["branch: <https://github.com/o/r/tree/feature/x|github.com/o/r/tree/feature/x>.", "feature/x"],
    ["branch: https://github.com/o/r/tree/feature%2Fx-%C3%A9", "feature/x-é"],
    ["branch: https://gitlab.example.com/g/r/-/tree/release/2.1?ref_type=heads", "release/2.1"],
    ["branch: [feature/x](https://github.com/o/r/tree/feature/x)", "feature/x"],
    ["Esr export fails on *branch:* main. Also on branch: main, since yesterday", "main"],
    ["The main branch: broken since yesterday\nbranch: feature/x", "feature/x"],
    ["branch: fix/ünïcode-名前", "fix/ünïcode-名前"],
  ])("%j names %s", (text, branch) => {
    expect(readBranch(text)).toEqual({ branch });
    expect(branchFromText(text)).toBe(branch);
  });

  it.each([
    "no branch named here",
    "The main branch: broken",
    "which branch: the old one?",
    "feature_branch: x",
    "mybranch=x",
    "branch:\nfeature/x",
    "*branch:*",
  ])("%j names none", (text) => {
    expect(readBranch(text)).toBeUndefined();
  });

  it.each([
    ["branch: fix~1", "fix~1"],
    ["branch: ../../etc/passwd", "../../etc/passwd"],
    ["branch: -x", "-x"],
    ["branch: feature..x", "feature..x"],
    ["branch: a:b", "a:b"],
    ["branch: x.lock", "x.lock"],
    [
      "branch: <https://example.com/some/page|https://example.com/some/page>",
      "https://example.com/some/page",
    ],
    ["branch: @{-1}", "@{-1"],
  ])("%j is rejected as %s, never used", (text, rejected) => {
    expect(readBranch(text)).toEqual({ rejected });
    expect(branchFromText(text)).toBeUndefined();
  });
});

describe("branch: in a huge paste", () => {
  // Each of these took minutes with an unbounded run of markup before the key (a quadratic scan).
  it.each([
    ["a run of a million stars after the key", `${"x".repeat(5e6)} branch: ${"*".repeat(1e6)}`, undefined],
    ["two million backticks", `branch: ${"`".repeat(2e6)}`, undefined],
    ["three million stars", "*".repeat(3e6), undefined],
    ["a sentence repeated 300,000 times", "main branch: x ".repeat(300_000), undefined],
  ])("%s is read at once", (_label, text, expected) => {
    expect(readBranch(text)).toEqual(expected);
  });

  it("reads the field among the first hundred mentions of a branch", () => {
    expect(readBranch(`${"the main branch: broken\n".repeat(99)}branch: feature/x`)).toEqual({
      branch: "feature/x",
    });
    expect(readBranch(`${"the main branch: broken\n".repeat(100)}branch: feature/x`)).toBeUndefined();
  });
});

describe("isBranchName", () => {
  it("takes what git check-ref-format --branch takes", () => {
    for (const name of ["main", "feature/x", "release/2.1", "feature/it's", "$(x)", "fix/ünïcode", "a.b/c_d"])
      expect(isBranchName(name), name).toBe(true);
    for (const name of [
      "",
      "-x",
      "a b",
      "a..b",
      "a~1",
      "a^",
      "a:b",
      "a?",
      "a*",
      "a[b",
      "a\\b",
      "a\u0007",
      "/a",
      "a/",
      "a//b",
      "a.",
      ".a",
      "a/.b",
      "a.lock",
      "a/b.lock/c",
      "a@{b",
      "@",
      "HEAD",
      "x".repeat(201),
    ])
      expect(isBranchName(name), JSON.stringify(name)).toBe(false);
  });
});
