/**
 * Background upkeep of the shared mirrors, as Scalar schedules it: an incremental commit-graph (fast
 * fetch negotiation, `worktree add` and history walks on a large monorepo) and `gc --auto` (packs loose
 * objects once there are enough). Each mirror is locked while it is maintained, so no fetch, checkout or
 * cleanup sees it half-repacked.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { git, gitFailure, type MirrorLock } from "./git.js";

/** The mirrors under the cache folder: bare repositories named `<repo>-<digest>.git`. */
export function listMirrors(cacheDir: string): string[] {
  if (!existsSync(cacheDir)) return [];
  return readdirSync(cacheDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name.endsWith(".git"))
    .map((entry) => join(cacheDir, entry.name))
    .filter((mirror) => existsSync(join(mirror, "HEAD")));
}

const TASKS: string[][] = [
  ["maintenance", "run", "--quiet", "--task=commit-graph"],
  ["maintenance", "run", "--quiet", "--auto", "--task=gc"],
];

export async function maintainMirror(withMirrorLock: MirrorLock, mirror: string): Promise<void> {
  await withMirrorLock(mirror, async () => {
    for (const args of TASKS) {
      const result = await git(args, mirror);
      if (result.exitCode !== 0)
        throw gitFailure(`git ${args.slice(0, 3).join(" ")} in ${mirror}`, result.stderr);
    }
  });
}

export interface MirrorPass<T> {
  done: T[];
  failures: { mirror: string; error: string }[];
}

/** Runs `task` on every mirror; one that fails is reported and does not stop the others. */
export async function forEachMirror<T>(
  cacheDir: string,
  task: (mirror: string) => Promise<T>,
): Promise<MirrorPass<T>> {
  const pass: MirrorPass<T> = { done: [], failures: [] };
  for (const mirror of listMirrors(cacheDir)) {
    try {
      pass.done.push(await task(mirror));
    } catch (error) {
      pass.failures.push({ mirror, error: (error as Error).message });
    }
  }
  return pass;
}

export type MaintenanceReport = MirrorPass<string>;

export function maintainMirrors(withMirrorLock: MirrorLock, cacheDir: string): Promise<MaintenanceReport> {
  return forEachMirror(cacheDir, async (mirror) => {
    await maintainMirror(withMirrorLock, mirror);
    return mirror;
  });
}
