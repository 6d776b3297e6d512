import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import lockfile from "proper-lockfile";
import { HmsError } from "../errors.js";

export interface LockOptions {
  /** How long one holder may keep the lock: a holder silent for longer is taken as dead. */
  holdMs: number;
  /** How long to wait for another holder before giving up. */
  waitMs: number;
}

/** The state file and the root-cause file: changes take milliseconds. */
export const QUICK_CHANGE: LockOptions = { holdMs: 15_000, waitMs: 20_000 };

/**
 * Runs `task` holding `<path>.lock` (proper-lockfile: a lock directory, safe across processes and
 * refreshed while held). The file itself need not exist yet.
 */
export async function withFileLock<T>(
  path: string,
  options: LockOptions,
  task: () => Promise<T>,
): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale: options.holdMs,
      update: Math.max(1000, Math.floor(options.holdMs / 3)),
      retries: { retries: Math.ceil(options.waitMs / 200), factor: 1.2, minTimeout: 10, maxTimeout: 200 },
    });
  } catch (error) {
    throw new HmsError(
      "STATE_LOCKED",
      `${path} stayed locked by another hms-env process (${path}.lock); try again`,
      {
        cause: error,
      },
    );
  }
  try {
    return await task();
  } finally {
    await release();
  }
}
