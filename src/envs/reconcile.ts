import { readFileSync } from "node:fs";
import { describeError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import type { EnvContext } from "./context.js";
import { INTERRUPTED, type Moment, momentOf, type TakeDown, takeDown } from "./lifecycle.js";
import { findMarker, metadataFile } from "./metadata.js";
import { holdsFolder, transition } from "./transitions.js";

/** One environment that could not be taken down; the others go on. */
export interface TakeDownFailure {
  id: string;
  error: string;
}

/** A cleanup that failed before and waits for its next attempt. */
export interface WaitingCleanup {
  id: string;
  attempts: number;
  lastError: string;
  nextAttemptAt: string;
  needsAttention: boolean;
}

export interface ReconcileReport {
  expired: EnvRecord[];
  /** Ready records whose folder was gone: now marked cleaned. */
  missing: EnvRecord[];
  /** Provisionings whose process died: taken down and marked failed. */
  abandoned: EnvRecord[];
  /**
   * Provisionings whose process is gone but whose folder's own mark says the build finished (a state
   * file restored from its backup, one write behind): ready again, never torn down.
   */
  revived: EnvRecord[];
  /** Cleanups finished now: retries that were due, and claims whose holder died. */
  resumed: EnvRecord[];
  /** Cleanups that failed before and are not due yet. */
  waiting: WaitingCleanup[];
  /** Folders under the env root that carry hms-env's mark and that no live record owns. */
  orphans: string[];
  /** Folders named like environments without hms-env's mark: never removed, only reported. */
  unmarked: string[];
  /** Marked folders of another state file (or of an older hms-env): never removed, only reported. */
  foreign: string[];
  removedOrphans: string[];
  failures: TakeDownFailure[];
}

type Outcome = "expired" | "missing" | "abandoned" | "resumed" | "revived";

/**
 * The record the folder's `.hms-env/env.json` holds when it says this environment finished its build:
 * the mark is rewritten as the record turns ready, so it can be one write ahead of a restored state file.
 */
function finishedPerMark(env: EnvRecord): EnvRecord | undefined {
  if (env.path === "") return undefined;
  const marker = findMarker(env.path);
  if (marker?.id !== env.id || marker.path !== env.path) return undefined;
  try {
    // The mark's copy of the record (findMarker keeps only what names the folder).
    const { record } = JSON.parse(readFileSync(metadataFile(env.path), "utf8")) as { record?: EnvRecord };
    return record?.id === env.id && record.status === "ready" ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the reconciler does with an environment now, if anything. The same judgement runs again under
 * the lock (as the take-down's rule), so a change another process made meanwhile wins.
 */
export function dueAction(env: EnvRecord, moment: Moment): Outcome | undefined {
  const now = moment.now.getTime();
  switch (env.status) {
    case "ready":
      if (Date.parse(env.expiresAt) <= now) return "expired";
      return moment.exists(env) ? undefined : "missing";
    case "provisioning":
      if (!moment.claimIsDead(env)) return undefined;
      return moment.exists(env) && finishedPerMark(env) ? "revived" : "abandoned";
    case "cleaning":
      if (env.claim) return moment.claimIsDead(env) ? "resumed" : undefined;
      return Date.parse(env.nextAttemptAt ?? "") > now ? undefined : "resumed";
    default:
      return undefined;
  }
}

const REASONS: Record<Outcome, TakeDown["reason"]> = {
  expired: "expired",
  missing: "missing",
  abandoned: "failed",
  resumed: "expired",
  revived: "expired",
};

function takeDownFor(outcome: Outcome, signal: AbortSignal | undefined): TakeDown {
  return {
    reason: REASONS[outcome],
    actor: "hms-env",
    ...(signal && { stopping: signal }),
    rule: (env, moment) => (dueAction(env, moment) === outcome ? "take" : "skip"),
    ...(outcome === "abandoned" && { failure: INTERRUPTED }),
  };
}

export interface SettleResult {
  done: Record<Outcome, EnvRecord[]>;
  failures: TakeDownFailure[];
}

/**
 * Does everything that is due: expired environments, vanished folders, claims whose holder died,
 * cleanups whose next attempt has come. One at a time; one that fails is recorded with its next attempt
 * and never stands in the way of the rest. Stops between environments once `signal` is aborted.
 */
export async function settleDue(context: EnvContext, signal?: AbortSignal): Promise<SettleResult> {
  const { environments } = await context.store.read();
  const moment = momentOf(context);
  const result: SettleResult = {
    done: { expired: [], missing: [], abandoned: [], resumed: [], revived: [] },
    failures: [],
  };
  for (const env of environments) {
    if (signal?.aborted) break;
    const outcome = dueAction(env, moment);
    if (outcome === undefined) continue;
    try {
      const done =
        outcome === "revived"
          ? await revive(context, env.id)
          : await takeDown(context, env.id, takeDownFor(outcome, signal));
      if (done) result.done[outcome].push(done);
    } catch (error) {
      result.failures.push({ id: env.id, error: describeError(error) });
    }
  }
  return result;
}

/**
 * Puts a finished environment back to ready, under the lock and only if it is still the same dead
 * provisioning: what its build learnt (commit, shell, nixpkgs) comes from the folder's mark.
 */
async function revive(context: EnvContext, id: string): Promise<EnvRecord | null> {
  return context.store.update((state) => {
    const stored = state.environments.find((env) => env.id === id);
    if (stored === undefined || dueAction(stored, momentOf(context)) !== "revived") return null;
    const marked = finishedPerMark(stored) as EnvRecord;
    transition(
      stored,
      "ready",
      "its folder's mark says its build finished (the state file was one write behind)",
    );
    delete stored.claim;
    for (const key of ["commit", "shell", "nixpkgs"] as const) {
      if (marked[key] !== undefined) Object.assign(stored, { [key]: marked[key] });
    }
    return { ...stored };
  });
}

/** When the reconciler has something to do for an environment next, for the timers; undefined: nothing. */
export function nextDue(env: EnvRecord): Date | undefined {
  if (env.status === "ready") return new Date(env.expiresAt);
  if (env.status === "cleaning" && env.claim === undefined) return new Date(env.nextAttemptAt ?? 0);
  if (env.status === "provisioning" || env.status === "cleaning") {
    // A holder on another host is checked when its lease ends (this host's dead ones by the reconciler).
    return env.claim ? new Date(env.claim.leaseUntil) : undefined;
  }
  return undefined;
}

function waitingCleanups(environments: readonly EnvRecord[]): WaitingCleanup[] {
  return environments
    .filter((env) => env.status === "cleaning" && env.claim === undefined && env.nextAttemptAt !== undefined)
    .map((env) => ({
      id: env.id,
      attempts: env.attempts ?? 0,
      lastError: env.lastError ?? "",
      nextAttemptAt: env.nextAttemptAt as string,
      needsAttention: env.needsAttentionAt !== undefined,
    }));
}

/** Catches what a timer missed, what a dead process left, and what people did by hand. */
export async function reconcile(
  context: EnvContext,
  options: { removeOrphans?: boolean; signal?: AbortSignal } = {},
): Promise<ReconcileReport> {
  const settled = await settleDue(context, options.signal);
  // The folders are listed after the records are read again, and young ones are left alone, so a
  // provisioning that reserves its folder meanwhile is never mistaken for an orphan.
  const { environments } = await context.store.read();
  const { runner } = context;
  const { orphans, unmarked, foreign } = runner.strays(environments.filter(holdsFolder), context.clock.now());
  const removal = options.removeOrphans
    ? await runner.removeStrays(orphans, environments)
    : { removed: [], failures: [] };
  return {
    ...settled.done,
    waiting: waitingCleanups(environments),
    orphans,
    unmarked,
    foreign,
    removedOrphans: removal.removed,
    failures: [...settled.failures, ...removal.failures],
  };
}
