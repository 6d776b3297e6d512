import { isDeepStrictEqual } from "node:util";
import type { EnvRecord, StateData } from "./schema.js";

/** One environment whose record changed between two reads of the state file. */
export interface EnvChange {
  /** Undefined for an environment that was not in the earlier state. */
  before: EnvRecord | undefined;
  after: EnvRecord;
}

/**
 * The environments that differ between two states, in the order of the later state. Records that
 * vanished (pruned by retention) are not changes anyone acts on, so they are left out.
 */
export function diffEnvironments(before: StateData | undefined, after: StateData): EnvChange[] {
  const earlier = new Map((before?.environments ?? []).map((env) => [env.id, env]));
  const changes: EnvChange[] = [];
  for (const env of after.environments) {
    const previous = earlier.get(env.id);
    if (previous === undefined || !isDeepStrictEqual(previous, env))
      changes.push({ before: previous, after: env });
  }
  return changes;
}
