import { existsSync } from "node:fs";
import type { EnvRecord, StateData } from "./schema.js";

/** How long finished things stay in the state file, which every update rewrites whole. */
export interface Retention {
  /** Cleaned and failed environments (`retention.records`). */
  recordsMs: number;
  /** Slack event ids and GitHub delivery ids: retries and redeliveries come within hours. */
  deliveriesMs: number;
}

export const DELIVERY_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_RETENTION: Retention = {
  recordsMs: 30 * 24 * 60 * 60 * 1000,
  deliveriesMs: DELIVERY_RETENTION_MS,
};

export interface Pruned {
  records: number;
  deliveries: number;
}

/** When a finished record finished: its cleanup, else (a failure that never had a cleanup) its creation. */
function finishedAt(env: EnvRecord): number {
  return Date.parse(env.cleanedAt ?? env.createdAt);
}

/**
 * A record may go once it is old and nothing on disk still depends on it. A failed environment whose
 * folder is still there (its teardown failed too) stays: without the record, that folder would be an
 * orphan no one can explain.
 */
function expired(env: EnvRecord, cutoff: number, folderExists: (path: string) => boolean): boolean {
  if (env.status !== "cleaned" && env.status !== "failed") return false;
  if (!(finishedAt(env) < cutoff)) return false;
  return env.status === "cleaned" || env.path === "" || !folderExists(env.path);
}

/** Drops what retention allows, in place; entries whose time cannot be read are kept. */
export function pruneState(
  state: StateData,
  now: Date,
  retention: Retention,
  folderExists: (path: string) => boolean = existsSync,
): Pruned {
  const recordCutoff = now.getTime() - retention.recordsMs;
  const before = state.environments.length;
  state.environments = state.environments.filter((env) => !expired(env, recordCutoff, folderExists));
  const deliveryCutoff = now.getTime() - retention.deliveriesMs;
  const deliveriesBefore = state.deliveries.length;
  state.deliveries = state.deliveries.filter(
    (entry) => !(typeof entry.at === "string" && Date.parse(entry.at) < deliveryCutoff),
  );
  return {
    records: before - state.environments.length,
    deliveries: deliveriesBefore - state.deliveries.length,
  };
}
