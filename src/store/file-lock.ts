import { randomUUID } from "node:crypto";
import fs, { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import lockfile from "proper-lockfile";
import { HmsError } from "../errors.js";
import { fileSystemReason } from "./fs-reason.js";

/** The process taking a lock, as its owner file names it (src/cli.ts describes this process). */
export interface LockHolder {
  pid: number;
  host: string;
}

export interface LockOptions {
  /** How long one holder may keep the lock: a holder silent for longer is taken as dead. */
  holdMs: number;
  /** How long to wait for another holder before giving up. */
  waitMs: number;
  /** What the locked file is, for messages ("state file", "root-cause database", "mirror"). */
  what?: string;
  /** Make the file's folder when it is missing (default). Off, a missing folder is an error. */
  createFolder?: boolean;
}

/** The state file and the root-cause file: changes take milliseconds. */
export const QUICK_CHANGE: LockOptions = { holdMs: 15_000, waitMs: 20_000 };

/** Who holds a lock: written inside proper-lockfile's lock folder, so a waiter can name the holder. */
export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  token: string;
}

/** Handed to the task: checks, just before a write, that the lock is still this process's. */
export interface HeldLock {
  /** Throws STATE_LOCK_LOST when another process may have taken the lock over. */
  assertHeld(): void;
}

const OWNER_FILE = "owner.json";

const lockFolder = (path: string) => `${path}.lock`;

/** Lock folders this process holds, with the token written in their owner file. */
const held = new Map<string, string>();

/**
 * proper-lockfile removes its lock folder with rmdir, which fails once the owner file is inside. This
 * fs removes the folder with its owner file, and never removes a lock that is no longer ours: after a
 * takeover, releasing (or exiting) leaves the new holder's lock alone.
 */
const lockFs = {
  ...fs,
  rmdir(path: string, callback: (error: NodeJS.ErrnoException | null) => void) {
    try {
      lockFs.rmdirSync(path);
      callback(null);
    } catch (error) {
      callback(error as NodeJS.ErrnoException);
    }
  },
  rmdirSync(path: string) {
    const token = held.get(path);
    if (token !== undefined && readOwner(path)?.token !== token) return;
    // A stale lock of another process (proper-lockfile checked its age) or our own: owner file and folder.
    fs.rmSync(join(path, OWNER_FILE), { force: true });
    fs.rmdirSync(path);
  },
};

export function readOwner(folder: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(join(folder, OWNER_FILE), "utf8")) as LockOwner;
  } catch {
    return undefined;
  }
}

/**
 * Writes the owner file without changing the folder's mtime: proper-lockfile refreshes that mtime and
 * takes any other change of it as a takeover.
 */
function writeOwner(folder: string, owner: LockOwner): void {
  const { atime, mtime } = fs.statSync(folder);
  fs.writeFileSync(join(folder, OWNER_FILE), JSON.stringify(owner));
  fs.utimesSync(folder, atime, mtime);
}

function describeOwner(owner: LockOwner | undefined, self: LockHolder): string {
  if (owner === undefined) return "another process (it has not named itself yet)";
  const where = owner.host === self.host ? "this host" : `host ${owner.host}`;
  return `process ${owner.pid} on ${where} since ${owner.since}`;
}

/** Turns a failure to make the lock folder into its cause: permission, read-only, a missing folder. */
function lockFailure(path: string, what: string, error: NodeJS.ErrnoException): HmsError {
  return new HmsError(
    "STATE_UNWRITABLE",
    `cannot lock the ${what} ${path}: ${fileSystemReason(path, error)}`,
    {
      cause: error,
    },
  );
}

/**
 * Runs `task` holding `<path>.lock` (proper-lockfile: a lock folder, safe across processes and
 * refreshed while held). The file itself need not exist yet. Only a lock held by another process is
 * waited for; any other failure is reported at once with its cause.
 */
export async function withFileLock<T>(
  path: string,
  options: LockOptions & { holder: LockHolder },
  task: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  const what = options.what ?? "file";
  const folder = lockFolder(path);
  if (options.createFolder !== false) mkdirSync(dirname(path), { recursive: true });
  let compromised: Error | undefined;
  const release = await acquire(path, options, (error) => {
    // proper-lockfile's default throws from a timer, an uncaught exception: the write is refused instead.
    compromised = error;
  });
  const owner: LockOwner = {
    pid: options.holder.pid,
    host: options.holder.host,
    // Wall time, as the lock folder's mtime is: staleness is judged against the file system, not a clock.
    since: new Date().toISOString(),
    token: randomUUID(),
  };
  held.set(folder, owner.token);
  try {
    writeOwner(folder, owner);
  } catch (error) {
    held.delete(folder);
    await release().catch(() => undefined);
    throw lockFailure(path, what, error as NodeJS.ErrnoException);
  }
  const lock: HeldLock = {
    assertHeld() {
      const lost = compromised?.message ?? whyLost(folder, owner.token, options);
      if (lost !== undefined) {
        throw new HmsError(
          "STATE_LOCK_LOST",
          `the lock on the ${what} ${path} was lost before writing (${lost}); another process may have changed it, so nothing was written: try again`,
          { cause: compromised },
        );
      }
    },
  };
  try {
    return await task(lock);
  } finally {
    // After a takeover proper-lockfile has forgotten the lock (ENOTACQUIRED) and lockFs leaves the new one.
    await release().catch(() => undefined);
    held.delete(folder);
  }
}

/**
 * The lock is ours only while our owner file is in it and proper-lockfile refreshed it recently. A
 * refresh older than half the stale time means this process was paused (Ctrl-Z, a VM pause) and another
 * one could take the lock over before a write would finish; the margin covers one write.
 */
function whyLost(
  folder: string,
  token: string,
  { holdMs, holder }: { holdMs: number; holder: LockHolder },
): string | undefined {
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(folder).mtimeMs;
  } catch {
    return "the lock folder is gone";
  }
  const owner = readOwner(folder);
  if (owner?.token !== token) return `it is now held by ${describeOwner(owner, holder)}`;
  const age = Date.now() - mtimeMs;
  if (age > holdMs / 2) return `not refreshed for ${Math.round(age / 1000)} s: this process was paused`;
  return undefined;
}

async function acquire(
  path: string,
  options: LockOptions & { holder: LockHolder },
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  const what = options.what ?? "file";
  // Real waiting (sleeps between tries), so real time: a fake clock would never let it give up.
  const deadline = Date.now() + options.waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await lockfile.lock(path, {
        realpath: false,
        stale: options.holdMs,
        update: Math.max(1000, Math.floor(options.holdMs / 3)),
        retries: 0,
        fs: lockFs,
        onCompromised,
      });
    } catch (error) {
      const failure = error as NodeJS.ErrnoException;
      if (failure.code !== "ELOCKED") throw lockFailure(path, what, failure);
      if (Date.now() >= deadline) {
        const owner = readOwner(lockFolder(path));
        throw new HmsError(
          "STATE_LOCKED",
          `the ${what} ${path} stayed locked for ${Math.round(options.waitMs / 1000)} s by ${describeOwner(owner, options.holder)} (lock ${lockFolder(path)}); try again, or if that process is gone, wait ${Math.round(options.holdMs / 1000)} s for the lock to go stale`,
          { cause: error },
        );
      }
      await sleep(Math.min(200, 10 * 1.3 ** attempt));
    }
  }
}
