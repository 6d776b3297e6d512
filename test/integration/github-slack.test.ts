import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineBug } from "../../src/bugs/pipeline.js";
import { deliver, issuePayload, pullPayload } from "../helpers/github.js";
import { type GithubHarness, startGithubHarness } from "../helpers/github-serve.js";
import { PASTED, type PastedReport } from "../helpers/pasted-reports.js";
import { eventually } from "../helpers/serve.js";
import {
  clickButton,
  type FakeSlack,
  type SlackSender,
  slackSender,
  startFakeSlack,
} from "../helpers/slack.js";

let gh: GithubHarness;

const LOGINS: Record<string, string> = { U024BE7LH: "ana", U024BE7LJ: "bo" };

/** Every version of a bug's card, oldest first: posted once, then edited in place. */
function cardsOf(bugId: string) {
  return [...slack.called("chat.postMessage"), ...slack.called("chat.update")]
    .filter((call) => String(call.args.text ?? "").startsWith(`${bugId}: `))
    .sort((a, b) => a.at - b.at);
}
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

  it("an issue with the bug label: assigned and labelled on GitHub, its card in the team's channel, the DM and the environment for the assignee; closing the issue updates the card", async () => {
    const report = {
      number: 70,
      title: "Saving a user crashes",
      body: 'PG::UndefinedTable: ERROR:  relation "users" does not exist\n  from SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb:3',
      labels: ["bug"],
    };
    gh.api.issues.set(70, { ...report, labels: ["bug"] });
    await deliver(gh.server.url, "issues", issuePayload("opened", report));
    await gh.settle();
    const [bug] = (await gh.bugs?.pipeline.list((candidate) => candidate.origin?.refs?.issue === "70")) ?? [];
    expect(bug?.assignee).toBeDefined();
    const [posted] = cardsOf(bug?.id ?? "");
    expect(posted?.method).toBe("chat.postMessage");
    expect(posted?.args.channel).toBe("C0SME");
    expect(JSON.stringify(posted?.args.blocks)).toContain("/issues/70|report>");
    // One DM about the bug, edited in place until it holds the launch commands.
    const dms = slack
      .called("chat.postMessage")
      .filter(
        (call) =>
          call.args.channel === bug?.assignee && JSON.stringify(call.args.blocks).includes(`*${bug?.id}*`),
      );
    expect(dms).toHaveLength(1);
    const { channel, ts } = (dms[0]?.answer ?? {}) as { channel?: string; ts?: string };
    const dmNow = () =>
      JSON.stringify(
        [
          ...dms,
          ...slack
            .called("chat.update")
            .filter((call) => call.args.channel === channel && call.args.ts === ts),
        ].at(-1)?.args.blocks,
      );
    await eventually(() => dmNow().includes("launch.sh"), "the DM holding the launch commands");
    // On GitHub: the assignee's mapped login and the component's label, through the REST API.
    const login = LOGINS[bug?.assignee ?? ""];
    const rest = (suffix: string) =>
      gh.api.calls.find((call) => call.method === "POST" && call.path.endsWith(`/issues/70/${suffix}`));
    expect(rest("assignees")?.body).toEqual({ assignees: [login] });
    expect(rest("labels")?.body).toEqual({ labels: [bug?.components[0]] });
    expect(gh.api.issues.get(70)?.assignees).toEqual([login]);
    // And the assignee's environment, the one the DM describes.
    const env = (await gh.environments()).find((candidate) => candidate.id === bug?.environment);
    expect(env).toMatchObject({ status: "ready", owner: bug?.assignee, component: bug?.components[0] });
    expect(dmNow()).toContain(env?.id ?? "no environment");

    await deliver(gh.server.url, "issues", issuePayload("closed", report, { sender: { login: "carol" } }));
    await gh.settle();
    const last = cardsOf(bug?.id ?? "").at(-1);
    expect(last?.method).toBe("chat.update");
    expect(last?.args.ts).toBe(posted?.answer?.ts);
    expect(JSON.stringify(last?.args.blocks)).toContain("Closed");
    expect(JSON.stringify(last?.args.blocks)).toContain("issue #70 closed");
    expect((await gh.bugs?.pipeline.get(bug?.id ?? ""))?.status).toBe("closed");
  });

  it("Reassign on the Slack card (by a team member) reassigns on GitHub; Close as not a bug closes the issue as not planned", async () => {
    const report = {
      type: "message",
      channel: "C0BUGS",
      channel_type: "channel",
      user: "U04IVY001",
      text: "Profile page fails\nActionView::Template::Error in SYSTEM-COMPONENTS/HMS-SME/app/views/profile.html.erb",
      ts: `${Math.floor(Date.now() / 1000)}.000201`,
      event_ts: "1",
    };
    await send.event(report);
    await gh.settle();
    const [bug] =
      (await gh.bugs?.pipeline.list((candidate) => candidate.text.includes("Profile page"))) ?? [];
    const number = Number(bug?.links?.github?.issue);
    expect(gh.api.issues.get(number)?.assignees).toEqual([LOGINS[bug?.assignee ?? ""]]);
    const card = () => {
      const latest = cardsOf(bug?.id ?? "").at(-1);
      const first = cardsOf(bug?.id ?? "")[0];
      return {
        channel: String(first?.answer?.channel),
        ts: String(first?.answer?.ts),
        blocks: latest?.args.blocks as unknown[],
      };
    };

    expect((await send.interaction(clickButton(card(), "bug_reassign", "U024BE7LJ"))).status).toBe(200);
    await gh.settle();
    const reassigned = await gh.bugs?.pipeline.get(bug?.id ?? "");
    expect(reassigned?.assignee).not.toBe(bug?.assignee);
    expect(gh.api.issues.get(number)?.assignees).toEqual([LOGINS[reassigned?.assignee ?? ""]]);

    expect(
      (await send.interaction(clickButton(card(), "bug_close", "U024BE7LJ", "Close: not a bug"))).status,
    ).toBe(200);
    await gh.settle();
    expect(gh.api.issues.get(number)).toMatchObject({ state: "closed", state_reason: "not_planned" });
    expect(gh.api.commentsOn(number).at(-1)?.body).toBe("Closed in Slack by **bo**: not a bug.");
  });

  it("a report pasted from Windows with mrkdwn and a code block gets a clean title on the card, the DM and the issue", async () => {
    const pasted = PASTED.pythonFromWindows as PastedReport;
    const report = {
      type: "message",
      channel: "C0BUGS",
      channel_type: "channel",
      user: "U04IVY001",
      text: pasted.text,
      ts: `${Math.floor(Date.now() / 1000)}.000301`,
      event_ts: "1",
    };
    expect((await send.event(report)).status).toBe(200);
    await gh.settle();
    const [bug] =
      (await gh.bugs?.pipeline.list((candidate) => candidate.text.includes("claims_claim"))) ?? [];
    expect(bug?.title).toBe("Claims page broken");
    const blocks = cardsOf(bug?.id ?? "").at(-1)?.args.blocks as { type: string; text?: { text: string } }[];
    expect(blocks.find((block) => block.type === "header")?.text?.text).toBe(
      `${bug?.id}: Claims page broken`,
    );
    // The assignee's DM about this bug (they may have others from earlier tests).
    const bugLine = () =>
      slack
        .called("chat.postMessage")
        .filter((call) => call.args.channel === bug?.assignee)
        .flatMap((call) => (call.args.blocks ?? []) as { text?: { text: string } }[])
        .map((block) => block.text?.text ?? "")
        .find((text) => text.startsWith(`*${bug?.id}*`));
    await eventually(() => bugLine() !== undefined, "the assignee's DM");
    expect(bugLine()).toMatch(/: Claims page broken$/);
    const issue = gh.api.issues.get(Number(bug?.links?.github?.issue));
    expect(issue?.title).toBe("Claims page broken");
    // The report's code block is closed before the triage lines: they render as text, not code.
    const body = String(issue?.body);
    expect(body).not.toContain("\r");
    const afterCode = body.slice(body.lastIndexOf("```"));
    expect(afterCode).toMatch(/^```\n\n---\n\*\*Triage:\*\*/);
  });
});
