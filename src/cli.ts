#!/usr/bin/env node
/** The `hms-env` command: the only reader of process.env. */
import { runCli } from "./cli/run.js";

// The first Ctrl-C asks the command to stop cleanly, a second one ends it at once. The listener stays
// installed (not `once`): execa's exit hook re-raises a signal that nobody else is listening for.
const interrupt = new AbortController();
const onSignal = () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
  interrupt: interrupt.signal,
});
process.exitCode = code;
