import { userInfo } from "node:os";
import { loadConfig } from "../config/load.js";
import { CLI_ENTRY } from "../config/package-root.js";
import type { EnvContext } from "../envs/context.js";
import { createGit } from "../envs/git.js";
import { createNix } from "../envs/nix.js";
import { createStore } from "../store/store.js";
import { type ParsedArgs, stringOption } from "./command.js";
import type { CliIo } from "./io.js";

/** Builds the services a command needs from `--config`, `$HMS_CONFIG` or the defaults. */
export function environmentFor(
  args: ParsedArgs,
  io: CliIo,
  overrides: { stateFile?: string; envRoot?: string } = {},
) {
  const config = loadConfig({
    explicitPath: stringOption(args, "config"),
    envPath: io.env.HMS_CONFIG,
    cwd: io.cwd,
  });
  if (overrides.stateFile) config.stateFile = overrides.stateFile;
  if (overrides.envRoot) config.envRoot = overrides.envRoot;
  const context: EnvContext = {
    config,
    store: createStore({ file: config.stateFile }),
    git: createGit(),
    nix: createNix({ path: io.env.PATH }),
    now: () => new Date(),
    runtime: { nodeBinary: process.execPath, cliEntry: CLI_ENTRY },
  };
  return context;
}

/** Who is asking: `--owner`, else the login name. */
export function currentUser(io: CliIo): string {
  return io.env.USER ?? io.env.LOGNAME ?? userInfo().username;
}
