/**
 * One `serve` per state file. Two would both arm a timer at every deadline and both tell people: the
 * owner of an expiring environment got two DMs. `serve` holds `<stateFile>.serve.lock` (a lock folder
 * with its owner file, refreshed while it runs) for its whole life. A second `serve` on the same state
 * file is refused at start-up, naming the first; a first that is gone (kill -9, a crash, a reboot) is
 * taken over at once, and one on another host that stopped refreshing it, after SERVE_LOCK.holdMs.
 */
import { rmSync } from "node:fs";
import type { Log } from "./envs/context.js";
import { HmsError, isHmsError } from "./errors.js";
import { type LockHolder, type LockOptions, readOwner, withFileLock } from "./store/file-lock.js";

export const SERVE_LOCK: LockOptions = {
  holdMs: 15_000,
  // Never wait: a live serve runs for days, and the person starting a second one wants to know now.
  waitMs: 0,
  what: "single-serve file",
  lostCode: "SERVE_LOCK_LOST",
};

export interface ServeLock {
  /** Aborts when another serve took the lock over (this one was paused past holdMs): this one must stop. */
  lost: AbortSignal;
  release(): Promise<void>;
}

const lockPath = (stateFile: string) => `${stateFile}.serve`;
const lockFolderOf = (stateFile: string) => `${lockPath(stateFile)}.lock`;

/** The owner file names this very process (a copy of its lock folder restored from a backup, say). */
const isSelf = (owner: LockHolder, self: LockHolder) =>
  owner.pid === self.pid && owner.host === self.host && owner.startTicks === self.startTicks;

/** The refusal: who runs, where, since when, and what to do. */
function alreadyRunning(stateFile: string, holder: LockHolder, cause: unknown): HmsError {
  const folder = lockFolderOf(stateFile);
  const owner = readOwner(folder);
  const sameHost = owner?.host === holder.host;
  const who =
    owner === undefined
      ? "a process that has not named itself yet"
      : `pid ${owner.pid} on ${sameHost ? `this host (${owner.host})` : `host ${owner.host}`} since ${owner.since}`;
  const stop =
    owner === undefined
      ? "stop it first"
      : `stop it first (kill -TERM ${owner.pid}${sameHost ? "" : ` on ${owner.host}`})`;
  return new HmsError(
    "SERVE_RUNNING",
    `another hms-env serve already runs on the state file ${stateFile}: ${who} (lock ${folder}). Two would both keep the deadlines and both message people: ${stop}, or give this one a configuration with another stateFile`,
    { cause },
  );
}

interface Hold {
  /** Resolves once the hold ended: released, or lost (the folder vanished, or another took it over). */
  ended: Promise<void>;
  release(): Promise<void>;
}

/** One hold of the lock, until released or lost; throws SERVE_RUNNING naming a live holder. */
function holdOnce(stateFile: string, holder: LockHolder, createFolder: boolean): Promise<Hold> {
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return new Promise<Hold>((resolve, reject) => {
    const options = { ...SERVE_LOCK, holder, createFolder };
    const holding = withFileLock(lockPath(stateFile), options, async (lock) => {
      const lost = new Promise<void>((stop) =>
        lock.signal.addEventListener("abort", () => stop(), { once: true }),
      );
      resolve({
        ended: holding.then(
          () => undefined,
          () => undefined,
        ),
        async release() {
          finish();
          await holding.catch(() => undefined);
        },
      });
      await Promise.race([finished, lost]);
    });
    holding.catch((error: unknown) =>
      reject(isHmsError(error, "STATE_LOCKED") ? alreadyRunning(stateFile, holder, error) : error),
    );
  });
}

/** How often a serve whose lock vanished (its state folder deleted) tries to take it again. */
const RETAKE_EVERY_MS = 5000;

/**
 * Takes the serve lock of `stateFile` for `holder`, or throws SERVE_RUNNING naming the live holder.
 * Held, it is judged when lost: taken over by another serve, `lost` aborts; vanished with the state
 * folder (which serve reports and survives), it is taken again once the folder is back, and meanwhile
 * nothing is stopped. A copy of this process's own lock restored with the folder is this process's.
 */
export async function holdServeLock(stateFile: string, holder: LockHolder, log: Log): Promise<ServeLock> {
  const lost = new AbortController();
  let current: Hold | undefined = await holdOnce(stateFile, holder, true);
  let released = false;
  let retaking: NodeJS.Timeout | undefined;

  const takenBy = () => {
    const owner = readOwner(lockFolderOf(stateFile));
    return owner !== undefined && !isSelf(owner, holder) ? owner : undefined;
  };
  let trying = false;
  const retake = async () => {
    // One try at a time: a second one would find the first's fresh lock and take it for a restored copy.
    if (trying || current !== undefined) return;
    trying = true;
    try {
      current = await holdOnce(stateFile, holder, false);
    } catch (error) {
      if (!isHmsError(error, "SERVE_RUNNING")) return; // the folder is still gone: the next try
      if (takenBy() !== undefined) {
        lost.abort(error);
        return;
      }
      // Our own lock, restored with a copy of the folder: it is no one's now.
      rmSync(lockFolderOf(stateFile), { recursive: true, force: true });
      return;
    } finally {
      trying = false;
    }
    if (released) {
      await current.release();
      return;
    }
    clearInterval(retaking);
    retaking = undefined;
    log.info({ action: "serve-lock" }, `took the single-serve lock of ${stateFile} again`);
    watch(current);
  };
  const watch = (hold: Hold) =>
    void hold.ended.then(() => {
      if (released || hold !== current) return;
      current = undefined;
      if (takenBy() !== undefined) {
        lost.abort(new HmsError("SERVE_LOCK_LOST", `another serve took over the state file ${stateFile}`));
        return;
      }
      log.warn(
        { action: "serve-lock" },
        `the single-serve lock of ${stateFile} vanished (with the state folder?): serve goes on and takes it again once the folder is back`,
      );
      retaking = setInterval(() => void retake(), RETAKE_EVERY_MS);
      retaking.unref();
    });
  watch(current);

  return {
    lost: lost.signal,
    async release() {
      released = true;
      clearInterval(retaking);
      await current?.release();
    },
  };
}
