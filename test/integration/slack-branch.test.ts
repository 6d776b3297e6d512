import { execa } from "execa";
import { describe, expect, it } from "vitest";
import {
  anyReady,
  blockText,
  channelMessage,
  type SlackHarness,
  settle,
  useSlackHarness,
} from "../helpers/slack-app.js";
import { SME_REPORT } from "../helpers/teams.js";

const open = useSlackHarness();

function cardText(h: SlackHarness): string {
  const [posted] = h.fake
    .called("chat.postMessage")
    .filter((call) => String(call.args.text).startsWith("BUG-"));
  const answer = posted?.answer as { channel: string; ts: string };
  return blockText(h.message(answer.channel, answer.ts).blocks);
}

describe("branch: in a Slack report", () => {
  it("is read through Slack's bold, backticks and the sentence's comma, and provisions that branch", async () => {
    const h = await open();
    await execa("git", ["-C", h.ws.repo.path, "branch", "feature/x", h.ws.repo.featureBranch]);
    const answer = await h.send.event(
      channelMessage(`${SME_REPORT}\nSeen on *branch:* \`feature/x\`, since this morning`),
    );
    expect(answer.status).toBe(200);
    await settle(h, anyReady(h), "the environment");

    expect(h.environments()[0]).toMatchObject({ component: "hms-sme", branch: "feature/x", status: "ready" });
    expect(h.bugs()[0]).toMatchObject({ branch: "feature/x" });
    expect(cardText(h)).toContain("branch `feature/x`");
  });

  it("that is not a valid branch name is never given to git: the default branch, and the card says why", async () => {
    const h = await open();
    await h.send.event(
      channelMessage(`${SME_REPORT}\nbranch: <https://example.com/a?b=c|https://example.com/a?b=c>`),
    );
    await settle(h, anyReady(h), "the environment");

    expect(h.environments()[0]).toMatchObject({ branch: "main", status: "ready" });
    expect(h.bugs()[0]).toMatchObject({ branch: null });
    expect(cardText(h)).toContain(
      'branch "https://example.com/a?b=c" is not a valid branch name; used the default (main)',
    );
    expect(h.logs.join("\n")).not.toContain("check-ref-format");
  });
});
