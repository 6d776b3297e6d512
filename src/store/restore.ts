import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { HmsError, isHmsError } from "../errors.js";
import { backupOf, fsyncFolder, writeDurably } from "./durable-write.js";
import { type LockHolder, type LockOptions, QUICK_CHANGE, withFileLock } from "./file-lock.js";
import { markerOf, parseState } from "./state-file.js";

export interface Restored {
  file: string;
  backup: string;
  environments: number;
  /** Where the damaged file was moved, if there was one. */
  keptAside?: string;
}

function readBackup(file: string): { text: string; environments: number } {
  const backup = backupOf(file);
  let text: string;
  try {
    text = readFileSync(backup, "utf8");
  } catch (error) {
    throw new HmsError("NOT_FOUND", `there is no backup ${backup} to restore: repair ${file} by hand`, {
      cause: error,
    });
  }
  try {
    return { text, environments: parseState(text, backup).environments.length };
  } catch (error) {
    throw new HmsError(
      "STATE_CORRUPT",
      `the backup ${backup} is damaged too, so nothing was changed: ${(error as Error).message.split(";")[0]}`,
      { cause: error },
    );
  }
}

/** Whether the current file is fine as it is: then restoring would throw away newer changes. */
function currentIsValid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return parseState(readFileSync(file, "utf8"), file).environments.length;
  } catch (error) {
    if (isHmsError(error, "STATE_CORRUPT")) return undefined;
    throw error;
  }
}

/**
 * `hms-env doctor --restore-state`: puts the previous good copy back when the state file is corrupt or
 * has vanished. The backup is validated first, a damaged file is moved aside (never deleted), and a
 * valid state file is never replaced: that would lose what was written since the backup.
 */
export async function restoreStateBackup(
  file: string,
  options: { now: () => Date; holder: LockHolder; lock?: LockOptions },
): Promise<Restored> {
  const lock = { ...(options.lock ?? QUICK_CHANGE), holder: options.holder, what: "state file" };
  return withFileLock(file, lock, async (held) => {
    const backup = readBackup(file);
    const valid = currentIsValid(file);
    if (valid !== undefined) {
      throw new HmsError(
        "INVALID_INPUT",
        `${file} is a valid state file (${valid} environments), so it was not replaced: restoring ${backupOf(file)} would lose what was written since`,
      );
    }
    held.assertHeld();
    let keptAside: string | undefined;
    if (existsSync(file)) {
      keptAside = `${file}.corrupt-${options.now().toISOString().replace(/[:.]/g, "-")}`;
      renameSync(file, keptAside);
      await fsyncFolder(dirname(file));
    }
    if (!existsSync(markerOf(file)))
      writeFileSync(markerOf(file), `${JSON.stringify({ restoredAt: options.now().toISOString() })}\n`);
    await writeDurably(file, backup.text, { backup: false });
    return {
      file,
      backup: backupOf(file),
      environments: backup.environments,
      ...(keptAside === undefined ? {} : { keptAside }),
    };
  });
}
