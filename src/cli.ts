#!/usr/bin/env node
/** The `hms-env` command: the only reader of process.env, process.pid and the host name. */
import { hostname } from "node:os";
import { runCli, STOP_SIGNALS } from "./cli/run.js";
import { signalChildren } from "./envs/child-processes.js";
import { processIsAlive } from "./envs/claims.js";
import { systemClock } from "./schedule/system-clock.js";
import { currentProcessFacts } from "./store/lock-holder.js";

// The first SIGINT, SIGTERM or SIGHUP (a closed terminal) asks the command to stop cleanly, a second one
// ends it at once. The listeners stay installed (not `once`): execa's exit hook re-raises a signal that
// nobody else is listening for.
const interrupt = new AbortController();
for (const [signal, number] of Object.entries(STOP_SIGNALS)) {
  process.on(signal, () => {
    if (interrupt.signal.aborted) process.exit(128 + number);
    interrupt.abort(signal);
  });
}
// git and Nix run in process groups of their own: what is still running when the command exits is
// ended with it, as execa does for children in the command's own group.
process.on("exit", () => signalChildren("SIGTERM"));
// After SIGHUP the terminal is gone and writing to it fails (EIO, EPIPE): that must not stop a rollback.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
  host: {
    self: { pid: process.pid, host: hostname(), ...currentProcessFacts(), isAlive: processIsAlive },
    clock: systemClock(),
    nodeBinary: process.execPath,
  },
  interrupt: interrupt.signal,
});
process.exitCode = code;
// A command that was stopped may leave work behind that keeps Node running (a child process, a timer):
// its claim says so and another process finishes it, so the exit is not held up for it.
setTimeout(() => process.exit(code), 1000).unref();
