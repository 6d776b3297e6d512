import type { Clock } from "../clock.js";
import type { Config } from "../config/load.js";
import type { Log as PinoLog } from "../log.js";
import type { Store } from "../store/store.js";
import type { ProcessIdentity } from "./claims.js";
import type { Git } from "./git.js";
import type { Nix } from "./nix.js";
import type { Runner, StateStore } from "./ports.js";

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

/** What the environment services share; createApp (src/app.ts) builds it once. */
export interface EnvContext {
  config: Config;
  /** The state file: the lifecycle uses only its StateStore port, the bug and delivery code the rest. */
  store: Store & StateStore;
  runner: Runner;
  /** For what is git's own business beyond one environment: the doctor's checks, pruning mirrors. */
  git: Git;
  /** For what is Nix's own business beyond one environment: `hms-env warm`, the doctor. */
  nix: Nix;
  clock: Clock;
  /** This process, as its claims name it. */
  self: ProcessIdentity;
  log: Log;
}

/**
 * Progress of a long step, for people watching a terminal or a Slack thread: one event when the step is
 * done (`ms` its time), and before that, while it runs long, `running` ones with the time so far.
 */
export type ProgressListener = (event: ProgressEvent) => void;

export interface ProgressEvent {
  step: string;
  detail: string;
  ms?: number;
  /** The step is still running (`ms` so far); a later event of the same step replaces it. */
  running?: boolean;
}

export const CHECKOUT_DIR = "checkout";
export const META_DIR = ".hms-env";
export const META_FILE = "env.json";
/** The environment's Nix GC roots, relative to its folder: `shell` (the one root) and, while it is built, `shell.drv`. */
export const GC_ROOT_DIR = `${META_DIR}/gcroots`;
