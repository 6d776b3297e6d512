import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../../src/config/load.js";
import { createSlackApp } from "../../../src/slack/app.js";
import { BOT_EVENTS, SLASH_COMMAND } from "../../../src/slack/ids.js";
import type { SlackServices } from "../../../src/slack/services.js";
import {
  COMMANDS_SCOPE,
  EVENT_SCOPES,
  METHOD_SCOPES,
  webApiMethodsIn,
  webApiMethodsUnder,
} from "../../helpers/slack-scopes.js";
import { PROJECT_ROOT } from "../../helpers/workspace.js";
import { useTempDir } from "../support.js";

interface Manifest {
  features: {
    slash_commands: { command: string; url: string }[];
    shortcuts: { callback_id: string; type: string; name: string }[];
    app_home: { home_tab_enabled: boolean };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled: boolean;
  };
}

const tempDir = useTempDir("manifest");
const manifest = parse(readFileSync(join(PROJECT_ROOT, "manifest.yml"), "utf8")) as Manifest;

/** What the real app registers with Bolt; its services are never called while listeners are set up. */
function createApp(settings: Parameters<typeof createSlackApp>[0]["settings"]) {
  const services = {
    config: loadConfig({ cwd: tempDir() }),
    log: { info: () => undefined, error: () => undefined },
  } as unknown as SlackServices;
  return createSlackApp({ settings, services });
}

const registered = () =>
  createApp({ mode: "http", botToken: "xoxb-x", signingSecret: "s", apiUrl: "http://127.0.0.1:9/api/" })
    .registered;

describe("manifest.yml", () => {
  const code = registered();

  it("declares exactly the slash commands the app listens to, at /slack/events", () => {
    expect(manifest.features.slash_commands.map((command) => command.command)).toEqual([...code.commands]);
    expect([...code.commands]).toEqual([SLASH_COMMAND]);
    for (const command of manifest.features.slash_commands) {
      expect(command.url).toBe("https://YOUR-HOST/slack/events");
    }
  });

  it("declares the global and message shortcuts by the callback ids the app handles", () => {
    const shortcuts = manifest.features.shortcuts;
    expect(new Set(shortcuts.map((shortcut) => shortcut.callback_id))).toEqual(code.shortcuts);
    expect(shortcuts.map((shortcut) => [shortcut.name, shortcut.type])).toEqual([
      ["Report a bug", "global"],
      ["File as bug", "message"],
    ]);
  });

  it("subscribes to the bot events of the events the app listens to, and no others", () => {
    const expected = new Set([...code.events].flatMap((event) => BOT_EVENTS[event] ?? [`unmapped:${event}`]));
    expect(new Set(manifest.settings.event_subscriptions.bot_events)).toEqual(expected);
    expect(manifest.settings.event_subscriptions.request_url).toBe("https://YOUR-HOST/slack/events");
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it("turns interactivity on at /slack/events for the buttons and the modal", () => {
    expect(code.views.size).toBeGreaterThan(0);
    expect(manifest.settings.interactivity).toEqual({
      is_enabled: true,
      request_url: "https://YOUR-HOST/slack/events",
    });
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });

  it("holds in Socket Mode too: the same listeners, and no HTTP endpoint of its own", () => {
    const socket = createApp({ mode: "socket", botToken: "xoxb-x", appToken: "xapp-1", apiUrl: undefined });
    expect(socket.requestListener).toBeUndefined();
    expect(socket.registered).toEqual(code);
  });

  it("asks for the bot scopes of the Web API methods the code calls and of its events, and only those", () => {
    const methods = webApiMethodsUnder(join(PROJECT_ROOT, "src"));
    // The scan sees the calls the app makes (a sanity check that it reads the code at all).
    expect([...methods.keys()]).toEqual(expect.arrayContaining(["chat.postMessage", "views.publish"]));
    const unmapped = [...methods].filter(([method]) => !(method in METHOD_SCOPES));
    expect(
      unmapped.map(([method, files]) => `${method} (${files.join(", ")})`),
      "a Web API method with no entry in METHOD_SCOPES: add its scope from docs.slack.dev/reference/methods",
    ).toEqual([]);
    const events = manifest.settings.event_subscriptions.bot_events;
    expect(events.filter((event) => !(event in EVENT_SCOPES))).toEqual([]);
    const needed = new Set(
      [
        ...[...methods.keys()].map((method) => METHOD_SCOPES[method]),
        ...events.map((event) => EVENT_SCOPES[event]),
        code.commands.size + code.shortcuts.size > 0 ? COMMANDS_SCOPE : null,
      ].filter((scope) => typeof scope === "string"),
    );
    expect(new Set(manifest.oauth_config.scopes.bot)).toEqual(needed);
  });

  it("finds every Web API call, split over lines too, and no Octokit one", () => {
    const source = `
      await client.reactions.add({ name: "bug" });
      await ctx.client.chat
        .getPermalink({ channel, message_ts });
      await octokit.client.rest.issues.get({ issue_number: 1 });
      const { chat } = client;`;
    expect(webApiMethodsIn(source)).toEqual(["reactions.add", "chat.getPermalink"]);
    // A new call like the first one has no scope entry: the test above would fail on it.
    expect("reactions.add" in METHOD_SCOPES).toBe(false);
  });
});
