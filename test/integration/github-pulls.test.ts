import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMENT_MARKER } from "../../src/github/pull-comment.js";
import { deliver, pullPayload } from "../helpers/github.js";
import { SECONDARY_RATE_LIMIT } from "../helpers/github-api.js";
import { type GithubHarness, startGithubHarness } from "../helpers/github-serve.js";

const SME = "SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb";
const DEV = "SYSTEM-COMPONENTS/HMS-DEV/src/index.ts";
const SYS = "SYSTEM-COMPONENTS/HMS-SYS/src/main.rs";

let gh: GithubHarness;

beforeAll(async () => {
  gh = await startGithubHarness();
});
afterAll(async () => gh.close());

/** A PR whose head touches these files: the commit under refs/pull/N/head and GitHub's file list. */
async function openPull(number: number, files: string[], extra: string[] = []): Promise<string> {
  const head = await gh.repo.pullHead(
    number,
    Object.fromEntries(files.map((file) => [file, `// PR ${number}\n`])),
  );
  gh.api.files.set(
    number,
    [...files, ...extra].map((filename) => ({ filename })),
  );
  return head;
}

const commentOf = (number: number) => {
  const comments = gh.api.commentsOn(number);
  expect(comments).toHaveLength(1);
  return comments[0]?.body ?? "";
};

const live = async (pr: number) => (await gh.environments(pr)).filter((env) => env.status === "ready");

describe("pull_request deliveries", () => {
  it("opened: one environment per touched component from refs/pull/N/head, and one comment", async () => {
    const head = await openPull(7, [SME, DEV], ["README.md"]);
    const started = Date.now();
    const answer = await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 7, head }));
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ ok: true, delivery: answer.id });
    expect(Date.now() - started).toBeLessThan(1000);
    await gh.settle();

    const envs = await live(7);
    expect(envs.map((env) => env.component).sort()).toEqual(["hms-dev", "hms-sme"]);
    for (const env of envs) {
      expect(env.commit).toBe(head);
      expect(env.owner).toBe("U024BE7LH"); // ana, mapped to Slack in teams
      expect(Date.parse(env.expiresAt) - Date.parse(env.createdAt)).toBe(24 * 3600_000);
      expect(existsSync(`${env.workdir}/${SME}`)).toBe(true);
    }
    const body = commentOf(7);
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    for (const env of envs) {
      expect(body).toContain(`| ${env.component} | ✅ ready | \`${env.id}\` | \`${env.path}\` |`);
      expect(body).toContain(`cd ${env.path}`);
    }
    expect(body).toContain("./launch.sh");
    expect(body).toContain(envs[0]?.expiresAt.slice(0, 10));
    // The files were listed once, and the comment was made once and then edited in place.
    expect(
      gh.api.calls.filter((call) => call.method === "POST" && call.path.endsWith("/issues/7/comments")),
    ).toHaveLength(1);
    expect(gh.api.calls.find((call) => call.path.endsWith("/pulls/7/files"))?.authorization).toBe(
      "token ghp_test_token",
    );
  });

  it("two opened deliveries racing for one PR leave one comment and one environment per component", async () => {
    const head = await openPull(8, [DEV, SYS]);
    gh.api.delayMs = 30;
    const payload = pullPayload("opened", { number: 8, head });
    const answers = await Promise.all([
      deliver(gh.server.url, "pull_request", payload),
      deliver(gh.server.url, "pull_request", payload),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
    await gh.settle();
    gh.api.delayMs = 0;
    const envs = await gh.environments(8);
    expect(envs.map((env) => `${env.component}:${env.status}`).sort()).toEqual([
      "hms-dev:ready",
      "hms-sys:ready",
    ]);
    expect(commentOf(8)).toContain("hms-sys | ✅ ready");
  });

  it("a redelivery (same X-GitHub-Delivery) does nothing twice", async () => {
    const head = await openPull(9, [SYS]);
    const payload = pullPayload("opened", { number: 9, head });
    const first = await deliver(gh.server.url, "pull_request", payload, { id: "redelivered-9" });
    await gh.settle();
    const callsBefore = gh.api.calls.length;
    const again = await deliver(gh.server.url, "pull_request", payload, { id: "redelivered-9" });
    await gh.settle();
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(gh.api.calls.length).toBe(callsBefore);
    expect(await gh.environments(9)).toHaveLength(1);
    expect(gh.logs.some((line) => line.includes("redelivered-9") && line.includes("handled before"))).toBe(
      true,
    );
  });

  it("synchronize: the environments move to the new head and the comment says so", async () => {
    const first = await openPull(10, [DEV]);
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 10, head: first }));
    await gh.settle();
    const [before] = await live(10);
    const second = await openPull(10, [DEV]);
    await deliver(gh.server.url, "pull_request", pullPayload("synchronize", { number: 10, head: second }));
    await gh.settle();

    const envs = await gh.environments(10);
    const old = envs.find((env) => env.id === before?.id);
    expect(old?.status).toBe("cleaned");
    expect(old?.cleanReason).toBe("replaced");
    expect(existsSync(old?.path ?? "")).toBe(false);
    const [now] = await live(10);
    expect(now?.commit).toBe(second);
    expect(commentOf(10)).toContain(`environments move to ${second.slice(0, 12)}`);
  });

  it("closed: every environment of the PR is cleaned up and the comment updated", async () => {
    const head = await openPull(11, [SME, DEV]);
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 11, head }));
    await gh.settle();
    expect(await live(11)).toHaveLength(2);
    await deliver(gh.server.url, "pull_request", pullPayload("closed", { number: 11, head, merged: true }));
    await gh.settle();

    const envs = await gh.environments(11);
    expect(envs.map((env) => `${env.status}:${env.cleanReason}`)).toEqual([
      "cleaned:merged",
      "cleaned:merged",
    ]);
    for (const env of envs) expect(existsSync(env.path)).toBe(false);
    expect(gh.server.timers.pending().size).toBe(
      (await gh.environments()).filter((env) => env.status === "ready").length,
    );
    const body = commentOf(11);
    expect(body).toContain("was merged: its environments were cleaned up");
    expect(body).toContain("⚪ cleaned up (merged)");
  });

  it.each([
    { action: "closed", number: 12, says: "closed with the `keep-env` label: its environments stay" },
    { action: "converted_to_draft", number: 22, says: "with the `keep-env` label its environments stay" },
  ])(
    "$action with the keep label: the environments stay until their own deadline",
    async ({ action, number, says }) => {
      const head = await openPull(number, [SYS]);
      await deliver(gh.server.url, "pull_request", pullPayload("opened", { number, head }));
      await gh.settle();
      const draft = action === "converted_to_draft";
      await deliver(
        gh.server.url,
        "pull_request",
        pullPayload(action, { number, head, draft, labels: ["keep-env"] }),
      );
      await gh.settle();
      expect(await live(number)).toHaveLength(1);
      expect(commentOf(number)).toContain(says);
    },
  );

  it("a draft gets no environment until ready_for_review", async () => {
    const head = await openPull(13, [SME]);
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 13, head, draft: true }));
    await gh.settle();
    expect(await gh.environments(13)).toHaveLength(0);
    expect(commentOf(13)).toContain("is a draft");

    await deliver(gh.server.url, "pull_request", pullPayload("ready_for_review", { number: 13, head }));
    await gh.settle();
    expect((await live(13)).map((env) => env.component)).toEqual(["hms-sme"]);
    expect(commentOf(13)).not.toContain("is a draft");
  });

  it("converted_to_draft cleans the environments up and says why; ready_for_review brings them back", async () => {
    const head = await openPull(21, [SME, SYS]);
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 21, head }));
    await gh.settle();
    const before = await live(21);
    expect(before).toHaveLength(2);

    await deliver(
      gh.server.url,
      "pull_request",
      pullPayload("converted_to_draft", { number: 21, head, draft: true }),
    );
    await gh.settle();
    expect(await live(21)).toHaveLength(0);
    for (const env of await gh.environments(21)) {
      expect(`${env.status}:${env.cleanReason}`).toBe("cleaned:draft");
      expect(existsSync(env.path)).toBe(false);
    }
    expect(gh.server.timers.pending().size).toBe(
      (await gh.environments()).filter((env) => env.status === "ready").length,
    );
    let body = commentOf(21);
    expect(body).toContain("converted to a draft: its environments were cleaned up");
    expect(body).toContain("made again when it is marked ready for review");
    expect(body).toContain("| hms-sme | ⚪ cleaned up (draft) |");

    // New commits while it is a draft make nothing.
    const second = await openPull(21, [SME, SYS]);
    await deliver(
      gh.server.url,
      "pull_request",
      pullPayload("synchronize", { number: 21, head: second, draft: true }),
    );
    await gh.settle();
    expect(await live(21)).toHaveLength(0);

    await deliver(
      gh.server.url,
      "pull_request",
      pullPayload("ready_for_review", { number: 21, head: second }),
    );
    await gh.settle();
    const after = await live(21);
    expect(after.map((env) => env.component).sort()).toEqual(["hms-sme", "hms-sys"]);
    expect(after.every((env) => env.commit === second)).toBe(true);
    body = commentOf(21);
    expect(body).not.toContain("draft:");
    expect(body).toContain("| hms-sme | ✅ ready |");
  });

  it("a stranger's fork gets none and the comment says how a maintainer starts one", async () => {
    const head = await openPull(14, [SME]);
    const payload = pullPayload("opened", {
      number: 14,
      head,
      fork: true,
      association: "CONTRIBUTOR",
      login: "stranger",
    });
    await deliver(gh.server.url, "pull_request", payload);
    await gh.settle();
    expect(await gh.environments(14)).toHaveLength(0);
    const body = commentOf(14);
    expect(body).toContain("comes from a fork by @stranger (contributor)");
    expect(body).toContain("`/hms-env provision --component hms-sme --pr 14`");
    // The stranger's code was never fetched: GitHub's file list was read, no ref reached any mirror.
    expect(gh.api.calls.some((call) => call.path.endsWith("/pulls/14/files"))).toBe(true);
    const { cacheDir } = gh.ws.context().config;
    for (const mirror of readdirSync(cacheDir).filter((name) => name.endsWith(".git"))) {
      const refs = await execa("git", ["for-each-ref", "--format=%(refname)"], {
        cwd: join(cacheDir, mirror),
      });
      expect(refs.stdout).not.toContain("pull/14");
    }

    // A member's fork is trusted.
    const member = pullPayload("opened", {
      number: 15,
      head: await openPull(15, [DEV]),
      fork: true,
      association: "COLLABORATOR",
    });
    await deliver(gh.server.url, "pull_request", member);
    await gh.settle();
    expect(await live(15)).toHaveLength(1);
  });

  it("reopened: a PR closed earlier gets its environments again", async () => {
    const head = await openPull(16, [DEV]);
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 16, head }));
    await gh.settle();
    await deliver(gh.server.url, "pull_request", pullPayload("closed", { number: 16, head }));
    await gh.settle();
    expect(await live(16)).toHaveLength(0);
    expect((await gh.environments(16))[0]?.cleanReason).toBe("closed");
    await deliver(gh.server.url, "pull_request", pullPayload("reopened", { number: 16, head }));
    await gh.settle();
    expect(await live(16)).toHaveLength(1);
    expect(commentOf(16)).toContain("hms-dev | ✅ ready");
  });

  it("follows GitHub's Link pagination to every changed file (renames too), up to 3,000", async () => {
    const head = await openPull(17, [SME]);
    // Renames list both paths; it is files GitHub counts to 3,000, not paths.
    const many = Array.from({ length: 3200 }, (_, index) => ({
      filename: `docs/page-${index}.md`,
      ...(index % 2 === 0 && { previous_filename: `docs/old/page-${index}.md` }),
    }));
    gh.api.files.set(17, [...many.slice(0, 2950), { filename: DEV }, ...many.slice(2950)]);
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 17, head }));
    await gh.settle();
    const pages = gh.api.calls.filter((call) => call.path.endsWith("/pulls/17/files"));
    expect(pages.map((call) => call.query.get("page") ?? "1")).toEqual(
      Array.from({ length: 30 }, (_, i) => String(i + 1)),
    );
    expect(pages.every((call) => call.query.get("per_page") === "100")).toBe(true);
    expect((await live(17)).map((env) => env.component)).toEqual(["hms-dev"]);
  });

  it("waits out a secondary rate limit (403 with retry-after) and finds a deleted comment's place again", async () => {
    const head = await openPull(18, [SYS]);
    gh.api.failNext("POST", /\/issues\/18\/comments$/, 403, SECONDARY_RATE_LIMIT, { "retry-after": "1" });
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 18, head }));
    await gh.settle();
    const posts = gh.api.calls.filter(
      (call) => call.method === "POST" && call.path.endsWith("/issues/18/comments"),
    );
    expect(posts).toHaveLength(2);
    expect(commentOf(18)).toContain("hms-sys | ✅ ready");
    expect(
      gh.logs.some((line) => line.includes("secondary rate limit") && line.includes("retrying in 1s")),
    ).toBe(true);

    // Someone deletes the comment; the next update (a close) makes it again rather than failing on 404.
    gh.api.comments.splice(
      gh.api.comments.findIndex((comment) => comment.issue === 18),
      1,
    );
    await deliver(gh.server.url, "pull_request", pullPayload("closed", { number: 18, head }));
    await gh.settle();
    expect(commentOf(18)).toContain("was closed");
  });

  it("the comment follows an environment cleaned up elsewhere (the CLI, in another process)", async () => {
    const head = await openPull(20, [DEV]);
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 20, head }));
    await gh.settle();
    const [env] = await live(20);
    const result = await gh.ws.cli(["cleanup", env?.id ?? "none"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const deadline = Date.now() + 20_000;
    while (!commentOf(20).includes("cleaned up (manual)") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(commentOf(20)).toContain("| hms-dev | ⚪ cleaned up (manual) |");
  });

  it("a PR whose files belong to no component gets no environment, and says why", async () => {
    const head = await openPull(19, ["docs/guide.md"]);
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 19, head }));
    await gh.settle();
    expect(await gh.environments(19)).toHaveLength(0);
    expect(commentOf(19)).toContain("None of the 1 changed files is under a component's paths");
  });
});
