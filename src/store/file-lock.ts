import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import fs, { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import lockfile from "proper-lockfile";
import { HmsError, type HmsErrorCode } from "../errors.js";
import { fileSystemReason } from "./fs-reason.js";
import { holderGone, type LockHolder, type LockOwner } from "./lock-holder.js";

export type { LockHolder } from "./lock-holder.js";

export interface LockOptions {
  /** How long one holder may keep the lock: a holder silent for longer is taken as dead. */
  holdMs: number;
  /** How long to wait for another holder before giving up. */
  waitMs: number;
  /** What the locked file is, for messages ("state file", "root-cause database", "mirror"). */
  what?: string;
  /** Make the file's folder when it is missing (default). Off, a missing folder is an error. */
  createFolder?: boolean;
  /** The code of the error when the lock is lost while held (default STATE_LOCK_LOST). */
  lostCode?: HmsErrorCode;
  /** After this long waiting for a live holder, say once who is waited for (a silent wait looks hung). */
  sayWaitingAfterMs?: number;
}

/** The state file and the root-cause file: changes take milliseconds. */
export const QUICK_CHANGE: LockOptions = { holdMs: 15_000, waitMs: 20_000 };

/** Where a lock taken over from a dead holder is reported: pino's `warn` fits. */
export interface LockLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Until the process names its log (serve's JSON lines), a takeover is one line on stderr. */
let lockLog: LockLog = {
  warn: (_fields, message) => void process.stderr.write(`hms-env: ${message}\n`),
};

/** Sends lock takeovers to `log` from now on: the composition root calls it with the process's log. */
export function setLockLog(log: LockLog): void {
  lockLog = log;
}

/**
 * The process's stop request (the first SIGINT, SIGTERM or SIGHUP). A lock wait that was under way when
 * it came gives up at once, and a lock taken just as it came is given back before the task starts: a
 * command told to stop must not go on for minutes behind another holder. Waits that start after the
 * stop (a rollback's state write) still wait, so what was made can be taken back.
 */
let stopRequest: AbortSignal | undefined;

/** Lock waits watch `signal` from now on: the command line passes its interrupt. */
export function setLockInterrupt(signal: AbortSignal | undefined): void {
  stopRequest = signal;
}

function stoppedWhileWaiting(path: string, what: string): HmsError {
  return new HmsError(
    "INTERRUPTED",
    `interrupted while waiting for the lock on the ${what} ${path} (${String(stopRequest?.reason)})`,
  );
}

/** Handed to the task: checks, just before a write, that the lock is still this process's. */
export interface HeldLock {
  /** Throws the lost-lock error when another process may have taken the lock over. */
  assertHeld(): void;
  /** Aborted the moment the lock is found compromised, so the work in progress stops. */
  readonly signal: AbortSignal;
}

const OWNER_FILE = "owner.json";

const lockFolder = (path: string) => `${path}.lock`;

/** Lock folders this process holds, with the token written in their owner file. */
const held = new Map<string, string>();

/** The signal of the innermost lock the current async task runs under (git commands stop with it). */
const currentLock = new AsyncLocalStorage<AbortSignal>();

/** The abort signal of the lock the caller runs under, if any: long child processes pass it on. */
export function currentLockSignal(): AbortSignal | undefined {
  return currentLock.getStore();
}

export function readOwner(folder: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(join(folder, OWNER_FILE), "utf8")) as LockOwner;
  } catch {
    return undefined;
  }
}

/**
 * Removes a lock folder only if `stillRemovable` holds for it once it is out of the way: it is first
 * renamed to a unique name (atomic), so a lock another process made meanwhile under the same name is
 * never judged by what the old one was. Should the moved folder turn out to be a live lock after all,
 * it is put back (or, if a newer lock took the name, its holder finds its lock lost and writes nothing).
 */
function removeLockIf(folder: string, stillRemovable: (moved: string) => boolean): boolean {
  const moved = `${folder}.gone-${randomUUID()}`;
  try {
    fs.renameSync(folder, moved);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true; // removed by another waiter
    throw error;
  }
  if (stillRemovable(moved)) {
    fs.rmSync(moved, { recursive: true, force: true });
    return true;
  }
  try {
    fs.renameSync(moved, folder);
  } catch {
    fs.rmSync(moved, { recursive: true, force: true });
  }
  return false;
}

/**
 * proper-lockfile removes its lock folder with rmdir, which fails once the owner file is inside. This
 * fs removes the folder with its owner file, and never removes a lock that is no longer ours: after a
 * takeover, releasing (or exiting) leaves the new holder's lock alone. A stale lock of another process
 * is removed only if it is still stale once moved aside (two waiters may judge the same lock stale).
 */
function lockFsFor(staleMs: number) {
  const removeFolder = (path: string) => {
    const token = held.get(path);
    if (token !== undefined) {
      if (readOwner(path)?.token !== token) return;
      fs.rmSync(join(path, OWNER_FILE), { force: true });
      fs.rmdirSync(path);
      return;
    }
    removeLockIf(path, (moved) => fs.statSync(moved).mtimeMs < Date.now() - staleMs);
  };
  return {
    ...fs,
    rmdir(path: string, callback: (error: NodeJS.ErrnoException | null) => void) {
      try {
        removeFolder(path);
        callback(null);
      } catch (error) {
        callback(error as NodeJS.ErrnoException);
      }
    },
    rmdirSync: removeFolder,
  };
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
 * refreshed while held). The file itself need not exist yet. Only a lock held by another live process
 * is waited for; a holder on this machine that is gone is taken over at once; any other failure is
 * reported at once with its cause. Should the lock be compromised while held (this process was paused
 * past the stale time and another took over), the task's signal aborts and its failure becomes the
 * lost-lock error; proper-lockfile's default would throw an uncaught exception instead.
 */
export async function withFileLock<T>(
  path: string,
  options: LockOptions & { holder: LockHolder },
  task: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  const what = options.what ?? "file";
  const folder = lockFolder(path);
  if (options.createFolder !== false) mkdirSync(dirname(path), { recursive: true });
  const abort = new AbortController();
  const stop = stopRequest?.aborted ? undefined : stopRequest;
  const release = await acquire(path, options, stop, (error) => {
    abort.abort(error);
  });
  if (stop?.aborted) {
    await release().catch(() => undefined);
    throw stoppedWhileWaiting(path, what);
  }
  const { pid, host, bootId, pidNamespace, startTicks } = options.holder;
  const owner: LockOwner = {
    pid,
    host,
    bootId,
    pidNamespace,
    startTicks,
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
  const lostCode = options.lostCode ?? "STATE_LOCK_LOST";
  const lostBeforeWriting = (why: string) =>
    new HmsError(
      lostCode,
      `the lock on the ${what} ${path} was lost before writing (${why}); another process may have changed it, so nothing was written: try again`,
      { cause: abort.signal.reason },
    );
  const lostWhileWorking = (cause: unknown) =>
    new HmsError(
      lostCode,
      `the lock on the ${what} ${path} was lost while this process worked on it (${compromisedWhy()}); another process may be changing it, so this process stopped: try again`,
      { cause },
    );
  const compromisedWhy = () =>
    whyLost(folder, owner.token, options) ?? (abort.signal.reason as Error).message;
  const lock: HeldLock = {
    assertHeld() {
      const why = abort.signal.aborted ? compromisedWhy() : whyLost(folder, owner.token, options);
      if (why !== undefined) throw lostBeforeWriting(why);
    },
    signal: abort.signal,
  };
  try {
    return await currentLock.run(abort.signal, () => task(lock));
  } catch (error) {
    if (abort.signal.aborted && !(error instanceof HmsError && error.code === lostCode)) {
      throw lostWhileWorking(error);
    }
    throw error;
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

/**
 * Takes the lock folder away from a holder on this machine whose process is gone (kill -9, a crash):
 * waiting out the stale time would stall every other process for nothing. Only that holder's lock goes
 * (its token is checked once the folder is moved aside), and the takeover is logged.
 */
function takeOverFromDead(path: string, what: string, self: LockHolder): boolean {
  const folder = lockFolder(path);
  const owner = readOwner(folder);
  if (owner === undefined) return false;
  const gone = holderGone(owner, self);
  if (gone === undefined) return false;
  let removed: boolean;
  try {
    removed = removeLockIf(folder, (moved) => readOwner(moved)?.token === owner.token);
  } catch {
    return false; // it cannot be moved (permissions): the stale time still frees it
  }
  if (removed) {
    lockLog.warn(
      { action: "lock-takeover", lock: folder, holderPid: owner.pid, holderHost: owner.host },
      `took over the lock on the ${what} ${path} from ${describeOwner(owner, self)}: ${gone}`,
    );
  }
  return removed;
}

async function acquire(
  path: string,
  options: LockOptions & { holder: LockHolder },
  stop: AbortSignal | undefined,
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  const what = options.what ?? "file";
  // Real waiting (sleeps between tries), so real time: a fake clock would never let it give up.
  const deadline = Date.now() + options.waitMs;
  let sayWaitingAt =
    options.sayWaitingAfterMs === undefined ? Infinity : Date.now() + options.sayWaitingAfterMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await lockfile.lock(path, {
        realpath: false,
        stale: options.holdMs,
        update: Math.max(1000, Math.floor(options.holdMs / 3)),
        retries: 0,
        fs: lockFsFor(options.holdMs),
        onCompromised,
      });
    } catch (error) {
      const failure = error as NodeJS.ErrnoException;
      if (failure.code !== "ELOCKED") throw lockFailure(path, what, failure);
      if (takeOverFromDead(path, what, options.holder)) continue;
      if (Date.now() >= deadline) {
        const owner = readOwner(lockFolder(path));
        throw new HmsError(
          "STATE_LOCKED",
          `the ${what} ${path} stayed locked for ${Math.round(options.waitMs / 1000)} s by ${describeOwner(owner, options.holder)} (lock ${lockFolder(path)}); try again, or if that process is gone, wait ${Math.round(options.holdMs / 1000)} s for the lock to go stale`,
          { cause: error },
        );
      }
      if (stop?.aborted) throw stoppedWhileWaiting(path, what);
      if (Date.now() >= sayWaitingAt) {
        sayWaitingAt = Infinity;
        const owner = readOwner(lockFolder(path));
        lockLog.warn(
          { action: "lock-wait", lock: lockFolder(path), holderPid: owner?.pid, holderHost: owner?.host },
          `waiting for the lock on the ${what} ${path}: held by ${describeOwner(owner, options.holder)} (up to ${Math.round(options.waitMs / 1000)} s; Ctrl-C stops)`,
        );
      }
      await sleep(Math.min(200, 10 * 1.3 ** attempt), undefined, { signal: stop }).catch(() => undefined);
      if (stop?.aborted) throw stoppedWhileWaiting(path, what);
    }
  }
}
