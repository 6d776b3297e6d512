import { HmsError } from "../errors.js";
import type { EnvRecord, EnvStatus } from "../store/schema.js";

/**
 * Every status change an environment may make, and nothing else:
 *
 *   provisioning -> ready      its build finished
 *   provisioning -> failed     it failed before anything was made (nothing to take down)
 *   provisioning -> cleaning   it failed or was interrupted after its folder was reserved, or its
 *                              process died: what it made is taken down, then it ends failed
 *   ready        -> cleaning   a cleanup was asked for, it expired, its PR merged, its folder vanished
 *   failed       -> cleaning   a failed one that still left something behind is taken down
 *   cleaning     -> cleaning   a retry, or a new holder taking over a claim whose holder died
 *   cleaning     -> cleaned    taken down
 *   cleaning     -> failed     taken down, after a provisioning that never finished
 *
 * `cleaned` is final. Every change is made inside a state-file update, on the record as stored.
 */
export const TRANSITIONS: Readonly<Record<EnvStatus, readonly EnvStatus[]>> = {
  provisioning: ["ready", "failed", "cleaning"],
  ready: ["cleaning"],
  failed: ["cleaning"],
  cleaning: ["cleaning", "cleaned", "failed"],
  cleaned: [],
};

export function canTransition(from: EnvStatus, to: EnvStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Changes the stored record's status, or throws INVALID_TRANSITION naming both ends and why it was tried. */
export function transition(env: EnvRecord, to: EnvStatus, why: string): void {
  if (!canTransition(env.status, to)) {
    throw new HmsError(
      "INVALID_TRANSITION",
      `environment ${env.id} is ${env.status} and cannot become ${to} (${why})`,
    );
  }
  env.status = to;
}

/** Environments in use or still holding their folder: shown by `list`, never taken for orphans. */
export const holdsFolder = (env: EnvRecord) =>
  env.status === "ready" || env.status === "provisioning" || env.status === "cleaning";

/**
 * What counts toward `limits.maxEnvsPerOwner`: environments being made or in use. One being cleaned up,
 * even one whose cleanup keeps failing, was already given up by its owner and is an operator's problem
 * (it is flagged for a person), so it never blocks its owner from working.
 */
export const countsTowardLimit = (env: EnvRecord) => env.status === "ready" || env.status === "provisioning";
