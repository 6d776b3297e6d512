import { describe, expect, it } from "vitest";
import { SHORTCUTS, VIEWS } from "../../src/slack/ids.js";
import { type SlackCall, uniqueId } from "../helpers/slack.js";
import { blockText, type SlackHarness, useSlackHarness } from "../helpers/slack-app.js";
import { CHANNELS, PEOPLE, SME_REPORT } from "../helpers/teams.js";

/**
 * Bug reports as they come from a real bug channel: with a screenshot or a log attached (Slack's
 * `file_share` shape), as thread replies also sent to the channel, and the same message delivered again
 * under a new event_id or filed again with "File as bug", also across a restart of serve.
 */

const open = useSlackHarness();
const NO_PROVISION = "  autoProvision: false\n";

let serial = 0;
/** A message ts as Slack makes them: seconds, then a six-digit serial. */
const newTs = () => `${Math.floor(Date.now() / 1000)}.${String(++serial).padStart(6, "0")}`;

const message = (text: string, extra: Record<string, unknown> = {}) => ({
  type: "message",
  channel: CHANNELS.bugs,
  channel_type: "channel",
  user: PEOPLE.ana,
  text,
  ts: newTs(),
  event_ts: "1",
  ...extra,
});

/** A file as Slack describes it in a `file_share` message (https://docs.slack.dev/reference/events/message/file_share). */
const slackFile = (name: string, mimetype: string) => ({
  id: uniqueId("F"),
  created: 1_764_000_000,
  timestamp: 1_764_000_000,
  name,
  title: name,
  mimetype,
  filetype: name.split(".").pop(),
  user: PEOPLE.ana,
  mode: "hosted",
  url_private: `https://files.slack.com/files-pri/T0HMS-F1/${name}`,
  permalink: `https://hms.slack.com/files/${PEOPLE.ana}/F1/${name}`,
});

/** A message with files, as Slack sends it: subtype file_share, the typed text in `text`. */
const fileShare = (
  text: string,
  files: ReturnType<typeof slackFile>[],
  extra: Record<string, unknown> = {},
) => message(text, { subtype: "file_share", files, upload: true, display_as_bot: false, ...extra });

const cards = (h: SlackHarness) =>
  h.fake.called("chat.postMessage").filter((call) => String(call.args.text).startsWith("BUG-"));

function cardOf(h: SlackHarness) {
  const posted = cards(h);
  expect(posted).toHaveLength(1);
  const answer = posted[0]?.answer as { channel: string; ts: string };
  return h.message(answer.channel, answer.ts);
}

/** A message action ("File as bug") on a message in the bug channel. */
const fileAsBug = (reported: { ts: string; text: string; user: string }, by: string) => ({
  type: "message_action",
  callback_id: SHORTCUTS.fileAsBug,
  user: { id: by, username: by.toLowerCase(), team_id: "T0HMS" },
  channel: { id: CHANNELS.bugs, name: "hms-bugs" },
  message: { type: "message", user: reported.user, ts: reported.ts, text: reported.text },
  message_ts: reported.ts,
  action_ts: "1",
});

const responses = (h: SlackHarness): SlackCall[] =>
  h.fake.calls.filter((call) => call.method.startsWith("respond/"));

describe("a report with a screenshot or a log attached (file_share)", () => {
  it("is filed like any report, and the card names the files", async () => {
    const h = await open({ config: NO_PROVISION });
    const event = fileShare(`Users page crashes, screenshot and log attached\n${SME_REPORT}`, [
      slackFile("crash.png", "image/png"),
      slackFile("production.log", "text/plain"),
    ]);
    expect((await h.send.event(event)).status).toBe(200);
    await h.idle();
    expect(h.bugs()).toHaveLength(1);
    expect(h.bugs()[0]).toMatchObject({
      title: "Users page crashes, screenshot and log attached",
      components: ["hms-sme"],
      attachments: ["crash.png", "production.log"],
    });
    const card = cardOf(h);
    expect(cards(h)[0]?.args).toMatchObject({ channel: CHANNELS.bugs, thread_ts: event.ts });
    expect(blockText(card.blocks)).toContain("attached: crash.png, production.log");
    // By name only: nothing of the files' addresses is copied to the card.
    expect(blockText(card.blocks)).not.toContain("files.slack.com");
  });

  it("skips a screenshot shared with no text, with one log line naming it, and posts nothing", async () => {
    const h = await open({ config: NO_PROVISION });
    const event = fileShare("", [slackFile("Screenshot 2026-11-27 at 09.14.png", "image/png")]);
    expect((await h.send.event(event)).status).toBe(200);
    await h.idle();
    expect(h.bugs()).toHaveLength(0);
    expect(h.fake.called("chat.postMessage")).toHaveLength(0);
    const lines = h.logs.filter((line) => line.includes(event.ts));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("Screenshot 2026-11-27 at 09.14.png with no text");
  });

  it("takes a file shared in a report's thread as conversation, not a report", async () => {
    const h = await open({ config: NO_PROVISION });
    const reply = fileShare("here is the log", [slackFile("app.log", "text/plain")], {
      thread_ts: "1764000000.000100",
    });
    await h.send.event(reply);
    await h.idle();
    expect(h.bugs()).toHaveLength(0);
  });
});

describe("a thread reply also sent to the channel (thread_broadcast)", () => {
  it("is not a new report: skipped with a log line", async () => {
    const h = await open({ config: NO_PROVISION });
    const root = { type: "message", user: PEOPLE.ana, text: SME_REPORT, ts: "1764000000.000100" };
    const broadcast = message("Still failing after the redeploy: PG::UndefinedTable again", {
      subtype: "thread_broadcast",
      thread_ts: root.ts,
      root: { ...root, thread_ts: root.ts, reply_count: 1, reply_users: [PEOPLE.bo], latest_reply: "1" },
      client_msg_id: "5b3c7b8e-0000-4000-8000-000000000001",
    });
    expect((await h.send.event(broadcast)).status).toBe(200);
    await h.idle();
    expect(h.bugs()).toHaveLength(0);
    expect(h.fake.called("chat.postMessage")).toHaveLength(0);
    expect(h.logs.filter((line) => line.includes(broadcast.ts))).toEqual([
      expect.stringContaining("thread reply also sent to the channel"),
    ]);
  });
});

describe("one bug per message", () => {
  it("files a message Slack delivers again under a new event_id once, also after a restart", async () => {
    const h = await open({ config: NO_PROVISION });
    const event = message(SME_REPORT);
    expect((await h.send.event(event, { eventId: uniqueId("Ev") })).status).toBe(200);
    await h.idle();
    await h.restart();
    expect((await h.send.event(event, { eventId: uniqueId("Ev") })).status).toBe(200);
    await h.idle();
    expect(h.bugs()).toHaveLength(1);
    expect(h.bugs()[0]).toMatchObject({ reportKey: `slack:${CHANNELS.bugs}:${event.ts}` });
    cardOf(h);
    expect(h.logs.some((line) => line.startsWith("BUG-1: reported again"))).toBe(true);
  });

  it("files one bug when two deliveries of a message under different event_ids arrive at once", async () => {
    const h = await open({ config: NO_PROVISION });
    const event = message(SME_REPORT);
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => h.send.event(event, { eventId: uniqueId("Ev") })),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    await h.idle();
    expect(h.bugs()).toHaveLength(1);
    cardOf(h);
  });

  it("answers File as bug on a message the channel already filed with that bug and its thread, after a restart", async () => {
    const h = await open({ config: NO_PROVISION });
    const event = message(SME_REPORT);
    await h.send.event(event);
    await h.idle();
    const permalink = (h.bugs()[0]?.links as { slack?: { permalink?: string } } | undefined)?.slack
      ?.permalink;
    expect(permalink).toMatch(/^https:\/\/hms\.slack\.com\/archives\/C0BUGS\/p/);
    await h.restart();

    expect((await h.send.interaction(fileAsBug(event, PEOPLE.bo))).status).toBe(200);
    await h.idle();
    expect(h.fake.called("views.open")).toHaveLength(0);
    const [answer] = responses(h);
    expect(answer?.args).toMatchObject({ response_type: "ephemeral" });
    expect(String(answer?.args.text)).toContain("already filed as *BUG-1* (Users page crashes after deploy)");
    expect(String(answer?.args.text)).toContain(`<${permalink}|see its thread>`);
    expect(h.bugs()).toHaveLength(1);
    cardOf(h);
  });

  it("files nothing when the modal of File as bug is submitted after the channel filed the message", async () => {
    const h = await open({ config: NO_PROVISION });
    const event = message(SME_REPORT);
    // Bo opens the modal before the message event arrives (Slack delivered it late).
    await h.send.interaction(fileAsBug(event, PEOPLE.bo));
    await h.idle();
    const view = h.fake.called("views.open")[0]?.args.view as { private_metadata: string };
    await h.send.event(event);
    await h.idle();
    const submitted = await h.send.interaction({
      type: "view_submission",
      user: { id: PEOPLE.bo, username: "bo", team_id: "T0HMS" },
      view: {
        id: uniqueId("V"),
        type: "modal",
        callback_id: VIEWS.reportBug,
        private_metadata: view.private_metadata,
        state: {
          values: {
            title: { title: { value: "Users page crashes after deploy" } },
            description: { description: { value: SME_REPORT } },
            component: { component: { selected_option: { value: "detect" } } },
            severity: { severity: { selected_option: { value: "major" } } },
            branch: { branch: { value: null } },
          },
        },
      },
    });
    expect(submitted.status).toBe(200);
    await h.idle();
    expect(h.bugs()).toHaveLength(1);
    cardOf(h);
    const told = h.fake.called("chat.postEphemeral");
    expect(told).toHaveLength(1);
    expect(told[0]?.args).toMatchObject({ channel: CHANNELS.bugs, user: PEOPLE.bo });
    expect(String(told[0]?.args.text)).toContain("already filed as *BUG-1*");
  });
});
