#!/usr/bin/env node
/** The `hms-env` command: the only reader of process.env. */
import { runCli } from "./cli/run.js";

const interrupt = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => interrupt.abort());

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
  interrupt: interrupt.signal,
});
process.exitCode = code;
