import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { HmsError } from "../errors.js";
import type { CleanReason, EnvRecord, StateData } from "../store/schema.js";
import type { EnvContext } from "./context.js";
import { extendedDeadline } from "./plan.js";
import { removeInsideRoot } from "./safe-remove.js";
import { teardown } from "./teardown.js";

const isLive = (env: EnvRecord) => env.status === "ready" || env.status === "provisioning";

/** An id, a unique id prefix, or the environment's folder (absolute or its name). */
export function findIn(state: StateData, key: string): EnvRecord {
  const exact = state.environments.find(
    (env) => env.id === key || env.path === key || env.path.endsWith(`/${key}`),
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
  const updated = await store.update((state) => {
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
  return updated;
}

/**
 * Removes an environment: its worktree through git (so the mirror keeps no stale entry), its ref, its
 * folder with the GC roots inside, then marks the record cleaned. Cleaning a cleaned one is a no-op.
 */
export async function cleanupEnvironment(
  context: EnvContext,
  key: string,
  reason: CleanReason,
  actor: string,
): Promise<EnvRecord> {
  const env = await findEnvironment(context, key);
  if (env.status === "cleaned") return env;
  await teardown(context, env);
  return markCleaned(context, env.id, reason, actor);
}

async function markCleaned(context: EnvContext, id: string, reason: CleanReason, actor: string) {
  return context.store.update((state) => {
    const stored = findIn(state, id);
    const at = context.now().toISOString();
    // A failed environment keeps its status (and its reason); only live ones become cleaned.
    if (stored.status !== "failed") stored.status = "cleaned";
    Object.assign(stored, { cleanedAt: at, cleanReason: reason });
    state.audit.push({ at, actor, action: "cleanup", target: id, detail: reason });
    return { ...stored };
  });
}

/**
 * Cleans every ready environment whose deadline has passed. The store is re-read here, so an extension
 * made by another process since a timer was set wins over the timer.
 */
export async function expireDue(context: EnvContext): Promise<EnvRecord[]> {
  const now = context.now().getTime();
  const state = await context.store.read();
  const due = state.environments.filter((env) => env.status === "ready" && Date.parse(env.expiresAt) <= now);
  const cleaned: EnvRecord[] = [];
  for (const env of due) cleaned.push(await cleanupEnvironment(context, env.id, "expired", "hms-env"));
  return cleaned;
}

export interface ReconcileReport {
  expired: EnvRecord[];
  /** Ready records whose folder was gone: now marked cleaned. */
  missing: EnvRecord[];
  /** Provisionings that never finished (the process died): taken down and marked failed. */
  abandoned: EnvRecord[];
  /** Folders under the env root that no live record owns. */
  orphans: string[];
  removedOrphans: string[];
}

/** A provisioning takes seconds; one still unfinished after this was interrupted. */
export const ABANDONED_AFTER_MS = 30 * 60_000;

async function forgetVanished(context: EnvContext, environments: readonly EnvRecord[]): Promise<EnvRecord[]> {
  const vanished = environments.filter((env) => env.status === "ready" && !existsSync(env.path));
  const marked: EnvRecord[] = [];
  for (const env of vanished) {
    await teardown(context, env);
    marked.push(await markCleaned(context, env.id, "missing", "hms-env"));
  }
  return marked;
}

async function takeDownAbandoned(
  context: EnvContext,
  environments: readonly EnvRecord[],
): Promise<EnvRecord[]> {
  const cutoff = context.now().getTime() - ABANDONED_AFTER_MS;
  const abandoned = environments.filter(
    (env) => env.status === "provisioning" && Date.parse(env.createdAt) < cutoff,
  );
  const failed: EnvRecord[] = [];
  for (const env of abandoned) {
    await teardown(context, env);
    failed.push(
      await context.store.update((state) => {
        const stored = findIn(state, env.id);
        Object.assign(stored, { status: "failed", failure: "interrupted: provisioning never finished" });
        return { ...stored };
      }),
    );
  }
  return failed;
}

/** Folders under the env root that no live record owns; hidden entries (mirrors, locks) are hms-env's own. */
function findOrphans(envRoot: string, environments: readonly EnvRecord[]): string[] {
  const owned = new Set(environments.filter(isLive).map((env) => env.path));
  const entries = existsSync(envRoot) ? readdirSync(envRoot, { withFileTypes: true }) : [];
  return entries
    .filter((entry) => !entry.name.startsWith("."))
    .map((entry) => join(envRoot, entry.name))
    .filter((path) => !owned.has(path));
}

/** Catches what a timer missed, and what people did by hand (rm -rf of a folder, a folder copied in). */
export async function reconcile(context: EnvContext, options: { removeOrphans?: boolean } = {}) {
  const expired = await expireDue(context);
  const { environments } = await context.store.read();
  const missing = await forgetVanished(context, environments);
  const abandoned = await takeDownAbandoned(context, environments);
  const orphans = findOrphans(context.config.envRoot, (await context.store.read()).environments);
  const removedOrphans: string[] = [];
  if (options.removeOrphans) {
    for (const path of orphans) {
      removeInsideRoot(context.config.envRoot, path);
      removedOrphans.push(path);
    }
    // Orphans may have been worktrees: let every mirror forget the ones whose folder is gone.
    for (const mirror of new Set(environments.map((env) => env.mirror).filter((m) => m !== ""))) {
      await context.git.pruneWorktrees(mirror);
    }
  }
  const report: ReconcileReport = { expired, missing, abandoned, orphans, removedOrphans };
  return report;
}
