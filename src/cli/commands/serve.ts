import { isIP } from "node:net";
import type { App } from "../../app.js";
import type { BugServices } from "../../bugs/services.js";
import type { Log } from "../../envs/context.js";
import { createExecHelper } from "../../envs/exec.js";
import { HmsError } from "../../errors.js";
import { DEFAULT_HOST, startServer } from "../../main.js";
import { holdServeLock, type ServeLock } from "../../serve-lock.js";
import { type Command, stringOption } from "../command.js";
import { appFor } from "../environment.js";
import type { CliIo } from "../io.js";

/** An IP address or a host name (resolved by listen); anything else is a typo worth refusing. */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535) {
    throw new HmsError("INVALID_INPUT", `port "${text}" is not a TCP port number (0-65535)`);
  }
  return port;
}

function parseHost(text: string): string {
  if (isIP(text) === 0 && !HOST_NAME.test(text)) {
    throw new HmsError(
      "INVALID_INPUT",
      `host "${text}" is not an IP address or host name (e.g. 127.0.0.1, ::1, 0.0.0.0)`,
    );
  }
  return text;
}

/** An address this machine cannot listen on is the caller's choice gone wrong, not a failure of hms-env. */
function asListenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new HmsError("INVALID_INPUT", `cannot listen on ${host}: it is not an address of this machine`, {
      cause: error,
    });
  }
  if (code === "EADDRINUSE") {
    return new HmsError("INVALID_INPUT", `port ${port} on ${host} is already in use: choose another --port`, {
      cause: error,
    });
  }
  return error;
}

/** Each line names its bug when it has one, so a log search for BUG-12 finds every step of it. */
function bugTaggedLog(log: Log, action: string) {
  const fields = (message: string) => ({ action, bugId: /^(BUG-\d+)\b/.exec(message)?.[1] });
  return {
    info: (message: string) => log.info(fields(message), message),
    error: (message: string) => log.error(fields(message), message),
    debug: (message: string) => log.debug(fields(message), message),
  };
}

/**
 * Slack when its variables are set (checked before anything starts: half of them stops serve with what
 * is missing), nothing when none are. Loaded only then, so serve without Slack never loads Bolt.
 */
async function startSlackIfConfigured(
  app: App,
  env: CliIo["env"],
  log: Log,
  bugs: () => Promise<BugServices>,
) {
  const { slackSettingsFrom } = await import("../../slack/settings.js");
  const settings = slackSettingsFrom(env);
  if (settings.mode === "off") {
    log.info(
      { action: "slack", mode: "off" },
      "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode) to turn it on",
    );
    return undefined;
  }
  const { startSlack } = await import("../../slack/serve.js");
  const { slackExtension } = await import("../../slack/extension.js");
  const slack = await startSlack({ hms: app, settings, log: bugTaggedLog(log, "slack"), bugs: await bugs() });
  log.info(
    { action: "slack", mode: settings.mode, apiUrl: settings.apiUrl ?? "https://slack.com/api/" },
    settings.mode === "http" ? "Slack: POST /slack/events on this server" : "Slack: Socket Mode",
  );
  return slackExtension(slack);
}

/**
 * One triage engine and bug pipeline for Slack and GitHub, made when the first of them asks; `made`
 * says whether one did.
 */
function sharedBugServices(
  app: App,
  log: Log,
): (() => Promise<BugServices>) & { readonly made: Promise<BugServices> | undefined } {
  let made: Promise<BugServices> | undefined;
  const bugLog = bugTaggedLog(log, "bugs");
  const get = () => {
    made ??= import("../../bugs/services.js").then(({ createBugServices }) => createBugServices(app, bugLog));
    return made;
  };
  return Object.defineProperty(get, "made", { get: () => made }) as typeof get & {
    readonly made: Promise<BugServices> | undefined;
  };
}

export const serveCommand: Command = {
  name: "serve",
  summary: "run the long-lived process: timers, reconciler, GitHub webhooks, GET /healthz on $HOST:$PORT",
  usage: `Usage: hms-env serve [--port N] [--host ADDRESS] [--verbose] [--config FILE]

Holds a timer at every environment's deadline, cleans what expired while it was stopped, reconciles
every schedule.reconcileInterval, and follows changes the hms-env command makes to the state file.
With SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET it serves the Slack app at POST /slack/events on the same
port (SLACK_APP_TOKEN instead: Socket Mode; SLACK_API_URL: another Web API base).
With GITHUB_WEBHOOK_SECRET and GITHUB_TOKEN (or GITHUB_APP_ID and GITHUB_PRIVATE_KEY) set, it takes
GitHub's deliveries at POST /github/webhooks (see README "GitHub setup").
The first SIGINT or SIGTERM stops it within 5 seconds.
Logs one JSON object a line on stderr (--verbose: every reconcile pass too).
Port: --port, else $PORT, else 3000. Address: --host, else $HOST, else ${DEFAULT_HOST} (this machine only;
put a reverse proxy in front to expose it, or --host 0.0.0.0).`,
  options: { port: { type: "string" }, host: { type: "string" } },
  // The pass under way gets its grace first (src/main.ts close): a stop must not cut its git short at once.
  endsChildrenItself: true,
  async run(args, io) {
    const port = parsePort(stringOption(args, "port") ?? io.env.PORT ?? "3000");
    const host = parseHost(stringOption(args, "host") ?? (io.env.HOST || DEFAULT_HOST));
    // Loaded here, not at start-up: every other command would pay for pino without logging a line.
    const { createLogger } = await import("../../log.js");
    const log = createLogger({
      write: io.err,
      level: args.values.verbose ? "debug" : "info",
      now: () => io.host.clock.now(),
    });
    // git and Nix run from a helper process: starting them from serve would stall every request
    // (exec.ts). Idle, it keeps nothing alive, so an early failure below needs no cleanup of it.
    const helper = createExecHelper();
    const app = appFor(args, io, { log, exec: helper.exec });
    // Before anything acts: a second serve on this state file would double every timer and message.
    const instance = await holdServeLock(app.config.stateFile, io.host.self, log).catch((error: unknown) => {
      app.close();
      throw error;
    });
    try {
      return await serveHolding(app, instance, { io, log, host, port });
    } finally {
      await instance.release();
      helper.close();
    }
  },
};

/** The rest of serve, once it holds the state file's serve lock: the extensions, the server, the stop. */
async function serveHolding(
  app: App,
  instance: ServeLock,
  { io, log, host, port }: { io: CliIo; log: Log; host: string; port: number },
): Promise<number> {
  // Checked before anything starts: a half-done GitHub setup stops serve with what is missing.
  const { githubSetupFromEnv } = await import("../../github/settings.js");
  const githubSetup = githubSetupFromEnv(io.env, app.config.github);
  const bugs = sharedBugServices(app, log);
  const slack = await startSlackIfConfigured(app, io.env, log, bugs);
  // Loaded here, as Slack is: no other command pays for Octokit. After Slack, so a bug's issue is
  // written after its Slack card exists and can link to the thread.
  const { startGithubIfConfigured } = await import("../../github/serve.js");
  const github = await startGithubIfConfigured(app, githubSetup, log, bugs);
  // Whichever of them files bugs, triage follows the state file and the default branch for it.
  const made = bugs.made;
  const { triageExtension } = await import("../../bugs/triage-service.js");
  const services = made === undefined ? undefined : await made;
  const triage =
    services === undefined
      ? undefined
      : triageExtension(services.triage, bugTaggedLog(log, "triage"), services.listed);
  const extensions = [slack, github, triage].filter((extension) => extension !== undefined);
  const running = await startServer({ app, port, host, extensions }).catch(async (error: unknown) => {
    await slack?.stop?.();
    app.close();
    throw asListenError(error, host, port);
  });
  log.info(
    { action: "listen", url: running.url, host, stateFile: app.config.stateFile },
    `listening on ${running.url} (state ${app.config.stateFile})`,
  );
  const interrupt = io.interrupt;
  const stop = [interrupt, instance.lost].filter((signal) => signal !== undefined);
  if (!stop.some((signal) => signal.aborted)) {
    await new Promise<void>((resolve) => {
      for (const signal of stop) signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }
  const lost = instance.lost.aborted && !interrupt?.aborted;
  if (lost) {
    log.error(
      { action: "serve-lock-lost", err: instance.lost.reason },
      `another serve took over the state file ${app.config.stateFile} while this one was paused: stopping, so that only one keeps its deadlines`,
    );
  } else log.info({ action: "stop", signal: interrupt?.reason }, "stopping");
  await running.close();
  app.close();
  log.info({ action: "stopped" }, "stopped");
  return lost ? 1 : 0;
}
