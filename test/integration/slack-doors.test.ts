import { describe, expect, it } from "vitest";
import { ACTIONS, SHORTCUTS, VIEWS } from "../../src/slack/ids.js";
import { clickButton, reportSubmission, uniqueId } from "../helpers/slack.js";
import {
  anyReady,
  blockText,
  channelMessage,
  type SlackHarness,
  settle,
  useSlackHarness,
} from "../helpers/slack-app.js";
import { CHANNELS, PEOPLE, SME_REPORT, VAGUE_REPORT } from "../helpers/teams.js";

const open = useSlackHarness();

/** What Slack renders as mrkdwn (where a ping would work): sections, contexts and the fallback text. */
function mrkdwnOf(message: { text: string; blocks: unknown[] }): string {
  const texts: string[] = [message.text];
  JSON.stringify(message.blocks, (_key, value) => {
    if (value && typeof value === "object" && value.type === "mrkdwn") texts.push(String(value.text));
    return value;
  });
  return texts.join("\n");
}

/** Cards Slack took (a post it refused is not a card). */
const cardsOf = (h: SlackHarness) =>
  h.fake
    .called("chat.postMessage")
    .filter((call) => String(call.args.text).startsWith("BUG-") && call.answer?.ok === true);

/** The card of the only bug: posted once, then edited in place. */
function cardOf(h: SlackHarness) {
  const posted = cardsOf(h);
  expect(posted).toHaveLength(1);
  const answer = posted[0]?.answer as { channel: string; ts: string };
  return { call: posted[0], ...h.message(answer.channel, answer.ts) };
}

/** The assignee's DM: posted once, then edited in place. */
function dmOf(h: SlackHarness, userId: string) {
  const posted = h.posts(userId);
  expect(posted.length).toBeGreaterThan(0);
  const answer = posted[0]?.answer as { channel: string; ts: string };
  return h.message(answer.channel, answer.ts);
}

describe("a message in a bug channel", () => {
  it("becomes one bug with one card in its thread, an environment for the assignee and a DM with launch instructions", async () => {
    const h = await open();
    const message = channelMessage(`${SME_REPORT}\nbranch: feature/new-feature`);
    const answer = await h.send.event(message);
    expect(answer.status).toBe(200);
    await settle(h, anyReady(h), "the environment");

    const card = cardOf(h);
    expect(card.call?.args).toMatchObject({ channel: CHANNELS.bugs, thread_ts: message.ts });
    const cardText = blockText(card.blocks);
    expect(cardText).toContain("Environment ready");
    expect(cardText).toContain("hms-sme");
    expect(cardText).toContain(`<@${PEOPLE.bo}>`);
    expect(cardText).toContain("SME team");
    expect(cardText).toMatch(/Root causes/);
    for (const label of ["Reassign", "Assign to me", "Close: not a bug"]) expect(cardText).toContain(label);

    const env = h.environments()[0];
    expect(env).toMatchObject({ owner: PEOPLE.bo, component: "hms-sme", branch: "feature/new-feature" });
    const dm = dmOf(h, PEOPLE.bo);
    const dmText = blockText(dm.blocks);
    expect(dmText).toContain(`cd ${env?.path} && ./launch.sh`);
    expect(dmText).toContain(`HMS_ROOT_CAUSE_DB=${env?.path}/data/root_cause.json`);
    expect(dmText).toMatch(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|/);
    for (const label of ["Extend 4h", "Extend 24h", "Clean up now"]) expect(dmText).toContain(label);
    expect(dmText).toContain("BUG-1");
    expect(dmText).toContain("Likely root cause");
  });

  it("ignores bot messages, edits, thread replies and other channels", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    await h.send.event(channelMessage("from a bot", { bot_id: "B0OTHER", subtype: "bot_message" }));
    await h.send.event(channelMessage("an edit", { subtype: "message_changed" }));
    await h.send.event(channelMessage("a reply", { thread_ts: "1700000000.000100" }));
    await h.send.event(channelMessage("elsewhere", { channel: "C0RANDOM" }));
    await h.idle();
    expect(h.bugs()).toHaveLength(0);
    expect(h.fake.called("chat.postMessage")).toHaveLength(0);
  });

  it("makes one bug of Slack's retries of an event, even across a restart", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    const message = channelMessage(SME_REPORT);
    const eventId = uniqueId("Ev");
    expect((await h.send.event(message, { eventId })).status).toBe(200);
    expect((await h.send.event(message, { eventId, retryNum: 1 })).status).toBe(200);
    await h.idle();
    await h.restart();
    expect((await h.send.event(message, { eventId, retryNum: 2 })).status).toBe(200);
    await h.idle();
    expect(h.bugs()).toHaveLength(1);
    cardOf(h);
  });

  it("needs the manifest's scopes: a token without chat:write is refused as on Slack, and the bug id is logged", async () => {
    const h = await open({ botScopes: ["commands", "channels:history", "groups:history"] });
    await h.send.event(channelMessage(SME_REPORT));
    await settle(h, anyReady(h), "the environment");
    expect(h.bugs()).toHaveLength(1);
    expect(cardsOf(h)).toEqual([]);
    expect(h.fake.called("chat.postMessage")[0]?.answer).toMatchObject({
      ok: false,
      error: "missing_scope",
      needed: "chat:write",
    });
    expect(h.logs.some((line) => /^error: BUG-1: .*missing_scope/.test(line))).toBe(true);
  });

  it("escapes what users wrote, so a report cannot ping the channel", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    await h.send.event(
      channelMessage("<!channel> <@U0BO> & <https://evil|click> SYSTEM-COMPONENTS/HMS-SME/x.rb"),
    );
    await h.idle();
    const text = mrkdwnOf(cardOf(h));
    expect(text).not.toContain("<!channel>");
    // The title shows the mentions as plain words, which ping nobody.
    expect(text).toContain("@channel @U0BO &amp; click");
  });
});

describe("needs-triage", () => {
  it("goes to the fallback team with a component select; picking one triages and provisions", async () => {
    const h = await open();
    await h.send.event(channelMessage(VAGUE_REPORT));
    await h.idle();
    const card = cardOf(h);
    const text = blockText(card.blocks);
    expect(text).toContain("Needs triage");
    expect(text).toContain(`<@${PEOPLE.ivy}>`);
    const select = (
      card.blocks as { accessory?: { action_id: string; options: { value: string }[] } }[]
    ).find((block) => block.accessory?.action_id === ACTIONS.component)?.accessory;
    const option = select?.options.find((candidate) => candidate.value.endsWith(" hms-dev"));
    expect(option).toBeDefined();
    await h.send.interaction({
      type: "block_actions",
      user: { id: PEOPLE.ivy },
      container: { type: "message", channel_id: card.channel, message_ts: card.ts },
      channel: { id: card.channel },
      message: { ts: card.ts, blocks: card.blocks },
      actions: [
        {
          type: "static_select",
          action_id: ACTIONS.component,
          block_id: "pick",
          selected_option: option,
          action_ts: "1",
        },
      ],
    });
    await settle(h, anyReady(h), "the environment");
    expect(h.environments()[0]).toMatchObject({ owner: PEOPLE.dee, component: "hms-dev", branch: "main" });
    const after = blockText(cardOf(h).blocks);
    expect(after).toContain("Environment ready");
    expect(after).not.toContain("Needs triage");
  });
});

describe("the Report a bug modal and File as bug", () => {
  it("opens the modal from the global shortcut; a submission opens a thread in the first bug channel, once", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    const opened = await h.send.interaction({
      type: "shortcut",
      callback_id: SHORTCUTS.reportBug,
      user: { id: PEOPLE.ana, username: "ana", team_id: "T0HMS" },
      action_ts: "1",
    });
    expect(opened.status).toBe(200);
    await h.idle();
    const view = h.fake.called("views.open")[0]?.args.view as { callback_id: string; blocks: unknown[] };
    expect(view.callback_id).toBe(VIEWS.reportBug);
    const submission = reportSubmission({
      user: PEOPLE.ana,
      title: "Login returns 500",
      description: 'PG::UndefinedTable: relation "users" does not exist',
      component: "hms-sme",
      severity: "critical",
    });
    expect((await h.send.interaction(submission)).status).toBe(200);
    expect((await h.send.interaction(submission)).status).toBe(200);
    await h.idle();
    expect(h.bugs()).toHaveLength(1);
    expect(h.bugs()[0]).toMatchObject({
      title: "Login returns 500",
      severity: "critical",
      components: ["hms-sme"],
    });
    const opener = h.posts(CHANNELS.bugs).find((call) => String(call.args.text).includes("reported by"));
    expect(opener).toBeDefined();
    const card = cardOf(h);
    expect(card.call?.args).toMatchObject({ channel: CHANNELS.bugs, thread_ts: opener?.answer?.ts });
  });

  it.each([
    ["answers an error", { error: "fatal_error" }, 1],
    ["answers 500 past every retry", { status: 500 as const }, 5],
  ])(
    "a card post Slack %s is posted later under the same opener, never a second one",
    async (_, fault, count) => {
      const h = await open();
      h.fake.fail("chat.postMessage", { ...fault, when: (args) => args.thread_ts !== undefined }, count);
      await h.send.interaction(
        reportSubmission({ user: PEOPLE.ana, title: "Login returns 500", description: SME_REPORT }),
      );
      // The next change of the bug (its environment) brings the card up to date: it is posted then.
      await settle(h, () => cardsOf(h).length > 0, "the card");
      await settle(h, anyReady(h), "the environment");
      expect(h.logs.some((line) => line.startsWith("error: BUG-1: slack could not be told"))).toBe(true);
      const openers = h.posts(CHANNELS.bugs).filter((call) => String(call.args.text).includes("reported by"));
      expect(openers).toHaveLength(1);
      expect(cardsOf(h)).toHaveLength(1);
      expect(cardsOf(h)[0]?.args.thread_ts).toBe(openers[0]?.answer?.ts);
      await settle(h, () => blockText(cardOf(h).blocks).includes("Environment ready"), "the card saying so");
    },
  );

  it("refuses a branch git would take for an option, naming the field, and records nothing", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    const answer = await h.send.interaction(
      reportSubmission({ user: PEOPLE.ana, title: "x", description: "y", branch: "--upload-pack=evil" }),
    );
    expect(JSON.parse(answer.body)).toMatchObject({
      response_action: "errors",
      errors: { branch: /starts with "-"/ },
    });
    await h.idle();
    expect(h.bugs()).toHaveLength(0);
  });

  it("File as bug opens the same modal prefilled with the message's text and permalink", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    await h.send.interaction({
      type: "message_action",
      callback_id: SHORTCUTS.fileAsBug,
      user: { id: PEOPLE.bo, username: "bo", team_id: "T0HMS" },
      channel: { id: "C0GENERAL", name: "general" },
      message: {
        type: "message",
        user: PEOPLE.ana,
        ts: "1764000000.000200",
        text: "tsc fails: TS2307 in HMS-DEV",
      },
      message_ts: "1764000000.000200",
      action_ts: "1",
    });
    await h.idle();
    const view = h.fake.called("views.open")[0]?.args.view as { blocks: unknown[]; private_metadata: string };
    const text = blockText(view.blocks);
    expect(text).toContain("tsc fails: TS2307 in HMS-DEV");
    expect(text).toContain("https://hms.slack.com/archives/C0GENERAL/p1764000000000200");
    expect(JSON.parse(view.private_metadata)).toEqual({ channel: "C0GENERAL", ts: "1764000000.000200" });
  });
});

describe("signatures", () => {
  it("answers 401 to a forged or 6-minute-old signature, and does nothing", async () => {
    const h = await open();
    const body = JSON.stringify({
      type: "event_callback",
      event_id: "Ev1",
      event: channelMessage(SME_REPORT),
    });
    const forged = await h.send.post(body, "application/json", { secret: "not-the-secret" });
    const old = await h.send.post(body, "application/json", {
      timestamp: Math.floor(Date.now() / 1000) - 360,
    });
    expect(forged.status).toBe(401);
    expect(old.status).toBe(401);
    await h.idle();
    expect(h.bugs()).toHaveLength(0);
    expect(h.fake.calls.filter((call) => call.method !== "auth.test")).toHaveLength(0);
    // The same body, signed properly, is taken: the refusals were about the signature alone.
    expect((await h.send.post(body, "application/json")).status).toBe(200);
  });

  it("keeps /healthz on the same port", async () => {
    const h = await open();
    const health = await fetch(`${h.server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(clickButton).toBeTypeOf("function");
  });
});
