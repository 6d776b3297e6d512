import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineBug } from "../../src/bugs/pipeline.js";
import { deliver, pullPayload } from "../helpers/github.js";
import { type GithubHarness, startGithubHarness } from "../helpers/github-serve.js";
import { eventually } from "../helpers/serve.js";
import { type FakeSlack, type SlackSender, slackSender, startFakeSlack } from "../helpers/slack.js";

let gh: GithubHarness;
let slack: FakeSlack;
let send: SlackSender;

beforeAll(async () => {
  slack = await startFakeSlack();
  gh = await startGithubHarness("slack:\n  bugChannels: [C0BUGS]", { slack });
  send = slackSender(gh.server.url, "s", slack);
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

  it("a merged fix of a bug reported in Slack tells its thread, and the next report of the error gets that cause", async () => {
    const report = (table: string, at: number) => ({
      type: "message",
      channel: "C0BUGS",
      channel_type: "channel",
      user: "U04IVY001",
      text: `Ledger export fails\nLedgerSync::StaleSnapshotError: snapshot "${table}" is 42 minutes behind the journal`,
      ts: `${Math.floor(Date.now() / 1000)}.${String(at).padStart(6, "0")}`,
      event_ts: "1",
    });
    const first = report("ledger_q3", 101);
    expect((await send.event(first)).status).toBe(200);
    await gh.settle();
    const [bug] = (await gh.bugs?.pipeline.list((candidate) => candidate.text.includes("ledger_q3"))) ?? [];
    const issue = Number(bug?.links?.github?.issue);
    expect(issue).toBeGreaterThan(0);
    expect(bug?.triage?.rootCauses.some((cause) => cause.likely)).toBe(false);

    const file = "SYSTEM-COMPONENTS/HMS-SME/app/models/ledger.rb";
    const head = await gh.repo.pullHead(61, { [file]: "# fixed\n" });
    gh.api.files.set(61, [{ filename: file }]);
    const body = `Resync before export.\n\nFixes #${issue}\n\nRoot cause: the export read the snapshot cache without waiting for the journal to flush.`;
    await deliver(
      gh.server.url,
      "pull_request",
      pullPayload("closed", { number: 61, head, merged: true, body }),
    );
    await gh.settle();
    const entry = `RC-GH-${issue}-61`;
    // The note goes into the report's thread, beside the card.
    const notes = slack
      .called("chat.postMessage")
      .filter((call) => call.args.thread_ts === first.ts && String(call.args.text).includes(entry));
    expect(notes).toHaveLength(1);
    expect(notes[0]?.args.channel).toBe("C0BUGS");
    expect(String(notes[0]?.args.text)).toContain("without waiting for the journal to flush");
    expect(String(notes[0]?.args.text)).toContain("#61");

    // The next report of the same error (another snapshot, another delay) is given the learned cause.
    expect((await send.event(report("ledger_q4", 102))).status).toBe(200);
    await gh.settle();
    const [next] = (await gh.bugs?.pipeline.list((candidate) => candidate.text.includes("ledger_q4"))) ?? [];
    expect(next?.triage?.rootCauses[0]).toMatchObject({ id: entry, likely: true });
    const card = [...slack.called("chat.postMessage"), ...slack.called("chat.update")]
      .filter((call) => String(call.args.text ?? "").startsWith(`${next?.id}: `))
      .sort((a, b) => a.at - b.at)
      .at(-1);
    expect(JSON.stringify(card?.args.blocks)).toContain(entry);
  });
});
