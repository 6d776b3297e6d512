import type { Clock } from "../clock.js";
import type { Config } from "../config/load.js";
import { CLI_ENTRY } from "../config/package-root.js";
import type { Log as PinoLog } from "../log.js";
import { DEFAULT_RETENTION } from "../store/retention.js";
import { createStore, type Store } from "../store/store.js";
import type { ProcessIdentity } from "./claims.js";
import { createGit, type Git } from "./git.js";
import { createNix, type Nix } from "./nix.js";

/**
 * What the lifecycle logs through: the levels of serve's pino logger (src/log.ts), always called as
 * (fields with `envId` and `action`, message). A type only, so commands that log nothing never load pino.
 */
export type Log = Pick<PinoLog, "debug" | "info" | "warn" | "error">;

/** A log that drops everything: for one-shot commands that report through their output instead. */
export const noLog: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** What the environment services share; createApp builds it once. */
export interface EnvContext {
  config: Config;
  store: Store;
  git: Git;
  nix: Nix;
  clock: Clock;
  /** This process, as its claims name it. */
  self: ProcessIdentity;
  log: Log;
  /** Absolute node and CLI entry that cleanup.sh calls back into. */
  runtime: { nodeBinary: string; cliEntry: string };
}

/** Progress of a long step, for people watching a terminal or a Slack thread. */
export type ProgressListener = (event: { step: string; detail: string; ms?: number }) => void;

export const CHECKOUT_DIR = "checkout";
export const META_DIR = ".hms-env";
export const META_FILE = "env.json";

export interface EnvContextOptions {
  /** PATH, where nix-instantiate is looked for. */
  path: string | undefined;
  clock: Clock;
  self: ProcessIdentity;
  log?: Log;
  /** The caller's own NIX_CONFIG, which the configured binary caches are added to. */
  nixConfig?: string | undefined;
  /** The node binary cleanup.sh calls back into. */
  nodeBinary: string;
}

/** The real services for a configuration. */
export function createEnvContext(config: Config, options: EnvContextOptions): EnvContext {
  return {
    config,
    store: createStore({
      file: config.stateFile,
      now: () => options.clock.now(),
      retention: { ...DEFAULT_RETENTION, recordsMs: config.retention.recordsMs },
    }),
    git: createGit(),
    nix: createNix({ path: options.path, settings: config.nix, inheritedNixConfig: options.nixConfig }),
    clock: options.clock,
    self: options.self,
    log: options.log ?? noLog,
    runtime: { nodeBinary: options.nodeBinary, cliEntry: CLI_ENTRY },
  };
}
