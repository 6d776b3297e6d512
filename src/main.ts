import { createServer, type Server } from "node:http";
import type { EnvContext } from "./envs/context.js";
import { expireDue, reconcile, type TakeDownFailure } from "./envs/reconcile.js";
import type { Log } from "./log.js";
import { type Reconciler, startReconciler } from "./schedule/reconciler.js";
import { createTimers, type Timers } from "./schedule/timers.js";
import { createSerialQueue } from "./serial-queue.js";

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
  close(): Promise<void>;
}

/**
 * The long-lived process: timers at every deadline, the periodic reconciler, and the HTTP endpoints
 * (`GET /healthz` now; the Slack and GitHub endpoints join this same server).
 */
export async function startServer(options: {
  context: EnvContext;
  port: number;
  /** The address to listen on; default 127.0.0.1 (a reverse proxy in front exposes it). */
  host?: string;
  log: Log;
}): Promise<RunningServer> {
  const { context, log } = options;
  // Deadlines and reconciler passes take turns, so two of them never work on one environment at once.
  const inTurn = createSerialQueue();
  const logFailures = (failures: readonly TakeDownFailure[]) => {
    for (const failure of failures) {
      log.error(
        { envId: failure.id, action: "cleanup", error: failure.error },
        `could not clean ${failure.id}: ${failure.error}`,
      );
    }
  };
  const timers: Timers = createTimers({
    store: context.store,
    log,
    onDeadline: () =>
      inTurn(async () => {
        const { done, failures } = await expireDue(context);
        for (const env of done) {
          log.info({ envId: env.id, action: "expire", path: env.path }, `expired and cleaned ${env.id}`);
        }
        logFailures(failures);
        // The deadline may have moved (an extension not yet seen): arm the timer again at the new one.
        await timers.sync();
      }),
  });
  const reconcileAndSync = () =>
    inTurn(async () => {
      const report = await reconcile(context);
      logFailures(report.failures);
      await timers.sync();
      return report;
    });

  // What expired while nothing ran is cleaned first, then every live environment gets its timer.
  const startup = await reconcileAndSync();
  for (const env of startup.expired) {
    log.info({ envId: env.id, action: "expire", path: env.path }, `expired while stopped, cleaned ${env.id}`);
  }
  timers.followStateFile();
  const reconciler = startReconciler({
    intervalMs: context.config.reconcileIntervalMs,
    log,
    reconcile: reconcileAndSync,
  });

  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "GET" && path === "/healthz") {
      const pending = [...timers.pending().values()].sort((a, b) => a.getTime() - b.getTime());
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ ok: true, timers: pending.length, nextDeadline: pending[0]?.toISOString() ?? null }),
      );
      return;
    }
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ ok: false, error: `no route ${request.method} ${path}` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? DEFAULT_HOST, resolve);
  }).catch((error: unknown) => {
    // An address it cannot listen on ends serve: the file watch would otherwise keep the process alive.
    reconciler.stop();
    timers.stop();
    throw error;
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;

  return {
    url: localUrl(options.host ?? DEFAULT_HOST, port),
    server,
    timers,
    reconciler,
    async close() {
      reconciler.stop();
      timers.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
