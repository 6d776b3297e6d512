import { createServer, type Server } from "node:http";
import type { EnvContext } from "./envs/context.js";
import { expireDue, reconcile } from "./envs/lifecycle.js";
import { type Reconciler, startReconciler } from "./schedule/reconciler.js";
import { createTimers, type TimerLog, type Timers } from "./schedule/timers.js";

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
  const timers: Timers = createTimers({
    store: context.store,
    log,
    async onDeadline() {
      const cleaned = await expireDue(context);
      for (const env of cleaned) log.info(`expired and cleaned ${env.id} (${env.path})`);
      // The deadline may have moved (an extension not yet seen): arm the timer again at the new one.
      await timers.sync();
    },
  });

  // What expired while nothing ran is cleaned first, then every live environment gets its timer.
  const startup = await reconcile(context);
  for (const env of startup.expired) log.info(`expired while stopped, cleaned ${env.id}`);
  await timers.sync();
  timers.followStateFile();
  const reconciler = startReconciler({
    intervalMs: context.config.reconcileIntervalMs,
    log,
    reconcile: async () => {
      const report = await reconcile(context);
      await timers.sync();
      return report;
    },
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
