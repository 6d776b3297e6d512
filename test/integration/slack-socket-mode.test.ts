import { afterEach, describe, expect, it } from "vitest";
import { eventually, startServe } from "../helpers/serve.js";
import { type FakeSlack, startFakeSlack, uniqueId } from "../helpers/slack.js";
import { blockText } from "../helpers/slack-app.js";
import { startFakeSocketMode } from "../helpers/slack-socket.js";
import { CHANNELS, PEOPLE, SME_REPORT, TEAMS_CONFIG } from "../helpers/teams.js";
import { createWorkspace } from "../helpers/workspace.js";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `hms-env serve` in Socket Mode (SLACK_APP_TOKEN): no public URL, Slack's envelopes over a websocket. */
async function serveInSocketMode() {
  const ws = await createWorkspace(`${TEAMS_CONFIG}slack:\n  bugChannels: [${CHANNELS.bugs}]\n`);
  cleanups.push(() => ws.remove());
  const fake: FakeSlack = await startFakeSlack();
  cleanups.push(() => fake.close());
  const socket = await startFakeSocketMode(fake);
  cleanups.push(() => socket.close());
  const serve = await startServe(ws, {
    SLACK_APP_TOKEN: "xapp-1-A0HMSENV-1-socket",
    SLACK_BOT_TOKEN: "xoxb-socket",
    SLACK_API_URL: fake.apiUrl,
  });
  cleanups.push(() => serve.stop());
  await socket.connected();
  return { fake, socket, serve };
}

const slashCommand = (text: string, user: string, fake: FakeSlack) => ({
  token: "legacy-verification-token",
  team_id: "T0HMS",
  team_domain: "hms",
  channel_id: "C0GENERAL",
  channel_name: "general",
  user_id: user,
  user_name: user.toLowerCase(),
  command: "/hms-env",
  text,
  api_app_id: "A0HMSENV",
  is_enterprise_install: "false",
  response_url: `${fake.url}/respond/${uniqueId("R")}`,
  trigger_id: uniqueId("T"),
});

describe("Socket Mode (SLACK_APP_TOKEN)", () => {
  it("opens the connection with the app token, acks /hms-env over the websocket, and answers through response_url", async () => {
    const { fake, socket, serve } = await serveInSocketMode();
    const opened = fake.called("apps.connections.open");
    expect(opened.length).toBe(1);
    expect(opened[0]?.token).toBe("xapp-1-A0HMSENV-1-socket");
    expect(socket.connections[0]?.ticket).toBe(fake.tickets[0]);
    expect(serve.log()).toContain("Slack: Socket Mode");
    // No request URL in Socket Mode: serve's port keeps /healthz only.
    expect((await fetch(`${serve.url}/slack/events`, { method: "POST", body: "{}" })).status).toBe(404);

    // Help is answered in the ack itself, shown only to the caller.
    const help = await socket.send("slash_commands", slashCommand("help", PEOPLE.ana, fake));
    expect(help.payload).toMatchObject({ response_type: "ephemeral" });
    expect(String(help.payload?.text)).toContain("/hms-env provision --component");

    // Bad input: the ack names the value and shows the usage; nothing is made.
    const bad = await socket.send("slash_commands", slashCommand("extend", PEOPLE.ana, fake));
    expect(String(bad.payload?.text)).toContain("extend takes an ID and a DURATION");
    expect(String(bad.payload?.text)).toContain("Usage:");

    // list acks empty at once, then answers through the command's response_url.
    const command = slashCommand("list", PEOPLE.ana, fake);
    const listed = await socket.send("slash_commands", command);
    expect(listed.payload ?? {}).toEqual({});
    const respondPath = new URL(command.response_url).pathname.slice(1);
    await eventually(() => fake.called(respondPath).length > 0, "the answer to /hms-env list");
    expect(String(fake.called(respondPath)[0]?.args.text)).toContain("You have no live environments");
  });

  it("takes a bug-channel message as a report: one ack, one card in its thread, the assignee's DM; a retry makes nothing more", async () => {
    const { fake, socket } = await serveInSocketMode();
    const ts = `${Math.floor(Date.now() / 1000)}.000100`;
    const eventId = uniqueId("Ev");
    const envelope = {
      token: "legacy-verification-token",
      team_id: "T0HMS",
      api_app_id: "A0HMSENV",
      event: {
        type: "message",
        channel: CHANNELS.bugs,
        channel_type: "channel",
        user: PEOPLE.ivy,
        text: SME_REPORT,
        ts,
        event_ts: ts,
      },
      type: "event_callback",
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: "T0HMS", user_id: "U0BOT", is_bot: true, is_enterprise_install: false }],
    };
    const ack = await socket.send("events_api", envelope);
    expect(ack.envelope_id).toBeTruthy();

    const cards = () =>
      fake.called("chat.postMessage").filter((call) => String(call.args.text).startsWith("BUG-"));
    await eventually(() => cards().length === 1, "the bug's card");
    expect(cards()[0]?.args).toMatchObject({ channel: CHANNELS.bugs, thread_ts: ts });
    expect(blockText(cards()[0]?.args.blocks)).toContain("hms-sme");
    // The assignee (an SME team member) gets the DM that ends with the launch instructions.
    const readyDm = () =>
      [...fake.called("chat.postMessage"), ...fake.called("chat.update")].find((call) =>
        /is ready: cd .* && \.\/launch\.sh/.test(String(call.args.text)),
      );
    await eventually(() => readyDm() !== undefined, "the assignee's DM with a ready environment", 60_000);
    expect([PEOPLE.ana, PEOPLE.bo]).toContain(whoseDm(readyDm()));

    // Slack redelivers the same event_id (its ack was late): acked again, nothing new is made.
    const before = fake.calls.length;
    await socket.send("events_api", envelope, { retryAttempt: 1 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(cards()).toHaveLength(1);
    expect(fake.calls.slice(before).filter((call) => call.method === "chat.postMessage")).toEqual([]);
  });

  it("reconnects when Slack asks it to refresh the connection, and keeps answering", async () => {
    const { fake, socket } = await serveInSocketMode();
    socket.refresh();
    await socket.connected(2);
    expect(fake.called("apps.connections.open")).toHaveLength(2);
    expect(socket.connections[1]?.ticket).toBe(fake.tickets[1]);
    const help = await socket.send("slash_commands", slashCommand("help", PEOPLE.bo, fake));
    expect(String(help.payload?.text)).toContain("Usage:");
  }, 30_000);
});

/** A DM is posted to the user's ID, then edited in the bot's D… conversation with them. */
function whoseDm(call: { args: Record<string, unknown> } | undefined): string {
  const channel = String(call?.args.channel ?? "");
  return channel.startsWith("D") ? `U${channel.slice(1)}` : channel;
}
