import type { CleanReason, EnvRecord } from "../store/schema.js";
import type { EnvContext, ProgressListener } from "./context.js";
import {
  cleanupEnvironment,
  type ExtendedRecord,
  extendEnvironment,
  findEnvironment,
  listEnvironments,
} from "./lifecycle.js";
import type { ProvisionRequest } from "./plan.js";
import { provision } from "./provision.js";
import { type ReconcileReport, reconcile, type SettleResult, settleDue } from "./reconcile.js";

/**
 * The environment lifecycle as the CLI, `serve`, Slack and GitHub use it. Every status change goes
 * through the transition table (transitions.ts) on the stored record, under the state lock.
 */
export interface Environments {
  /** Makes an environment: ready, or a coded error with nothing left behind. */
  provision(
    request: ProvisionRequest,
    options?: { progress?: ProgressListener; signal?: AbortSignal },
  ): Promise<EnvRecord>;
  /** A later deadline for a ready environment (`capped` when limits.maxTimeout cut it short). */
  extend(key: string, duration: string, actor: string): Promise<ExtendedRecord>;
  /** Removes it now (idempotent); finishes a dead holder's job; refuses while a live one works on it. */
  cleanup(key: string, reason: CleanReason, actor: string): Promise<EnvRecord>;
  /** By id, unique id prefix, or folder. */
  find(key: string): Promise<EnvRecord>;
  /** Those still holding a folder; `all`: every record. */
  list(options?: { all?: boolean }): Promise<EnvRecord[]>;
  /** Whatever is due now: expiries, retries, dead claims, vanished folders; orphans reported (or removed). */
  reconcile(options?: { removeOrphans?: boolean; signal?: AbortSignal }): Promise<ReconcileReport>;
  /** The due part of reconcile alone, as the timers need it. */
  settleDue(signal?: AbortSignal): Promise<SettleResult>;
}

export function createEnvironments(context: EnvContext): Environments {
  return {
    provision: (request, options) => provision(context, request, options),
    extend: (key, duration, actor) => extendEnvironment(context, key, duration, actor),
    cleanup: (key, reason, actor) => cleanupEnvironment(context, key, reason, actor),
    find: (key) => findEnvironment(context, key),
    list: (options) => listEnvironments(context, options),
    reconcile: (options) => reconcile(context, options),
    settleDue: (signal) => settleDue(context, signal),
  };
}
