import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGithubClient } from "../../../src/github/client.js";
import { COMMENT_MARKER } from "../../../src/github/pull-comment.js";
import type { GithubSettings } from "../../../src/github/settings.js";
import { upsertStickyComment } from "../../../src/github/sticky-comment.js";
import { type GithubApiStandIn, startGithubApi } from "../../helpers/github-api.js";

let api: GithubApiStandIn;
const log = { info: () => undefined, error: () => undefined };
const settings = (overrides: Partial<GithubSettings> = {}): GithubSettings => ({
  owner: "hms-org",
  repo: "hms-monorepo",
  webhookSecret: "s",
  auth: { kind: "token", token: "ghp_test" },
  apiUrl: api.url,
  ...overrides,
});
const where = { owner: "hms-org", repo: "hms-monorepo", number: 5 };

beforeEach(async () => {
  api = await startGithubApi();
});
afterEach(async () => api.close());

describe("the sticky comment", () => {
  it("two writers racing with no known comment leave exactly one, saying the last word", async () => {
    const rest = await createGithubClient(settings(), { log })();
    api.delayMs = 20;
    const ids = await Promise.all([
      upsertStickyComment(rest, where, `${COMMENT_MARKER}\nfirst`, null),
      upsertStickyComment(rest, where, `${COMMENT_MARKER}\nsecond`, null),
    ]);
    const comments = api.commentsOn(5);
    expect(comments).toHaveLength(1);
    expect(ids).toEqual([comments[0]?.id, comments[0]?.id]);
    expect(api.calls.filter((call) => call.method === "DELETE")).toHaveLength(1);
  });

  it("finds its comment by the marker when the known one was deleted, and ignores quotes of it", async () => {
    const rest = await createGithubClient(settings(), { log })();
    api.comments.push(
      {
        id: 1,
        issue: 5,
        body: `> ${COMMENT_MARKER} quoted by a person`,
        user: { login: "ana", type: "User" },
      },
      { id: 2, issue: 5, body: `${COMMENT_MARKER}\nold`, user: { login: "hms-env[bot]", type: "Bot" } },
    );
    expect(await upsertStickyComment(rest, where, `${COMMENT_MARKER}\nnew`, 999)).toBe(2);
    expect(api.commentsOn(5).map((comment) => comment.body)).toEqual([
      `> ${COMMENT_MARKER} quoted by a person`,
      `${COMMENT_MARKER}\nnew`,
    ]);
  });

  it("a refusal other than 404 reaches the caller (422 Validation Failed)", async () => {
    const rest = await createGithubClient(settings(), { log })();
    await expect(upsertStickyComment(rest, where, "", null)).rejects.toMatchObject({ status: 422 });
  });
});

describe("GitHub App authentication", () => {
  it("finds the installation with the App's JWT, then calls as the installation", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const connect = createGithubClient(
      settings({ auth: { kind: "app", appId: 99, privateKey, installationId: undefined } }),
      { log },
    );
    const rest = await connect();
    await rest.rest.issues.listComments({ owner: "hms-org", repo: "hms-monorepo", issue_number: 5 });
    const [lookup, token, call] = api.calls;
    expect(lookup?.path).toBe("/repos/hms-org/hms-monorepo/installation");
    expect(lookup?.authorization).toMatch(/^bearer ey/i);
    expect(token?.path).toBe("/app/installations/4242/access_tokens");
    expect(call?.authorization).toBe("token ghs_installation_token");
    // The client is made once; the installation token is reused.
    expect(await connect()).toBe(rest);
  });
});
