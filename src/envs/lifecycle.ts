import { describeError, HmsError, isHmsError } from "../errors.js";
import type { Claim, CleanReason, EnvRecord, StateData } from "../store/schema.js";
import { claimIsDead, describeClaim, isOwnClaim, keepClaim, newClaim, retryDelay } from "./claims.js";
import type { EnvContext } from "./context.js";
import { extension } from "./plan.js";
import { holdsFolder, transition } from "./transitions.js";

/** A prefix shorter than this never picks an environment on its own: `e` must not clean the only one. */
const MIN_PREFIX = 4;
/** How many candidates an ambiguous prefix names. */
const SHOWN_CANDIDATES = 10;

/** An id, a unique id prefix, or the environment's folder (absolute or its name). */
export function findIn(state: StateData, key: string): EnvRecord {
  const exact = state.environments.find(
    (env) => env.id === key || (env.path !== "" && (env.path === key || env.path.endsWith(`/${key}`))),
  );
  if (exact) return exact;
  const byPrefix = key === "" ? [] : state.environments.filter((env) => env.id.startsWith(key));
  if (byPrefix.length === 1 && byPrefix[0] && key.length >= MIN_PREFIX) return byPrefix[0];
  if (byPrefix.length > 1) {
    const shown = byPrefix.slice(0, SHOWN_CANDIDATES).map((env) => `${env.id} (${env.status})`);
    const more = byPrefix.length > SHOWN_CANDIDATES ? `, and ${byPrefix.length - SHOWN_CANDIDATES} more` : "";
    throw new HmsError(
      "AMBIGUOUS_ID",
      `"${key}" is ambiguous: it matches ${byPrefix.length} environments: ${shown.join(", ")}${more}; give more of the id`,
    );
  }
  if (byPrefix.length === 1) {
    throw new HmsError(
      "INVALID_INPUT",
      `"${key}" is too short to name an environment: give at least ${MIN_PREFIX} characters of the id (\`hms-env list\` shows them)`,
    );
  }
  throw new HmsError("NOT_FOUND", `no environment "${key}": \`hms-env list\` shows the ids`);
}

export async function findEnvironment(context: EnvContext, key: string): Promise<EnvRecord> {
  return findIn(await context.store.read(), key);
}

/** The environments that still hold a folder (`all`: every record, cleaned and failed ones too). */
export async function listEnvironments(context: EnvContext, options: { all?: boolean } = {}) {
  const state = await context.store.read();
  return state.environments.filter((env) => options.all || holdsFolder(env));
}

/** An extended environment; `capped` when limits.maxTimeout cut the extension short of what was asked for. */
export type ExtendedRecord = EnvRecord & { capped?: true };

export async function extendEnvironment(
  context: EnvContext,
  key: string,
  durationText: string,
  actor: string,
): Promise<ExtendedRecord> {
  const { config, store } = context;
  return store.update((state) => {
    const env = findIn(state, key);
    if (env.status !== "ready") {
      throw new HmsError(
        "INVALID_INPUT",
        `environment ${env.id} is ${env.status}; only a ready one can be extended`,
      );
    }
    const now = context.clock.now();
    const { deadline, capped } = extension(new Date(env.expiresAt), now, durationText, {
      minMs: config.timeouts.minMs,
      maxMs: config.timeouts.maxMs,
    });
    env.expiresAt = deadline.toISOString();
    state.audit.push({
      at: now.toISOString(),
      actor,
      action: "extend",
      target: env.id,
      detail: capped ? `${env.expiresAt} (capped at limits.maxTimeout)` : env.expiresAt,
    });
    return { ...env, ...(capped && { capped: true as const }) };
  });
}

/** What a rule may ask about the moment it decides in. */
export interface Moment {
  now: Date;
  /** Whether the environment's claim has no live holder (src/envs/claims.ts). */
  claimIsDead(env: EnvRecord): boolean;
  /** Whether its workspace is still there (the runner looks). */
  exists(env: EnvRecord): boolean;
}

/**
 * Whether an environment is to be taken down now, judged on the record as stored, under the lock:
 * "take" claims it, "skip" leaves it (it no longer qualifies: extended, cleaned meanwhile), a thrown
 * error tells the caller why not.
 */
export type TakeDownRule = (env: EnvRecord, moment: Moment) => "take" | "skip";

export interface TakeDown {
  /** Recorded when the cleanup starts; a retry or a take-over keeps the first reason. */
  reason: CleanReason;
  actor: string;
  rule: TakeDownRule;
  /** The failure a provisioning taken down is recorded with (it ends `failed`, not `cleaned`). */
  failure?: string;
  /**
   * Aborted when the process is stopping (serve ends the git and Nix commands of its pass after a
   * grace). A teardown that fails then is not counted as a failed attempt, with a backoff: it was cut
   * short on purpose, and its claim, dead once this process exits, is taken over at once by the next
   * serve, gc or cleanup.
   */
  stopping?: AbortSignal;
}

export const INTERRUPTED = "interrupted: provisioning never finished";

export function momentOf(context: EnvContext): Moment {
  const now = context.clock.now();
  const leaseMs = context.config.cleanup.claimLeaseMs;
  return {
    now,
    claimIsDead: (env) => claimIsDead(env, context.self, now, leaseMs),
    exists: (env) => context.runner.exists(env),
  };
}

/**
 * A person's cleanup. It finishes whatever a dead process left (a provisioning or a cleanup whose holder
 * is gone), retries a cleanup waiting for its next attempt at once, and refuses only while a live
 * process is working on the environment.
 */
export const manualRule: TakeDownRule = (env, moment) => {
  if (env.status === "cleaned") return "skip";
  if ((env.status === "provisioning" || env.status === "cleaning") && env.claim && !moment.claimIsDead(env)) {
    const what = env.status === "provisioning" ? "still being provisioned" : "being cleaned up already";
    throw new HmsError(
      "INVALID_TRANSITION",
      `environment ${env.id} is ${what} by ${describeClaim(env.claim)}; try again when it is done`,
    );
  }
  return "take";
};

/** Starts (or resumes) the cleanup of the stored record and makes this process its holder. */
function startCleaning(env: EnvRecord, how: TakeDown, claim: Claim): void {
  if (env.status === "provisioning" && env.failure === undefined) env.failure = how.failure ?? INTERRUPTED;
  const resuming = env.status === "cleaning";
  transition(env, "cleaning", resuming ? "retrying its cleanup" : `cleanup (${how.reason})`);
  if (!resuming) env.cleanReason = how.reason;
  env.claim = claim;
  delete env.nextAttemptAt;
}

/** Claims the environment for cleanup under the lock; null when the rule skips it. */
async function claimForCleanup(context: EnvContext, key: string, how: TakeDown) {
  return context.store.update((state) => {
    const env = findIn(state, key);
    const moment = momentOf(context);
    if (how.rule(env, moment) === "skip") return null;
    const claim = newClaim(
      context.self,
      moment.now,
      context.config.cleanup.claimLeaseMs,
      (env.attempts ?? 0) + 1,
    );
    startCleaning(env, how, claim);
    return { env: { ...env }, claim };
  });
}

/** Renews the lease of a claim while this process holds it. */
export function holdClaim(context: EnvContext, id: string, claim: Claim) {
  return keepClaim(context.clock, context.config.cleanup.claimLeaseMs, (leaseUntil) =>
    context.store
      .update((state) => {
        const stored = state.environments.find((env) => env.id === id);
        if (stored?.claim && isOwnClaim(stored.claim, claim)) stored.claim.leaseUntil = leaseUntil;
      })
      .catch((error: unknown) =>
        context.log.warn(
          { envId: id, action: "renew-claim", err: error },
          `could not renew the claim on ${id}`,
        ),
      ),
  );
}

/** The end of a cleanup: cleaned, or failed for a provisioning that never finished. */
async function finishCleaning(context: EnvContext, id: string, claim: Claim, how: TakeDown) {
  return context.store.update((state) => {
    const stored = findIn(state, id);
    // Taken over meanwhile (this holder was frozen past its lease): the new holder records the end.
    if (!isOwnClaim(stored.claim, claim)) return { ...stored };
    const at = context.clock.now().toISOString();
    transition(stored, stored.failure === undefined ? "cleaned" : "failed", "its cleanup finished");
    stored.cleanedAt = at;
    delete stored.claim;
    delete stored.lastError;
    state.audit.push({
      at,
      actor: how.actor,
      action: "cleanup",
      target: stored.id,
      detail: stored.cleanReason,
    });
    return { ...stored };
  });
}

/**
 * A failed attempt: the environment stays `cleaning` with nobody holding it, and says why and when the
 * next try is (exponential backoff, capped). At cleanup.maxAttempts it is flagged for a person, once.
 */
async function recordFailedAttempt(context: EnvContext, id: string, claim: Claim, error: unknown) {
  const { cleanup } = context.config;
  return context.store.update((state) => {
    const stored = findIn(state, id);
    if (!isOwnClaim(stored.claim, claim)) return { env: { ...stored }, flagged: false };
    const now = context.clock.now();
    stored.attempts = claim.attempt;
    stored.lastError = describeError(error);
    stored.nextAttemptAt = new Date(now.getTime() + retryDelay(claim.attempt, cleanup)).toISOString();
    delete stored.claim;
    const flagged = claim.attempt >= cleanup.maxAttempts && stored.needsAttentionAt === undefined;
    if (flagged) stored.needsAttentionAt = now.toISOString();
    state.audit.push({
      at: now.toISOString(),
      actor: "hms-env",
      action: "cleanup-failed",
      target: stored.id,
      detail: `attempt ${claim.attempt}: ${stored.lastError}`,
    });
    return { env: { ...stored }, flagged };
  });
}

/** Says what failed, that the environment is still there, and when hms-env tries again. */
function failedAttemptError(env: EnvRecord, error: unknown): HmsError {
  const next = env.nextAttemptAt
    ? `hms-env tries again at ${env.nextAttemptAt}`
    : "another process holds it now";
  return new HmsError(
    isHmsError(error) ? error.code : "CLEANUP_FAILED",
    `${describeError(error)} (attempt ${env.attempts ?? 1}; it stays until removed: ${next}, or run \`hms-env cleanup ${env.id}\` once the cause is fixed)`,
    { cause: error },
  );
}

/**
 * Claims the environment under the state lock (status `cleaning`, this process as holder), tears it down,
 * then records the end. Whoever claims first does the work; an extend or a second cleanup after the claim
 * is refused or skipped. A teardown that fails leaves it `cleaning` until its next attempt is due.
 */
export async function takeDown(context: EnvContext, key: string, how: TakeDown): Promise<EnvRecord | null> {
  const claimed = await claimForCleanup(context, key, how);
  if (claimed === null) return null;
  const { env, claim } = claimed;
  const held = holdClaim(context, env.id, claim);
  try {
    await context.runner.tearDown(env);
  } catch (error) {
    held.release();
    if (how.stopping?.aborted) throw error;
    const failed = await recordFailedAttempt(context, env.id, claim, error);
    const fields = {
      envId: env.id,
      action: "cleanup",
      attempt: claim.attempt,
      next: failed.env.nextAttemptAt,
    };
    context.log.warn({ ...fields, err: error }, `cleanup of ${env.id} failed (attempt ${claim.attempt})`);
    if (failed.flagged) {
      context.log.error(
        { ...fields, action: "needs-attention" },
        `${env.id} could not be cleaned in ${claim.attempt} attempts and needs a person: ${describeError(error)}`,
      );
    }
    throw failedAttemptError(failed.env, error);
  }
  held.release();
  return finishCleaning(context, env.id, claim, how);
}

/** `hms-env cleanup`, `./cleanup.sh`, and the Slack and GitHub sides: cleaning a cleaned one is a no-op. */
export async function cleanupEnvironment(
  context: EnvContext,
  key: string,
  reason: CleanReason,
  actor: string,
): Promise<EnvRecord> {
  const done = await takeDown(context, key, { reason, actor, rule: manualRule });
  return done ?? findEnvironment(context, key);
}
