import { userInfo } from "node:os";
import { loadConfig } from "../config/load.js";
import { createEnvContext, type Log } from "../envs/context.js";
import { type ParsedArgs, stringOption } from "./command.js";
import type { CliIo } from "./io.js";

/** Builds the services a command needs from `--config`, `$HMS_CONFIG` or the defaults. */
export function environmentFor(args: ParsedArgs, io: CliIo, overrides: { log?: Log } = {}) {
  const config = loadConfig({
    explicitPath: stringOption(args, "config"),
    envPath: io.env.HMS_CONFIG,
    cwd: io.cwd,
    home: io.env.HOME,
  });
  return createEnvContext(config, {
    path: io.env.PATH,
    nixConfig: io.env.NIX_CONFIG,
    clock: io.host.clock,
    self: io.host.self,
    nodeBinary: io.host.nodeBinary,
    ...(overrides.log && { log: overrides.log }),
  });
}

/** Who is asking: `--owner`, else the login name. */
export function currentUser(io: CliIo): string {
  return io.env.USER ?? io.env.LOGNAME ?? userInfo().username;
}
