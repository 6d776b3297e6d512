/**
 * Limits on the long steps of a provisioning: a git fetch from a remote that accepts and never answers,
 * or a Nix build that never ends, must fail with a message that says what to do, not hold the mirror
 * lock (and every other provisioning of the repository) forever.
 */
import ms from "ms";
import { HmsError } from "../errors.js";
import type { Exec, ExecOptions, ExecResult } from "./exec.js";

export type { StepTimeouts } from "../config/load.js";

/** The `timeouts` keys of the configuration, by step. */
export const TIMEOUT_KEYS = {
  fetch: "timeouts.fetch",
  checkout: "timeouts.checkout",
  build: "timeouts.build",
  stall: "timeouts.stall",
} as const;

/** git's http.lowSpeedLimit: a transfer slower than this for `stallMs` is a stalled one. */
export const STALL_BYTES_PER_SECOND = 1000;

/** What a failed step says: its name, what it worked on, and the fix. */
export interface StepDescription {
  /** "fetch of branch \"main\" from https://..." */
  what: string;
  /** The configuration key of its time limit. */
  key: string;
  limitMs: number;
  /** What to check or change. */
  fix: string;
}

/** A step that ran past its limit, or (given `stalled`, what the program said) stopped making progress. */
export function stepTimedOut(step: StepDescription, stalled?: string): HmsError {
  const how = stalled === undefined ? "was stopped" : `stalled (${stalled})`;
  return new HmsError(
    "STEP_TIMEOUT",
    `${step.what} ${how} after ${ms(step.limitMs)} (${step.key}): ${step.fix}, or raise ${step.key} in the configuration`,
  );
}

/**
 * `exec` with one time limit over every run made through it, from its first run: a step of several
 * commands (nix-instantiate, then nix-store --realise) shares one budget, and waiting for a lock before
 * the first one does not use it up. Each run's options may add variables (`env`).
 */
export function execWithin(exec: Exec, limitMs: number, env: ExecOptions["env"] = {}): Exec {
  let deadline: number | undefined;
  return (file, args, options = {}) => {
    deadline ??= performance.now() + limitMs;
    const timeoutMs = Math.max(1, Math.round(deadline - performance.now()));
    return exec(file, args, { ...options, env: { ...env, ...options.env }, timeoutMs });
  };
}

/** Whether a run was ended for its time limit. */
export const timedOut = (result: ExecResult): boolean => result.timedOut === true;
