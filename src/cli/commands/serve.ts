import { HmsError } from "../../errors.js";
import { startServer } from "../../main.js";
import type { Command } from "../command.js";
import { environmentFor } from "../environment.js";

export const serveCommand: Command = {
  name: "serve",
  summary: "run the long-lived process: timers, reconciler, GET /healthz on $PORT",
  usage: `Usage: hms-env serve [--port N] [--config FILE]

Holds a timer at every environment's deadline, cleans what expired while it was stopped, reconciles
every schedule.reconcileInterval, and follows changes the hms-env command makes to the state file.
Port: --port, else $PORT, else 3000.`,
  options: { port: { type: "string" } },
  async run(args, io) {
    const portText = (args.values.port as string | undefined) ?? io.env.PORT ?? "3000";
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port > 65535) {
      throw new HmsError("INVALID_INPUT", `port "${portText}" is not a TCP port number (0-65535)`);
    }
    const context = environmentFor(args, io);
    const log = {
      info: (message: string) => io.err(`${new Date().toISOString()} ${message}`),
      error: (message: string) => io.err(`${new Date().toISOString()} error: ${message}`),
    };
    const running = await startServer({ context, port, log });
    io.err(`hms-env serve: listening on ${running.url} (state ${context.config.stateFile})`);
    const interrupt = io.interrupt;
    if (interrupt && !interrupt.aborted) {
      await new Promise<void>((resolve) =>
        interrupt.addEventListener("abort", () => resolve(), { once: true }),
      );
    }
    await running.close();
    return 0;
  },
};
