import { afterEach, describe, expect, it } from "vitest";
import { deliver, pullPayload, TEST_REPOSITORY, TEST_SECRET } from "../helpers/github.js";
import { type GithubApiStandIn, startGithubApi } from "../helpers/github-api.js";
import { type ServeProcess, startServe } from "../helpers/serve.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace | undefined;
let serve: ServeProcess | undefined;
let api: GithubApiStandIn | undefined;

afterEach(async () => {
  await serve?.stop();
  await api?.close();
  ws?.remove();
  serve = api = ws = undefined;
});

const NO_GITHUB = { GITHUB_WEBHOOK_SECRET: "", GITHUB_TOKEN: "", GITHUB_APP_ID: "", GITHUB_PRIVATE_KEY: "" };

describe("hms-env serve and GitHub", () => {
  it("without GitHub variables runs, says so once, and has no webhook endpoint", async () => {
    ws = await createWorkspace();
    serve = await startServe(ws, NO_GITHUB);
    expect(serve.log().match(/GitHub: off/g)).toHaveLength(1);
    const response = await fetch(`${serve.url}/github/webhooks`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
  });

  it("with them takes signed deliveries on its own port and calls GITHUB_API_URL", async () => {
    ws = await createWorkspace(`github:\n  repository: ${TEST_REPOSITORY}`);
    api = await startGithubApi();
    api.files.set(123, [{ filename: "SYSTEM-COMPONENTS/HMS-DEV/src/index.ts" }]);
    serve = await startServe(ws, {
      ...NO_GITHUB,
      GITHUB_WEBHOOK_SECRET: TEST_SECRET,
      GITHUB_TOKEN: "ghp_serve",
      GITHUB_API_URL: api.url,
    });
    expect(serve.log()).not.toContain("GitHub: off");
    const unsigned = await deliver(serve.url, "pull_request", {}, { signature: null });
    expect(unsigned.status).toBe(400);
    const answer = await deliver(
      serve.url,
      "pull_request",
      pullPayload("opened", { number: 123, head: ws.repo.prCommit }),
    );
    expect(answer.status).toBe(202);
    const deadline = Date.now() + 30_000;
    while (!api.commentsOn(123)[0]?.body.includes("✅ ready") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(api.commentsOn(123)[0]?.body).toContain("| hms-dev | ✅ ready |");
    expect(api.calls[0]?.authorization).toBe("token ghp_serve");
  });

  it.each([
    ["a secret without a token or App", { GITHUB_WEBHOOK_SECRET: "s" }, "GITHUB_TOKEN (or GITHUB_APP_ID"],
    [
      "an App id without its private key",
      { GITHUB_WEBHOOK_SECRET: "s", GITHUB_APP_ID: "12" },
      "GITHUB_PRIVATE_KEY (the App's private key",
    ],
    [
      "an App without the webhook secret",
      { GITHUB_APP_ID: "12", GITHUB_PRIVATE_KEY: "k" },
      "GITHUB_WEBHOOK_SECRET",
    ],
  ])(
    "a half setup (%s) stops serve with exit 1, as Slack's does, and names what is missing",
    async (_what, env, missing) => {
      ws = await createWorkspace(`github:\n  repository: ${TEST_REPOSITORY}`);
      const result = await ws.cli(["serve", "--port", "0"], { env: { ...NO_GITHUB, ...env } });
      expect(result.exitCode, result.stderr).toBe(1);
      expect(result.stderr).toContain("GitHub is half configured");
      expect(result.stderr).toContain(`but ${missing}`);
      expect(result.stderr).toContain('see the README\'s "GitHub setup" section');
      // It stopped before listening: nothing was served.
      expect(result.stderr).not.toContain('"action":"listen"');
    },
  );
});
