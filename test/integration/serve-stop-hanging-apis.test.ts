import { afterEach, describe, expect, it } from "vitest";
import { startServe } from "../helpers/serve.js";
import { reportSubmission, slackSender, startFakeSlack } from "../helpers/slack.js";
import { CHANNELS, PEOPLE, SME_REPORT, TEAMS_CONFIG } from "../helpers/teams.js";
import { createWorkspace } from "../helpers/workspace.js";

const SECRET = "stop-secret";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("serve stopped while Slack's Web API never answers", () => {
  it("ends its in-flight calls and exits 0 within the 5 s a service manager allows", async () => {
    const ws = await createWorkspace(
      `${TEAMS_CONFIG}slack:\n  bugChannels: [${CHANNELS.bugs}]\n  autoProvision: false\n`,
    );
    cleanups.push(() => ws.remove());
    const fake = await startFakeSlack();
    cleanups.push(() => fake.close());
    // Every post is held: Slack slow, or a proxy that black-holes the connection.
    fake.fail("chat.postMessage", { hold: true }, 20);
    const serve = await startServe(ws, {
      SLACK_BOT_TOKEN: "xoxb-stop",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
    });
    const submitted = await slackSender(serve.url, SECRET, fake).interaction(
      reportSubmission({ user: PEOPLE.ana, title: "Login returns 500", description: SME_REPORT }),
    );
    expect(submitted.status).toBe(200);
    await fake.held("chat.postMessage");
    // The held post is ended after the grace; the whole stop fits in the 5 s.
    expect(await serve.exitOn("SIGTERM", 5000), serve.log()).toBe(0);
    expect(serve.log()).toContain(`"action":"stopped"`);
  }, 60_000);
});
