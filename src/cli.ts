#!/usr/bin/env node
/** The `hms-env` command. With main.ts, the only place that reads process.env. */
import { runCli } from "./cli/run.js";

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
