import type { Config } from "../config/load.js";
import { CLI_ENTRY } from "../config/package-root.js";
import { createStore, type Store } from "../store/store.js";
import { createGit, type Git } from "./git.js";
import { createNix, type Nix } from "./nix.js";

/** What the environment services share; main.ts and cli.ts build it once. */
export interface EnvContext {
  config: Config;
  store: Store;
  git: Git;
  nix: Nix;
  now: () => Date;
  /** Absolute node and CLI entry that cleanup.sh calls back into. */
  runtime: { nodeBinary: string; cliEntry: string };
}

/** Progress of a long step, for people watching a terminal or a Slack thread. */
export type ProgressListener = (event: { step: string; detail: string; ms?: number }) => void;

export const CHECKOUT_DIR = "checkout";
export const META_DIR = ".hms-env";
export const META_FILE = "env.json";

/** The real services for a configuration: what the CLI, `serve`, the tests and the benchmarks all use. */
export function createEnvContext(
  config: Config,
  options: { path: string | undefined; now?: () => Date },
): EnvContext {
  return {
    config,
    store: createStore({ file: config.stateFile }),
    git: createGit(),
    nix: createNix({ path: options.path }),
    now: options.now ?? (() => new Date()),
    runtime: { nodeBinary: process.execPath, cliEntry: CLI_ENTRY },
  };
}
