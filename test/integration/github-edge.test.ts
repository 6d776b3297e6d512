import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import { Webhooks } from "@octokit/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver, issuePayload, type Payload, pullPayload, TEST_SECRET } from "../helpers/github.js";
import { type GithubHarness, startGithubHarness } from "../helpers/github-serve.js";

let gh: GithubHarness;

beforeAll(async () => {
  gh = await startGithubHarness("", { bugs: true });
});
afterAll(async () => gh.close());

const MB = 1024 * 1024;

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * POSTs with Node's own HTTP client, writing the body with `send` (which may stop half-way), and
 * resolves with the answer as soon as it arrives, whatever is still unsent.
 */
function post(
  headers: Record<string, string | number>,
  send: (request: ReturnType<typeof httpRequest>) => void,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(
      `${gh.server.url}/github/webhooks`,
      { method: "POST", headers: { "content-type": "application/json", ...headers } },
      (response) => {
        answered = true;
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
          request.destroy();
        });
      },
    );
    // Writing on after the server answered and closed ends in EPIPE or a reset: only an error before
    // any answer fails the test.
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    send(request);
  });
}

const deliveryHeaders = (id: string) => ({
  "x-github-event": "pull_request",
  "x-github-delivery": id,
});

describe("POST /github/webhooks checks the headers before the body", () => {
  it("no signature: 400 at once, with a 30 MB body announced and only 1 MB of it sent", async () => {
    const before = gh.stateText();
    const answer = await post({ ...deliveryHeaders("unsigned-huge"), "content-length": 30 * MB }, (request) =>
      request.write(Buffer.alloc(MB, 0x20)),
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toContain("X-Hub-Signature-256 is missing");
    expect(answer.headers.connection).toBe("close");
    await gh.settle();
    expect(gh.stateText()).toBe(before);
    expect(gh.api.calls).toHaveLength(0);
  });

  it.each([
    ["X-GitHub-Event", { "x-github-delivery": "no-event" }],
    ["X-GitHub-Delivery", { "x-github-event": "pull_request" }],
  ])("no %s: 400 naming it, before the body is read", async (missing, headers) => {
    const answer = await post(
      { ...headers, "x-hub-signature-256": "sha256=00", "content-length": 30 * MB },
      (request) => request.write(Buffer.alloc(MB, 0x20)),
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toContain(`${missing} missing`);
  });

  it("a signed 26 MB body announced by Content-Length gets 413, answered before it is read", async () => {
    const body = Buffer.alloc(26 * MB, 0x20);
    const signature = await new Webhooks({ secret: TEST_SECRET }).sign(body.toString("utf8"));
    const headers = { ...deliveryHeaders("huge-length"), "x-hub-signature-256": signature };
    const partial = await post({ ...headers, "content-length": body.length }, (request) =>
      request.write(body.subarray(0, MB)),
    );
    expect(partial.status).toBe(413);
    expect(JSON.parse(partial.body)).toMatchObject({ ok: false, error: expect.stringContaining("25 MB") });
    expect(partial.headers.connection).toBe("close");
    // fetch sending it all at once receives the answer too, not a reset.
    const whole = await fetch(`${gh.server.url}/github/webhooks`, { method: "POST", headers, body });
    expect(whole.status).toBe(413);
    expect(((await whole.json()) as { error: string }).error).toContain("larger than GitHub's cap");
  });

  it("a signed chunked stream that crosses 25 MB gets 413 and a clean close", async () => {
    const body = Buffer.alloc(26 * MB, 0x20);
    const signature = await new Webhooks({ secret: TEST_SECRET }).sign(body.toString("utf8"));
    const chunks = function* () {
      for (let at = 0; at < body.length; at += 64 * 1024) yield body.subarray(at, at + 64 * 1024);
    };
    const before = gh.stateText();
    const answer = await post(
      { ...deliveryHeaders("huge-chunked"), "x-hub-signature-256": signature },
      (request) => Readable.from(chunks()).pipe(request),
    );
    expect(answer.status).toBe(413);
    expect(answer.headers["transfer-encoding"]).toBeUndefined();
    await gh.settle();
    expect(gh.stateText()).toBe(before);
    // The server is still there for the next delivery.
    expect((await fetch(`${gh.server.url}/healthz`)).status).toBe(200);
  });
});

const PR = 80;
const goodPull = () => pullPayload("opened", { number: PR, head: "a".repeat(40) });
const withoutPath = (payload: Payload, ...path: string[]) => {
  const last = path.pop() as string;
  delete path.reduce((at, key) => at[key], payload)[last];
  return payload;
};

describe("signed payloads are checked against the fields hms-env reads, before the answer", () => {
  it.each<[string, string, unknown, string]>([
    ["only an action", "pull_request", { action: "opened" }, "number is missing"],
    ["null", "pull_request", null, "not a JSON object"],
    ["a string", "pull_request", "x", "not a JSON object"],
    ["an array", "issues", [], "not a JSON object"],
    ["a pull request without number", "pull_request", withoutPath(goodPull(), "number"), "number is missing"],
    [
      "a pull request without head",
      "pull_request",
      withoutPath(goodPull(), "pull_request", "head"),
      "pull_request.head is missing",
    ],
    [
      "a pull request whose head is no commit",
      "pull_request",
      { ...goodPull(), pull_request: { ...goodPull().pull_request, head: { sha: "main", repo: null } } },
      "pull_request.head.sha: expected a commit id",
    ],
    ["an issue that is null", "issues", { action: "opened", issue: null }, "issue: expected object"],
    [
      "an issue without number",
      "issues",
      withoutPath(
        issuePayload("opened", { number: 81, title: "t", body: "b", labels: ["bug"] }),
        "issue",
        "number",
      ),
      "issue.number is missing",
    ],
    ["a pull request event without its action", "pull_request", { number: 3 }, "action is missing"],
  ])("%s: 400 naming what is wrong, nothing done", async (_what, name, payload, message) => {
    const before = gh.stateText();
    const answer = await deliver(gh.server.url, name, payload);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toContain(message);
    await gh.settle();
    expect(gh.stateText()).toBe(before);
    expect(gh.api.calls).toHaveLength(0);
    // Refused before the answer: no handler ran and failed on it.
    expect(gh.logs.filter((line) => / failed: /.test(line))).toEqual([]);
  });

  it("the corrected redelivery of a refused delivery (same id) is worked through", async () => {
    const id = "refused-then-corrected";
    const broken = withoutPath(goodPull(), "pull_request", "head");
    expect((await deliver(gh.server.url, "pull_request", broken, { id })).status).toBe(400);
    gh.api.files.set(PR, [{ filename: "docs/readme.md" }]);
    expect((await deliver(gh.server.url, "pull_request", goodPull(), { id })).status).toBe(202);
    await gh.settle();
    expect(gh.api.commentsOn(PR)[0]?.body).toContain("no environment is needed");
  });

  it("a payload naming no repository is answered 202 and ignored, as one for another repository", async () => {
    const calls = gh.api.calls.length;
    const answer = await deliver(gh.server.url, "pull_request", withoutPath(goodPull(), "repository"));
    expect(answer.status).toBe(202);
    await gh.settle();
    expect(gh.api.calls).toHaveLength(calls);
    expect(
      gh.logs.some((line) => line.includes(`(pull_request) is for no repository, not hms-org/hms-monorepo`)),
    ).toBe(true);
  });

  it("events and actions hms-env does not act on are answered 202 and ignored, whatever they hold", async () => {
    const calls = gh.api.calls.length;
    const logged = gh.logs.length;
    expect((await deliver(gh.server.url, "star", { action: "created" })).status).toBe(202);
    expect((await deliver(gh.server.url, "pull_request", { action: "edited" })).status).toBe(202);
    await gh.settle();
    expect(gh.api.calls).toHaveLength(calls);
    expect(gh.logs.slice(logged).filter((line) => line.startsWith("error:"))).toEqual([]);
  });
});
