import type { RequestListener } from "node:http";
import { App, HTTPReceiver, type Logger, LogLevel, SocketModeReceiver, webApi } from "@slack/bolt";
import { describeError } from "../errors.js";
import { homeView } from "./blocks/home.js";
import type { Registered } from "./ids.js";
import { registerActions } from "./listeners/actions.js";
import { registerCommand } from "./listeners/command.js";
import { registerReportDoors } from "./listeners/reports.js";
import { createSlackNotifier } from "./notifier.js";
import { type IsSlackRecipient, slackRecipients } from "./recipients.js";
import type { SlackServices } from "./services.js";
import type { SlackSettings } from "./settings.js";

/** Web API retries: backoff for a Slack that cannot be reached; 429s wait out Retry-After (WebClient does). */
export type RetryPolicy = webApi.RetryOptions;
export const DEFAULT_RETRY: RetryPolicy = {
  retries: 10,
  factor: 2,
  minTimeout: 1000,
  maxTimeout: 300_000,
  randomize: true,
};

/** What every listener shares. */
export interface SlackContext {
  services: SlackServices;
  client: webApi.WebClient;
  /** Work that goes on after the ack; tracked so a stop waits for it, and its failures are logged. */
  background(label: string, task: () => Promise<unknown>): void;
  environmentChanged: ReturnType<typeof createSlackNotifier>["environmentChanged"];
  refs: ReturnType<typeof createSlackNotifier>["refs"];
  homeChanged(userId: string): void;
}

/** Notes every command, shortcut, event and view id the listeners register (manifest.yml must match). */
function recordRegistrations(app: App): Registered {
  const registered: Registered = {
    commands: new Set(),
    shortcuts: new Set(),
    events: new Set(),
    views: new Set(),
  };
  const kinds = {
    command: registered.commands,
    shortcut: registered.shortcuts,
    event: registered.events,
    view: registered.views,
  };
  for (const [method, ids] of Object.entries(kinds)) {
    const target = app as unknown as Record<string, (...args: unknown[]) => unknown>;
    const original = target[method]?.bind(app);
    target[method] = (id: unknown, ...rest: unknown[]) => {
      ids.add(String(id));
      return original?.(id, ...rest);
    };
  }
  return registered;
}

export interface SlackApp {
  /** HTTP mode: serve's server hands POST /slack/events here. */
  requestListener: RequestListener | undefined;
  notifier: ReturnType<typeof createSlackNotifier>["notifier"];
  environmentChanged: SlackContext["environmentChanged"];
  client: webApi.WebClient;
  /** Owners that are Slack users; others (a login name, a channel) get no DM, warning or App Home. */
  isRecipient: IsSlackRecipient;
  registered: Registered;
  start(): Promise<void>;
  /** Resolves when the work after every ack so far is done (tests, SIGTERM). */
  idle(): Promise<void>;
  stop(): Promise<void>;
  /** Ends every Web API call in flight, and any later one, at once (serve's stop, after its grace). */
  abortCalls(): void;
}

/** Bolt's log lines go to serve's log; its debug chatter does not. */
function boltLogger(log: SlackServices["log"]): Logger {
  return {
    debug: () => undefined,
    info: (...messages) => log.info(`slack: ${messages.join(" ")}`),
    warn: (...messages) => log.error(`slack: ${messages.join(" ")}`),
    error: (...messages) => log.error(`slack: ${messages.join(" ")}`),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

export function createSlackApp(options: {
  settings: Exclude<SlackSettings, { mode: "off" }>;
  services: SlackServices;
  retry?: RetryPolicy;
  /** Delay before App Home is published again after a change (several changes, one publish). */
  homeDebounceMs?: number;
}): SlackApp {
  const { settings, services } = options;
  const logger = boltLogger(services.log);
  // Ended once serve's stop grace is over: a Slack that never answers must not hold the exit.
  const calls = new AbortController();
  const clientOptions: webApi.WebClientOptions = {
    ...(settings.apiUrl && { slackApiUrl: settings.apiUrl }),
    // unref: a retry waiting for its turn does not keep a stopping process alive.
    retryConfig: { ...(options.retry ?? DEFAULT_RETRY), unref: true },
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        signal: init?.signal ? AbortSignal.any([init.signal, calls.signal]) : calls.signal,
      }),
    logger,
  };
  const client = new webApi.WebClient(settings.botToken, clientOptions);

  // Who the bot is, learnt once in the background: an ack never waits for Slack's Web API.
  let identity: { botId?: string; botUserId?: string } = {};
  const learnIdentity = () =>
    client.auth
      .test()
      .then((answer) => {
        identity = {
          ...(answer.bot_id && { botId: answer.bot_id }),
          ...(answer.user_id && { botUserId: answer.user_id }),
        };
      })
      .catch((error: unknown) => services.log.error(`slack: auth.test failed: ${describeError(error)}`));

  const receiver =
    settings.mode === "http"
      ? new HTTPReceiver({ signingSecret: settings.signingSecret, endpoints: "/slack/events", logger })
      : new SocketModeReceiver({ appToken: settings.appToken, logger, installerOptions: { clientOptions } });
  const app = new App({
    receiver,
    logger,
    clientOptions,
    socketMode: settings.mode === "socket",
    authorize: async () => ({ botToken: settings.botToken, ...identity }),
  });
  app.error(async (error) => services.log.error(`slack: ${describeError(error)}`));
  const registered = recordRegistrations(app);

  const inFlight = new Set<Promise<unknown>>();
  const background = (label: string, task: () => Promise<unknown>) => {
    // Started after the requests already waiting are read and acked (setImmediate runs after the poll
    // phase): in a burst of commands, the acks go out before the work they started.
    const running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch((error: unknown) => services.log.error(`slack: ${label}: ${describeError(error)}`));
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running));
  };

  const isRecipient = slackRecipients(services.log);
  const homeTimers = new Map<string, NodeJS.Timeout>();
  const publishHome = async (userId: string) => {
    const envs = (await services.listEnvironments()).filter((env) => env.owner === userId);
    const bugs = await services.pipeline.list((bug) => bug.status === "open" && bug.assignee === userId);
    await client.views.publish({
      user_id: userId,
      view: homeView({ envs, bugs, extendChoices: services.config.slack.extendChoices }),
    });
  };
  const homeChanged = (userId: string) => {
    if (!isRecipient(userId)) return;
    clearTimeout(homeTimers.get(userId));
    homeTimers.set(
      userId,
      setTimeout(() => {
        homeTimers.delete(userId);
        background(`App Home of ${userId}`, () => publishHome(userId));
      }, options.homeDebounceMs ?? 250),
    );
  };

  const slack = createSlackNotifier({ client, services, homeChanged, isRecipient });
  const shared: SlackContext = {
    services,
    client,
    background,
    environmentChanged: slack.environmentChanged,
    refs: slack.refs,
    homeChanged,
  };
  registerReportDoors(app, shared);
  registerActions(app, shared);
  registerCommand(app, shared);
  app.event("app_home_opened", async ({ event }) => {
    if (event.tab === "home") background(`App Home of ${event.user}`, () => publishHome(event.user));
  });

  const idle = async () => {
    for (;;) {
      if (homeTimers.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      else if (inFlight.size > 0) await Promise.all([...inFlight]);
      else {
        await services.pipeline.idle();
        if (inFlight.size === 0 && homeTimers.size === 0) return;
      }
    }
  };

  return {
    requestListener: receiver instanceof HTTPReceiver ? receiver.requestListener : undefined,
    notifier: slack.notifier,
    environmentChanged: slack.environmentChanged,
    client,
    isRecipient,
    registered,
    async start() {
      void learnIdentity();
      if (settings.mode === "socket") await app.start();
    },
    idle,
    abortCalls: () => calls.abort(new Error("serve is stopping: Slack did not answer in time")),
    async stop() {
      await idle();
      for (const timer of homeTimers.values()) clearTimeout(timer);
      if (settings.mode === "socket") await app.stop();
    },
  };
}
