import { userInfo } from "node:os";
import { type App, createApp } from "../app.js";
import { loadConfig } from "../config/load.js";
import { type Log, noLog } from "../envs/context.js";
import type { Exec } from "../envs/exec.js";
import { type ParsedArgs, stringOption } from "./command.js";
import type { CliIo } from "./io.js";

/** The app for `--config`, `$HMS_CONFIG` or the defaults: what every command takes its services from. */
export function appFor(args: ParsedArgs, io: CliIo, overrides: { log?: Log; exec?: Exec } = {}): App {
  const config = loadConfig({
    explicitPath: stringOption(args, "config"),
    envPath: io.env.HMS_CONFIG,
    cwd: io.cwd,
    home: io.env.HOME,
  });
  return createApp({
    config,
    env: io.env,
    clock: io.host.clock,
    log: overrides.log ?? noLog,
    self: io.host.self,
    nodeBinary: io.host.nodeBinary,
    ...(overrides.exec && { exec: overrides.exec }),
  });
}

/** Who is asking: `--owner`, else the login name. */
export function currentUser(io: CliIo): string {
  return io.env.USER ?? io.env.LOGNAME ?? userInfo().username;
}
