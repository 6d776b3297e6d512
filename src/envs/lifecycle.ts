import { HmsError } from "../errors.js";
import type { CleanReason, EnvRecord, EnvStatus, StateData } from "../store/schema.js";
import type { EnvContext } from "./context.js";
import { extendedDeadline } from "./plan.js";
import { teardown } from "./teardown.js";

/** Environments that hold a folder and count against their owner's limit. */
export const isLive = (env: EnvRecord) =>
  env.status === "ready" || env.status === "provisioning" || env.status === "cleaning";

/** An id, a unique id prefix, or the environment's folder (absolute or its name). */
export function findIn(state: StateData, key: string): EnvRecord {
  const exact = state.environments.find(
    (env) => env.id === key || (env.path !== "" && (env.path === key || env.path.endsWith(`/${key}`))),
  );
  if (exact) return exact;
  const byPrefix = key.length >= 4 ? state.environments.filter((env) => env.id.startsWith(key)) : [];
  if (byPrefix.length === 1 && byPrefix[0]) return byPrefix[0];
  if (byPrefix.length > 1) {
    throw new HmsError(
      "INVALID_INPUT",
      `"${key}" matches ${byPrefix.length} environments; give more of the id`,
    );
  }
  throw new HmsError("NOT_FOUND", `no environment "${key}": \`hms-env list\` shows the ids`);
}

export async function findEnvironment(context: EnvContext, key: string): Promise<EnvRecord> {
  return findIn(await context.store.read(), key);
}

export async function listEnvironments(context: EnvContext, options: { all?: boolean } = {}) {
  const state = await context.store.read();
  return state.environments.filter((env) => options.all || isLive(env));
}

export async function extendEnvironment(
  context: EnvContext,
  key: string,
  durationText: string,
  actor: string,
): Promise<EnvRecord> {
  const { config, store } = context;
  return store.update((state) => {
    const env = findIn(state, key);
    if (env.status !== "ready") {
      throw new HmsError(
        "INVALID_INPUT",
        `environment ${env.id} is ${env.status}; only a ready one can be extended`,
      );
    }
    const now = context.now();
    const deadline = extendedDeadline(new Date(env.expiresAt), now, durationText, {
      minMs: config.timeouts.minMs,
      maxMs: config.timeouts.maxMs,
    });
    env.expiresAt = deadline.toISOString();
    state.audit.push({
      at: now.toISOString(),
      actor,
      action: "extend",
      target: env.id,
      detail: env.expiresAt,
    });
    return { ...env };
  });
}

/**
 * Whether an environment may be taken down now: "take" claims it, "skip" leaves it (it no longer
 * qualifies, e.g. it was extended meanwhile), a thrown error tells the caller why not.
 */
export type TakeDownRule = (env: EnvRecord, now: Date) => "take" | "skip";

export interface TakeDown {
  reason: CleanReason;
  actor: string;
  rule: TakeDownRule;
  /** What the record becomes: cleaned, or failed for a provisioning that never finished. */
  outcome?: { status: "failed"; failure: string };
}

/** A person's cleanup: anything but a provisioning in progress or a cleanup already under way. */
export const manualRule: TakeDownRule = (env) => {
  if (env.status === "provisioning" || env.status === "cleaning") {
    throw new HmsError(
      "INVALID_INPUT",
      `environment ${env.id} is ${env.status === "provisioning" ? "still being provisioned" : "being cleaned up already"}; try again in a moment`,
    );
  }
  return "take";
};

export const expiredRule: TakeDownRule = (env, now) =>
  env.status === "ready" && Date.parse(env.expiresAt) <= now.getTime() ? "take" : "skip";

/**
 * Claims the environment under the state lock (status `cleaning`), tears it down, then records the end.
 * Whoever claims first does the work; an extend or a second cleanup after the claim is refused or
 * skipped. A teardown that fails puts the status back, so a later pass can try again.
 */
export async function takeDown(context: EnvContext, key: string, how: TakeDown): Promise<EnvRecord | null> {
  const claimed = await context.store.update((state) => {
    const env = findIn(state, key);
    if (env.status === "cleaned" || how.rule(env, context.now()) === "skip") return null;
    const previous: EnvStatus = env.status;
    env.status = "cleaning";
    return { env: { ...env }, previous };
  });
  if (claimed === null) return null;
  try {
    await teardown(context, claimed.env);
  } catch (error) {
    await context.store.update((state) => {
      findIn(state, claimed.env.id).status = claimed.previous;
    });
    throw error;
  }
  return context.store.update((state) => {
    const stored = findIn(state, claimed.env.id);
    const at = context.now().toISOString();
    // A failed environment keeps its status and reason; taking it down only removes what it left.
    const status = claimed.previous === "failed" ? "failed" : (how.outcome?.status ?? "cleaned");
    Object.assign(stored, { status, cleanedAt: at, cleanReason: how.reason });
    if (how.outcome) stored.failure = how.outcome.failure;
    state.audit.push({ at, actor: how.actor, action: "cleanup", target: stored.id, detail: how.reason });
    return { ...stored };
  });
}

/** `hms-env cleanup`, `./cleanup.sh`, and later the Slack and GitHub sides: cleaning a cleaned one is a no-op. */
export async function cleanupEnvironment(
  context: EnvContext,
  key: string,
  reason: CleanReason,
  actor: string,
): Promise<EnvRecord> {
  const done = await takeDown(context, key, { reason, actor, rule: manualRule });
  return done ?? findEnvironment(context, key);
}
