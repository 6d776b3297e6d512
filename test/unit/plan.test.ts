import { beforeAll, describe, expect, it } from "vitest";
import { checkTimeout, parseDuration } from "../../src/config/duration.js";
import { type Config, loadConfig } from "../../src/config/load.js";
import { extendedDeadline, extension, type ProvisionRequest, planProvision } from "../../src/envs/plan.js";
import { expectHmsError, useTempDir } from "./support.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const BOUNDS = { min: 5 * MINUTE, max: 7 * DAY };
const COMPONENTS = ["hms-sme", "hms-esr", "hms-dev", "hms-sys"];
/** 23:30 UTC: the local date differs from the UTC one in every zone east of UTC+0:30. */
const NOW = new Date("2026-03-04T23:30:07.890Z");
/** What a directory name may hold: no separators, no quotes, no spaces, no leading '-' or '.'. */
const SAFE_DIR_NAME = /^\d{8}_\d{6}_[a-z0-9-]+_[A-Za-z0-9_][A-Za-z0-9._-]*$/;

const tempDir = useTempDir("plan");
let config: Config;
beforeAll(() => {
  config = loadConfig({ cwd: tempDir() });
});

function plan(request: Partial<ProvisionRequest>) {
  return planProvision({ component: "hms-sme", owner: "alice", ...request }, config, NOW);
}

describe("parseDuration", () => {
  it.each([
    ["8h", 8 * HOUR],
    ["30m", 30 * MINUTE],
    ["2d", 2 * DAY],
    ["1w", 7 * DAY],
    ["90s", 90_000],
  ])("%s is %i ms", (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  it.each(["8", "", "1.5h", "-1h", "8 hours", "999999999d", "0h", "h", "8y", "8h30m"])(
    "%j is rejected",
    async (text) => {
      await expectHmsError(() => parseDuration(text, "timeout"), "INVALID_INPUT", `timeout "${text}"`, "8h");
    },
  );
});

describe("checkTimeout", () => {
  it("accepts the bounds themselves", () => {
    expect(checkTimeout(5 * MINUTE, "5m", BOUNDS)).toBe(5 * MINUTE);
    expect(checkTimeout(7 * DAY, "7d", BOUNDS)).toBe(7 * DAY);
  });

  it("rejects 999d naming the value and the maximum", async () => {
    await expectHmsError(
      () => checkTimeout(parseDuration("999d"), "999d", BOUNDS),
      "INVALID_INPUT",
      '"999d"',
      "7d",
      "limits.maxTimeout",
    );
  });

  it("rejects 1m naming the value and the minimum", async () => {
    await expectHmsError(
      () => checkTimeout(MINUTE, "1m", BOUNDS),
      "INVALID_INPUT",
      '"1m"',
      "5m",
      "limits.minTimeout",
    );
  });
});

describe("planProvision", () => {
  it("names the directory YYYYMMDD_HHMMSS_<component>_<branch> in UTC and fetches refs/heads/<branch>", () => {
    const result = plan({ branch: "feature/new-feature" });
    expect(result.dirName).toBe("20260304_233007_hms-sme_feature_new-feature");
    expect(result.sourceRef).toBe("refs/heads/feature/new-feature");
    expect(result.source).toEqual({ kind: "branch", branch: "feature/new-feature" });
    expect(result.components).toEqual(["hms-sme"]);
    expect(result.owner).toBe("alice");
    expect(result.createdAt).toEqual(NOW);
  });

  it("names a PR environment pr-N and fetches refs/pull/N/head", () => {
    const result = plan({ component: "hms-esr", pr: "123" });
    expect(result.dirName).toBe("20260304_233007_hms-esr_pr-123");
    expect(result.sourceRef).toBe("refs/pull/123/head");
    expect(result.source).toEqual({ kind: "pr", pr: 123 });
    expect(result.shownAs).toContain("#123");
  });

  it("takes a PR as a number too", () => {
    expect(plan({ pr: 42 }).source).toEqual({ kind: "pr", pr: 42 });
  });

  it('"all" selects all four components', () => {
    const result = plan({ component: "all", branch: "main" });
    expect(result.components).toEqual(COMPONENTS);
    expect(result.component).toBe("all");
    expect(result.dirName).toBe("20260304_233007_all_main");
  });

  it.each([
    ["feature/it's", "feature_it_s"],
    ["fix/ünïcödé", "fix_n_c_d"],
    ["release/2.0", "release_2.0"],
  ])("slugs branch %j safely", (branch, expected) => {
    const result = plan({ branch });
    expect(result.dirName).toBe(`20260304_233007_hms-sme_${expected}`);
    expect(result.sourceRef).toBe(`refs/heads/${branch}`);
  });

  it.each(["日本語", "..", "_/_", ".hidden/x", "a b$(touch x)`y`;z", "x".repeat(200)])(
    "keeps the directory name safe for branch %j",
    (branch) => {
      const { dirName } = plan({ branch });
      expect(dirName).toMatch(SAFE_DIR_NAME);
      expect(dirName.length).toBeLessThanOrEqual(100);
    },
  );

  it("uses the default timeout when none is given", () => {
    const result = plan({ branch: "main" });
    expect(result.timeoutMs).toBe(24 * HOUR);
    expect(result.expiresAt).toEqual(new Date(NOW.getTime() + 24 * HOUR));
  });

  it("uses --timeout when it is within bounds", () => {
    const result = plan({ branch: "main", timeout: "8h" });
    expect(result.timeoutMs).toBe(8 * HOUR);
    expect(result.expiresAt).toEqual(new Date(NOW.getTime() + 8 * HOUR));
  });

  it.each([
    ["999d", "limits.maxTimeout"],
    ["1m", "limits.minTimeout"],
    ["8", "30m"],
  ])("rejects --timeout %s", async (timeout, rule) => {
    await expectHmsError(() => plan({ branch: "main", timeout }), "INVALID_INPUT", `"${timeout}"`, rule);
  });

  it("rejects an unknown component, listing the valid ones", async () => {
    await expectHmsError(
      () => plan({ component: "hms-foo", branch: "main" }),
      "INVALID_INPUT",
      '"hms-foo"',
      ...COMPONENTS,
      "all",
    );
  });

  it.each(["HMS-SME", "", "constructor", "__proto__", "toString"])(
    "rejects component %j",
    async (component) => {
      await expectHmsError(() => plan({ component, branch: "main" }), "INVALID_INPUT", "unknown component");
    },
  );

  it("rejects --branch and --pr together", async () => {
    await expectHmsError(() => plan({ branch: "main", pr: "1" }), "USAGE", "--branch", "--pr", "not both");
  });

  it("rejects neither --branch nor --pr", async () => {
    await expectHmsError(() => plan({}), "USAGE", "--branch", "--pr");
  });

  it.each(["0", "-1", "1e3", "abc", "1.5", "", "012", "0x10", "1000000000", 0, -3, 1.5])(
    "rejects PR %j as not a positive integer",
    async (pr) => {
      await expectHmsError(() => plan({ pr }), "INVALID_INPUT", `PR "${pr}"`, "positive integer");
    },
  );

  it("reads a PR with surrounding spaces as the number", () => {
    expect(plan({ pr: " 12" }).source).toEqual({ kind: "pr", pr: 12 });
  });

  it.each(["-rf", "--upload-pack=touch x", "-"])(
    "rejects branch %j that git would read as an option",
    async (branch) => {
      await expectHmsError(() => plan({ branch }), "INVALID_INPUT", `"${branch}"`, "option");
    },
  );

  it.each(["feat\nure", "a\tb", "nul\u0000x", "del\u007fx", "esc\u001b[31m", "cr\r"])(
    "rejects branch %j with control characters",
    async (branch) => {
      await expectHmsError(() => plan({ branch }), "INVALID_INPUT", "control characters");
    },
  );

  it("rejects an empty branch and one longer than 200 characters", async () => {
    await expectHmsError(() => plan({ branch: "" }), "INVALID_INPUT", "empty");
    await expectHmsError(() => plan({ branch: "b".repeat(201) }), "INVALID_INPUT", "200");
  });

  it.each(["U024BE7LH", "alice.smith@example.com", "bob_1-x", "a".repeat(64)])(
    "accepts owner %j",
    (owner) => {
      expect(plan({ owner, branch: "main" }).owner).toBe(owner);
    },
  );

  it.each(["", "bob smith", "a;rm -rf /", "$(id)", "o'hara", "a".repeat(65), "ünï"])(
    "rejects owner %j",
    async (owner) => {
      await expectHmsError(() => plan({ owner, branch: "main" }), "INVALID_INPUT", `owner "${owner}"`);
    },
  );
});

describe("extendedDeadline", () => {
  const bounds = { minMs: BOUNDS.min, maxMs: BOUNDS.max };
  const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

  it("counts from the old deadline when it is still ahead", () => {
    expect(extendedDeadline(at(2 * HOUR), NOW, "8h", bounds)).toEqual(at(10 * HOUR));
  });

  it("counts from now when the old deadline has passed", () => {
    expect(extendedDeadline(at(-5 * HOUR), NOW, "8h", bounds)).toEqual(at(8 * HOUR));
  });

  it("is capped at limits.maxTimeout from now", () => {
    expect(extendedDeadline(at(6 * DAY), NOW, "3d", bounds)).toEqual(at(7 * DAY));
  });

  it("says when the cap cut it short, and only then", () => {
    expect(extension(at(6 * DAY), NOW, "3d", bounds)).toEqual({ deadline: at(7 * DAY), capped: true });
    expect(extension(at(4 * DAY), NOW, "3d", bounds)).toEqual({ deadline: at(7 * DAY), capped: false });
    expect(extension(at(HOUR), NOW, "8h", bounds)).toEqual({ deadline: at(9 * HOUR), capped: false });
  });

  it.each([
    ["999d", "limits.maxTimeout"],
    ["1m", "limits.minTimeout"],
    ["soon", "30m"],
  ])("rejects %s", async (text, rule) => {
    await expectHmsError(
      () => extendedDeadline(at(HOUR), NOW, text, bounds),
      "INVALID_INPUT",
      `"${text}"`,
      rule,
    );
  });
});
