import { createServer, type Server } from "node:http";
import type { EnvContext } from "./envs/context.js";
import { expireDue, reconcile, type TakeDownFailure } from "./envs/reconcile.js";
import { type Reconciler, startReconciler } from "./schedule/reconciler.js";
import { createTimers, type TimerLog, type Timers } from "./schedule/timers.js";
import { createSerialQueue } from "./serial-queue.js";

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
  host?: string;
  log: TimerLog;
}): Promise<RunningServer> {
  const { context, log } = options;
  // Deadlines and reconciler passes take turns, so two of them never work on one environment at once.
  const inTurn = createSerialQueue();
  const logFailures = (failures: readonly TakeDownFailure[]) => {
    for (const failure of failures) log.error(`could not clean ${failure.id}: ${failure.error}`);
  };
  const timers: Timers = createTimers({
    store: context.store,
    log,
    onDeadline: () =>
      inTurn(async () => {
        const { done, failures } = await expireDue(context);
        for (const env of done) log.info(`expired and cleaned ${env.id} (${env.path})`);
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
  for (const env of startup.expired) log.info(`expired while stopped, cleaned ${env.id}`);
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
    server.listen(options.port, options.host ?? "0.0.0.0", resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;

  return {
    url: `http://127.0.0.1:${port}`,
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
