import { existsSync, readdirSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describeError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import type { EnvContext } from "./context.js";
import { expiredRule, isLive, type TakeDown, type TakeDownRule, takeDown } from "./lifecycle.js";
import { removeInsideRoot } from "./safe-remove.js";

/** One environment that could not be taken down; the others go on. */
export interface TakeDownFailure {
  id: string;
  error: string;
}

export interface PassResult {
  done: EnvRecord[];
  failures: TakeDownFailure[];
}

export interface ReconcileReport {
  expired: EnvRecord[];
  /** Ready records whose folder was gone: now marked cleaned. */
  missing: EnvRecord[];
  /** Provisionings whose process died: taken down and marked failed. */
  abandoned: EnvRecord[];
  /** Folders under the env root, named like environments, that no live record owns. */
  orphans: string[];
  removedOrphans: string[];
  failures: TakeDownFailure[];
}

/** A provisioning on another machine (where its process cannot be checked) is given this long. */
export const ABANDONED_AFTER_MS = 30 * 60_000;
/** A folder this young may be a reservation whose record is being written right now. */
const ORPHAN_MIN_AGE_MS = 2 * 60_000;
/** What an environment folder's name looks like: YYYYMMDD_HHMMSS_... */
const ENV_FOLDER = /^\d{8}_\d{6}_/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function isAbandoned(env: EnvRecord, now: Date): boolean {
  if (env.status !== "provisioning") return false;
  if (env.pid !== undefined && env.host === hostname()) return !processAlive(env.pid);
  return now.getTime() - Date.parse(env.createdAt) > ABANDONED_AFTER_MS;
}

/**
 * Takes down each environment the rule selects (checked here, and again under the lock by takeDown);
 * one that fails is reported, not in the way of the rest.
 */
async function pass(
  context: EnvContext,
  environments: readonly EnvRecord[],
  how: TakeDown,
): Promise<PassResult> {
  const now = context.now();
  const result: PassResult = { done: [], failures: [] };
  for (const env of environments.filter((candidate) => how.rule(candidate, now) === "take")) {
    try {
      const done = await takeDown(context, env.id, how);
      if (done) result.done.push(done);
    } catch (error) {
      result.failures.push({ id: env.id, error: describeError(error) });
    }
  }
  return result;
}

const vanishedRule: TakeDownRule = (env) =>
  env.status === "ready" && !existsSync(env.path) ? "take" : "skip";
const abandonedRule: TakeDownRule = (env, now) => (isAbandoned(env, now) ? "take" : "skip");

/**
 * Cleans every ready environment whose deadline has passed. The rule is checked again under the lock,
 * so an extension made by another process since a timer was set wins over the timer.
 */
export async function expireDue(context: EnvContext): Promise<PassResult> {
  const { environments } = await context.store.read();
  return pass(context, environments, { reason: "expired", actor: "hms-env", rule: expiredRule });
}

function findOrphans(context: EnvContext, environments: readonly EnvRecord[]): string[] {
  const { envRoot } = context.config;
  const owned = new Set(environments.filter(isLive).map((env) => env.path));
  const now = context.now().getTime();
  const entries = existsSync(envRoot) ? readdirSync(envRoot, { withFileTypes: true }) : [];
  return entries
    .filter((entry) => entry.isDirectory() && ENV_FOLDER.test(entry.name))
    .map((entry) => join(envRoot, entry.name))
    .filter((path) => !owned.has(path) && now - statSync(path).mtimeMs > ORPHAN_MIN_AGE_MS);
}

/** Catches what a timer missed, and what people did by hand (rm -rf of a folder, a folder copied in). */
export async function reconcile(context: EnvContext, options: { removeOrphans?: boolean } = {}) {
  const expired = await expireDue(context);
  const { environments } = await context.store.read();
  const missing = await pass(context, environments, {
    reason: "missing",
    actor: "hms-env",
    rule: vanishedRule,
  });
  const abandoned = await pass(context, environments, {
    reason: "failed",
    actor: "hms-env",
    rule: abandonedRule,
    outcome: { status: "failed", failure: "interrupted: provisioning never finished" },
  });
  // The folders are listed after the records are read again, and young ones are left alone, so a
  // provisioning that reserves its folder meanwhile is never mistaken for an orphan.
  const orphans = findOrphans(context, (await context.store.read()).environments);
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
  const report: ReconcileReport = {
    expired: expired.done,
    missing: missing.done,
    abandoned: abandoned.done,
    orphans,
    removedOrphans,
    failures: [...expired.failures, ...missing.failures, ...abandoned.failures],
  };
  return report;
}
