import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../../src/config/load.js";
import { createSlackApp } from "../../../src/slack/app.js";
import { BOT_EVENTS, BOT_SCOPES, EVENT_SCOPES, SLASH_COMMAND } from "../../../src/slack/ids.js";
import type { SlackServices } from "../../../src/slack/services.js";
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

  it("asks for the bot scopes the code uses, and only those", () => {
    const scopes = manifest.oauth_config.scopes.bot;
    expect(new Set(scopes)).toEqual(new Set(Object.keys(BOT_SCOPES)));
    for (const event of manifest.settings.event_subscriptions.bot_events) {
      const scope = EVENT_SCOPES[event];
      if (scope !== undefined) expect(scopes).toContain(scope);
    }
  });
});
