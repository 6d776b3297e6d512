import { existsSync, readFileSync } from "node:fs";
import { afterEach } from "vitest";
import type { App } from "../../src/app.js";
import type { Clock } from "../../src/clock.js";
import { type RunningServer, startServer } from "../../src/main.js";
import { slackExtension } from "../../src/slack/extension.js";
import { type RunningSlack, startSlack } from "../../src/slack/serve.js";
import type { EnvRecord } from "../../src/store/schema.js";
import { eventually } from "./serve.js";
import { type FakeSlack, type SlackCall, type SlackSender, slackSender, startFakeSlack } from "./slack.js";
import { CHANNELS, PEOPLE, TEAMS_CONFIG } from "./teams.js";
import { createWorkspace, type Workspace } from "./workspace.js";

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

export interface SlackHarness {
  ws: Workspace;
  fake: FakeSlack;
  /** The services serve runs on, for a test that changes the state as another door would. */
  app: App;
  slack: RunningSlack;
  server: RunningServer;
  send: SlackSender;
  logs: string[];
  /** Waits for every message after every ack so far. */
  idle(): Promise<void>;
  environments(): EnvRecord[];
  bugs(): Record<string, unknown>[];
  /** The last version of a message the app posted (its post, then its updates), by channel and ts. */
  message(channel: string, ts: string): { channel: string; ts: string; text: string; blocks: unknown[] };
  /** Messages posted to a channel (a DM is posted to the user ID). */
  posts(channel: string): SlackCall[];
  /** Restarts the Slack side and serve on the same state file, as after a crash; `whileStopped` runs between. */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

function readState(file: string): { environments?: EnvRecord[]; bugs?: Record<string, unknown>[] } {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
}

/** Every text of a message's blocks, for assertions on what a person reads. */
export function blockText(blocks: unknown): string {
  return JSON.stringify(blocks ?? [])
    .replaceAll("\\n", "\n")
    .replaceAll('\\"', '"');
}

/**
 * The real Bolt app inside the real serve server on a free port, a real workspace (git origin, state
 * file, stand-in nixpkgs) with teams, and the Web API pointed at the stand-in Slack.
 */
export async function startSlackHarness(
  options: { config?: string; clock?: Clock; retries?: number; botScopes?: readonly string[] } = {},
): Promise<SlackHarness> {
  const ws = await createWorkspace(
    `${TEAMS_CONFIG}slack:\n  bugChannels: [${CHANNELS.bugs}]\n${options.config ?? ""}`,
  );
  const fake = await startFakeSlack(options.botScopes ? { botScopes: options.botScopes } : {});
  const logs: string[] = [];
  // A restart is a new process: a new app, following the state file afresh.
  let app = ws.app(options.clock);
  const start = async () => {
    const slack = await startSlack({
      hms: app,
      settings: {
        mode: "http",
        botToken: "xoxb-test-token",
        signingSecret: SIGNING_SECRET,
        apiUrl: fake.apiUrl,
      },
      log: {
        info: (line) => logs.push(line),
        error: (line) => logs.push(`error: ${line}`),
        debug: (line) => logs.push(`debug: ${line}`),
      },
      retry: { retries: options.retries ?? 4, factor: 2, minTimeout: 50, maxTimeout: 400, randomize: false },
      homeDebounceMs: 5,
    });
    const server = await startServer({
      app,
      port: 0,
      host: "127.0.0.1",
      extensions: [slackExtension(slack)],
    });
    return { slack, server };
  };
  let running = await start();
  const harness: SlackHarness = {
    ws,
    fake,
    get app() {
      return app;
    },
    logs,
    get slack() {
      return running.slack;
    },
    get server() {
      return running.server;
    },
    get send() {
      return slackSender(running.server.url, SIGNING_SECRET, fake);
    },
    idle: async () => {
      await running.server.idle();
      await running.slack.app.idle();
    },
    environments: () => readState(ws.stateFile).environments ?? [],
    bugs: () => readState(ws.stateFile).bugs ?? [],
    message(channel, ts) {
      const posted = fake
        .called("chat.postMessage")
        .find((call) => call.answer?.channel === channel && call.answer?.ts === ts);
      const updates = fake
        .called("chat.update")
        .filter((call) => call.args.channel === channel && call.args.ts === ts);
      const last = updates.at(-1) ?? posted;
      if (last === undefined) throw new Error(`no message ${channel} ${ts}`);
      return {
        channel,
        ts,
        text: String(last.args.text ?? ""),
        blocks: (last.args.blocks as unknown[]) ?? [],
      };
    },
    posts: (channel) => fake.called("chat.postMessage").filter((call) => call.args.channel === channel),
    async restart(whileStopped) {
      await running.server.close();
      app.close();
      await whileStopped?.();
      app = ws.app(options.clock);
      running = await start();
    },
    async stop() {
      await running.server.close();
      app.close();
      await fake.close();
      ws.remove();
    },
  };
  return harness;
}

/** One harness per test, stopped after it: `const open = useSlackHarness(); const h = await open();`. */
export function useSlackHarness() {
  let current: SlackHarness | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return async (options: Parameters<typeof startSlackHarness>[0] = {}) => {
    current = await startSlackHarness(options);
    return current;
  };
}

/** Waits for the work after the acks until `check` holds (an environment ready, say). */
export async function settle(h: SlackHarness, check: () => boolean, what: string): Promise<void> {
  await eventually(async () => {
    await h.idle();
    return check();
  }, what);
  await h.idle();
}

export const anyReady = (h: SlackHarness) => () => h.environments().some((env) => env.status === "ready");

/** A person's top-level message in the bug channel, as Slack's Events API delivers it. */
export const channelMessage = (text: string, extra: Record<string, unknown> = {}) => ({
  type: "message",
  channel: CHANNELS.bugs,
  channel_type: "channel",
  user: PEOPLE.ana,
  text,
  ts: `${Math.floor(Date.now() / 1000)}.${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`,
  event_ts: "1",
  ...extra,
});
