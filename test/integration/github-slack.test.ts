import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineBug } from "../../src/bugs/pipeline.js";
import { deliver, pullPayload } from "../helpers/github.js";
import { type GithubHarness, startGithubHarness } from "../helpers/github-serve.js";
import { eventually } from "../helpers/serve.js";
import { type FakeSlack, startFakeSlack } from "../helpers/slack.js";

let gh: GithubHarness;
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
  gh = await startGithubHarness("slack:\n  bugChannels: [C0BUGS]", { slack });
});
afterAll(async () => {
  await gh.close();
  await slack.close();
});

describe("GitHub and Slack in one serve", () => {
  it("the PR's author, mapped to Slack, gets a DM with each environment's launch instructions", async () => {
    const file = "SYSTEM-COMPONENTS/HMS-SYS/src/main.rs";
    const head = await gh.repo.pullHead(60, { [file]: "fn main() {}\n" });
    gh.api.files.set(60, [{ filename: file }]);
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 60, head, login: "ana" }));
    await gh.settle();
    const [env] = await gh.environments(60);
    expect(env?.owner).toBe("U024BE7LH");
    await eventually(
      () => slack.called("chat.postMessage").some((call) => call.args.channel === "U024BE7LH"),
      "a DM to the PR's author",
    );
    const dm = slack.called("chat.postMessage").find((call) => call.args.channel === "U024BE7LH");
    const text = JSON.stringify(dm?.args.blocks);
    expect(text).toContain(env?.path);
    expect(text).toContain("launch.sh");
  });

  it("a bug reported in Slack: its issue links to the Slack thread and the card links to the issue", async () => {
    const filed = await gh.bugs?.pipeline.file({
      text: "Protobuf build fails\nprotoc: error: SYSTEM-COMPONENTS/HMS-SYS/proto/a.proto: File not found.",
      reporter: "U04IVY001",
      origin: { source: "slack", link: "https://hms.slack.test/archives/C0BUGS/p1", refs: {} },
    });
    await gh.settle();
    const bug = (await gh.bugs?.pipeline.get(filed?.bug.id ?? "")) as PipelineBug;
    const issue = gh.api.issues.get(Number(bug.links?.github?.issue));
    const permalink = (bug.links?.slack as { permalink?: string } | undefined)?.permalink;
    expect(permalink).toBeDefined();
    expect(issue?.body).toContain(`[Slack thread](${permalink})`);
    // The card's text is "BUG-N: title (phase)"; its last version links to the issue.
    const cards = [...slack.called("chat.postMessage"), ...slack.called("chat.update")].filter((call) =>
      String(call.args.text ?? "").startsWith(`${bug.id}: `),
    );
    cards.sort((a, b) => a.at - b.at);
    expect(JSON.stringify(cards.at(-1)?.args.blocks)).toContain(`GitHub #${issue?.number}`);
  });
});
