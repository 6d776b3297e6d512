import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { HmsError } from "../errors.js";
import type { CleanReason, EnvRecord, StateData } from "../store/schema.js";
import type { EnvContext } from "./context.js";
import { extendedDeadline } from "./plan.js";
import { envRef } from "./provision.js";
import { removeInsideRoot } from "./safe-remove.js";

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
  if (env.mirror !== "") {
    await context.git.removeWorktree(env.mirror, env.workdir);
    await context.git.deleteRef(env.mirror, envRef(env.id));
  }
  removeInsideRoot(context.config.envRoot, env.path);
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
  /** Folders under the env root that no live record owns. */
  orphans: string[];
  removedOrphans: string[];
}

/** Catches what a timer missed, and what people did by hand (rm -rf of a folder, a folder copied in). */
export async function reconcile(context: EnvContext, options: { removeOrphans?: boolean } = {}) {
  const report: ReconcileReport = {
    expired: await expireDue(context),
    missing: [],
    orphans: [],
    removedOrphans: [],
  };
  const state = await context.store.read();
  for (const env of state.environments) {
    if (env.status === "ready" && !existsSync(env.path)) {
      if (env.mirror !== "") await context.git.removeWorktree(env.mirror, env.workdir);
      report.missing.push(await markCleaned(context, env.id, "missing", "hms-env"));
    }
  }
  const owned = new Set(state.environments.filter(isLive).map((env) => env.path));
  const root = context.config.envRoot;
  const entries = existsSync(root) ? readdirSync(root, { withFileTypes: true }) : [];
  for (const entry of entries) {
    // Hidden entries are hms-env's own (the mirrors, lock files), never environments.
    if (entry.name.startsWith(".")) continue;
    const path = join(root, entry.name);
    if (owned.has(path)) continue;
    report.orphans.push(path);
    if (options.removeOrphans) {
      removeInsideRoot(root, path);
      report.removedOrphans.push(path);
    }
  }
  return report;
}
