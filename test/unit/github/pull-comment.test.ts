import { describe, expect, it } from "vitest";
import { COMMENT_MARKER, renderPullComment } from "../../../src/github/pull-comment.js";
import type { PullRecord } from "../../../src/github/pull-state.js";
import type { EnvRecord } from "../../../src/store/schema.js";

const pull: PullRecord = {
  number: 7,
  title: "Fix",
  author: "ana",
  url: "https://github.test/pull/7",
  head: "a".repeat(40),
  state: "open",
  components: ["hms-sme", "hms-dev", "hms-sys"],
  note: null,
  failures: { "hms-sys": "ana already has 5 environments (limits.maxEnvsPerOwner is 5)" },
  commentId: null,
  updatedAt: "2026-11-27T10:00:00.000Z",
};

const env = (overrides: Partial<EnvRecord>): EnvRecord => ({
  id: "env-1",
  path: "/srv/temp_envs/20261127_100000_hms-sme_pr-7",
  workdir: "/srv/temp_envs/20261127_100000_hms-sme_pr-7/checkout",
  component: "hms-sme",
  components: ["hms-sme"],
  repo: "/srv/hms.git",
  mirror: "/srv/mirror",
  branch: null,
  pr: 7,
  commit: "a".repeat(40),
  owner: "U1",
  createdAt: "2026-11-27T10:00:00.000Z",
  expiresAt: "2026-11-28T10:00:00.000Z",
  status: "ready",
  ...overrides,
});

describe("the PR comment", () => {
  it("starts with the marker and has a row per component, newest environment of each", () => {
    const body = renderPullComment(pull, [
      env({
        id: "env-old",
        status: "cleaned",
        cleanReason: "replaced",
        createdAt: "2026-11-27T09:00:00.000Z",
      }),
      env({}),
      env({ id: "env-2", component: "hms-dev", status: "provisioning", commit: "b".repeat(40) }),
    ]);
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain(
      "| hms-sme | ✅ ready | `env-1` | `/srv/temp_envs/20261127_100000_hms-sme_pr-7` | 2026-11-28 10:00 UTC |",
    );
    expect(body).toContain("| hms-dev | ⏳ provisioning at an older head | `env-2` |");
    expect(body).toContain("| hms-sys | ❌ ana already has 5 environments");
    expect(body).not.toContain("env-old");
    expect(body).toContain("hms-env extend env-1 8h");
    expect(body.match(/```bash/g)).toHaveLength(1);
  });

  it("shows the note and how environments ended once the PR closed", () => {
    const body = renderPullComment(
      {
        ...pull,
        state: "merged",
        failures: {},
        components: ["hms-sme"],
        note: "The pull request was merged.",
      },
      [env({ status: "cleaned", cleanReason: "merged" })],
    );
    expect(body).toContain("The pull request was merged.");
    expect(body).toContain("· PR merged");
    expect(body).toContain("| hms-sme | ⚪ cleaned up (merged) | `env-1` |  |  |");
    expect(body).not.toContain("./launch.sh");
  });

  it("quotes a folder with spaces for the shell and keeps backticks out of code spans", () => {
    const body = renderPullComment(pull, [env({ path: "/srv/my envs/x`y" })]);
    expect(body).toContain("cd '/srv/my envs/x`y'");
    expect(body).toContain("`/srv/my envs/x'y`");
  });
});
