import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { App } from "./app.js";
import { endChildren, runningChildren } from "./envs/child-processes.js";
import type { Log } from "./envs/context.js";
import { clearLeftovers, logLeftovers } from "./envs/leftovers.js";
import { maintainMirrors } from "./envs/mirror-maintenance.js";
import type { ReconcileReport, SettleResult } from "./envs/reconcile.js";
import { startMaintenance } from "./schedule/maintenance.js";
import { type Reconciler, startReconciler } from "./schedule/reconciler.js";
import { createTimers, type Timers } from "./schedule/timers.js";
import { createSerialQueue } from "./serial-queue.js";
import type { EnvChange } from "./store/env-changes.js";
import type { StateData } from "./store/schema.js";

/** Only this machine (and a reverse proxy on it) can reach `serve` unless --host says otherwise. */
export const DEFAULT_HOST = "127.0.0.1";

/** A URL that reaches the server from this machine: a wildcard address is reached through loopback. */
function localUrl(host: string, port: number): string {
  if (host === "0.0.0.0" || host === "") return `http://127.0.0.1:${port}`;
  if (host === "::") return `http://[::1]:${port}`;
  return host.includes(":") ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

export interface RunningServer {
  url: string;
  server: Server;
  timers: Timers;
  reconciler: Reconciler;
  /** Resolves once no deadline pass or reconciler pass is running or queued. */
  idle(): Promise<void>;
  /**
   * Stops at once, but for the pass under way: it stops after the environment it is on, and is waited
   * for at most PASS_GRACE_MS; the git and Nix commands it still runs then are ended (a state write in
   * it always finishes: the store renames before unlocking).
   */
  close(): Promise<void>;
}

/**
 * A part of serve with HTTP routes of its own that follows the environments (Slack, GitHub): it shares
 * the one server and port with /healthz, and the one follower of the state file.
 */
export interface ServerExtension {
  /** Answers the request and returns true, or returns false to leave it to the others. */
  handle?(request: IncomingMessage, response: ServerResponse): boolean;
  environmentsChanged?(changes: EnvChange[], state: StateData): unknown;
  /** Every read of the state file (at start, and after any write by anyone), whatever changed. */
  stateRead?(state: StateData): unknown;
  /** After each reconcile pass: periodic work of its own (triage refetches the default branch). */
  reconciled?(): unknown;
  /** Finishes the work it started (messages after an ack) and stops. */
  stop?(): Promise<void>;
  /** After the grace: ends its outgoing calls still in flight (an API that never answers). */
  abortCalls?(): void;
}

/**
 * How `close` spends the 5 seconds a stop may take: the pass under way and the extensions get one grace
 * together; then the git and Nix commands still running are ended (SIGTERM to their process groups,
 * SIGKILL after CHILD_END_MS), and the pass gets AFTER_END_MS more to finish the state write it is in.
 */
const PASS_GRACE_MS = 3000;
const CHILD_END_MS = 500;
const AFTER_END_MS = 1000;
/** All of `close`, counted from its start; the process then exits well within the 5 seconds. */
const STOP_DEADLINE_MS = 3900;

/** One log line for each environment a pass finished, saying what it did (`phase`: what ran the pass). */
const SETTLED: Record<keyof SettleResult["done"], { action: string; says: (id: string) => string }> = {
  expired: { action: "expire", says: (id) => `expired and cleaned ${id}` },
  resumed: {
    action: "resume",
    says: (id) => `finished cleaning ${id} (its cleanup's process was gone, or its retry was due)`,
  },
  abandoned: {
    action: "abandon",
    says: (id) => `took down ${id}: its provisioning's process was gone (failed: interrupted)`,
  },
  missing: { action: "missing", says: (id) => `marked ${id} cleaned: its folder was gone` },
  revived: {
    action: "revive",
    says: (id) =>
      `kept ${id}: its record said provisioning by a process that is gone, but its folder's mark says its build finished (a state file restored one write behind): ready again`,
  },
};

function logSettled(log: Log, done: SettleResult["done"], phase: "startup" | "deadline"): void {
  for (const [outcome, { action, says }] of Object.entries(SETTLED)) {
    for (const env of done[outcome as keyof typeof done]) {
      log.info({ envId: env.id, action, phase, path: env.path }, says(env.id));
    }
  }
}

/** Resolves after `ms`, or at once when `work` settles first; true when it did. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}

/**
 * The long-lived process: timers at every deadline, the periodic reconciler, and the HTTP endpoints
 * (`GET /healthz` now; the Slack and GitHub endpoints join this same server).
 */
export async function startServer(options: {
  app: App;
  port: number;
  /** The address to listen on; default 127.0.0.1 (a reverse proxy in front exposes it). */
  host?: string;
  extensions?: readonly ServerExtension[];
}): Promise<RunningServer> {
  const { app } = options;
  const extensions = options.extensions ?? [];
  const { log, environments } = app;
  const stopping = new AbortController();
  // Deadlines and reconciler passes take turns, so two of them never work on one environment at once.
  const inTurn = createSerialQueue();
  let current: Promise<unknown> = Promise.resolve();
  const turn = <T>(task: () => Promise<T>): Promise<T> => {
    const run = inTurn(task);
    current = run.catch(() => undefined);
    return run;
  };

  // Many timers firing together (a start after a long stop) need one pass, not one each.
  let settleQueued = false;
  const settleSoon = () => {
    if (settleQueued || stopping.signal.aborted) return;
    settleQueued = true;
    void turn(async () => {
      settleQueued = false;
      // Each failure is logged where it happens (lifecycle.ts), once, with its next attempt.
      const { done } = await environments.settleDue(stopping.signal);
      logSettled(log, done, "deadline");
      await timers.sync();
    }).catch((error: unknown) => log.error({ action: "settle", err: error }, "settling due work failed"));
  };
  const timers: Timers = createTimers({ store: app.store, clock: app.clock, log, onDue: settleSoon });
  const reconcileAndSync = () =>
    turn(async (): Promise<ReconcileReport> => {
      const report = await environments.reconcile({ signal: stopping.signal });
      await timers.sync();
      return report;
    });

  // What expired while nothing ran is cleaned first, then every live environment gets its timer.
  // Dead claims (a serve killed mid-teardown, a provisioning killed) are finished here too: each is logged.
  logSettled(log, await reconcileAndSync(), "startup");
  // The app's one follower of the state file: changes from this process or another move the timers
  // and reach Slack and GitHub.
  const unfollow = app.onEnvChanges((changes, state) => {
    void timers.sync(state);
    for (const extension of extensions) extension.environmentsChanged?.(changes, state);
  });
  // Every read, not only environment changes: triage follows the bugs (closed or deleted anywhere).
  const unread = app.onStateRead((state) => {
    for (const extension of extensions) extension.stateRead?.(state);
  });
  await app.watchChanges();
  const reconciler = startReconciler({
    intervalMs: app.config.reconcileIntervalMs,
    clock: app.clock,
    log,
    reconcile: () =>
      reconcileAndSync().finally(() => {
        for (const extension of extensions) extension.reconciled?.();
      }),
  });
  const maintenance = startMaintenance({
    intervalMs: app.config.maintenanceIntervalMs,
    clock: app.clock,
    log,
    maintain: async () => {
      // What failed or killed git commands left goes first, so gc --auto then packs a clean mirror.
      logLeftovers(log, await clearLeftovers(app.envs));
      return maintainMirrors(app.git.withMirrorLock, app.config.cacheDir);
    },
  });

  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "GET" && path === "/healthz") {
      const pending = [...timers.pending().values()].sort((a, b) => a.getTime() - b.getTime());
      // A vanished or corrupt state file makes the server unhealthy, with the reason; its timers stay.
      const state = app.store.health();
      response.writeHead(state.ok ? 200 : 503, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          ok: state.ok,
          ...(state.ok ? {} : { code: state.code, error: state.error }),
          timers: pending.length,
          nextDeadline: pending[0]?.toISOString() ?? null,
        }),
      );
      return;
    }
    if (extensions.some((extension) => extension.handle?.(request, response))) return;
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ ok: false, error: `no route ${request.method} ${path}` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? DEFAULT_HOST, resolve);
  }).catch((error: unknown) => {
    // An address it cannot listen on ends serve: the file watch would otherwise keep the process alive.
    stopping.abort();
    reconciler.stop();
    timers.stop();
    unfollow();
    unread();
    throw error;
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;

  return {
    url: localUrl(options.host ?? DEFAULT_HOST, port),
    server,
    timers,
    reconciler,
    async idle() {
      for (let seen = current; ; seen = current) {
        await seen;
        if (seen === current && !settleQueued) return;
      }
    },
    async close() {
      const deadline = Date.now() + STOP_DEADLINE_MS;
      stopping.abort();
      reconciler.stop();
      maintenance.stop();
      timers.stop();
      unfollow();
      unread();
      // Requests already answered may have work after their ack (Slack messages): it gets the same grace.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The pass under way stops after the environment it is on; a teardown that takes longer is left
      // to its claim (this process's pid is gone after the exit, so the next start finishes it). Its
      // state writes are short and run to the end: the store's lock is only given up after the rename.
      // Both waits share one grace, so serve is gone within the 5 seconds a service manager allows.
      const finished = await settlesWithin(
        Promise.all([current, ...extensions.map((extension) => extension.stop?.())]),
        PASS_GRACE_MS,
      );
      // Slack or GitHub calls still waiting for an answer are ended: they would hold the exit up.
      for (const extension of extensions) extension.abortCalls?.();
      const still = runningChildren();
      if (!finished && still > 0) {
        // A git or Nix command that outlasts the grace (a slow disk, a held lock) is ended with what it
        // started; the pass then records nothing more than its claim, which the next start takes over.
        log.warn(
          { action: "end-children", count: still },
          `ending ${still} git or Nix command(s) still running; their environments are finished by the next serve, gc or cleanup`,
        );
        await endChildren(CHILD_END_MS);
        await settlesWithin(current, Math.max(0, Math.min(AFTER_END_MS, deadline - Date.now())));
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
