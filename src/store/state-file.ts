import { existsSync } from "node:fs";
import { basename, dirname } from "node:path";
import { formatIssues } from "../config/load.js";
import { HmsError } from "../errors.js";
import { backupOf } from "./durable-write.js";
import { type StateData, stateSchema } from "./schema.js";

/**
 * Written beside the state file before its first write. A state file that is missing while its marker
 * is there has vanished (deleted, its disk swapped): that is an error, never a reason to start empty.
 */
export const markerOf = (file: string) => `${file}.created`;

/** Where `hms-env doctor --restore-state` tells a person to look, in every message about a lost file. */
function backupAdvice(file: string): string {
  const backup = backupOf(file);
  return existsSync(backup)
    ? `the previous good copy is ${backup}: \`hms-env doctor --restore-state\` checks it and puts it back (a damaged file is kept aside)`
    : `there is no backup (${backup}): repair the file or move it aside`;
}

/** A corrupt or foreign file stops everything with its name: it is never silently replaced. */
export function parseState(text: string, file: string): StateData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new HmsError(
      "STATE_CORRUPT",
      `state file ${file} is not valid JSON (${(error as Error).message}); it was left as it is; ${backupAdvice(file)}`,
      { cause: error },
    );
  }
  const result = stateSchema.safeParse(raw);
  if (!result.success) {
    throw new HmsError(
      "STATE_CORRUPT",
      `state file ${file} is not an hms-env state file (${formatIssues(result.error.issues)}); it was left as it is; ${backupAdvice(file)}`,
    );
  }
  return result.data;
}

/**
 * A state file that existed and is gone. `startOver` lists every record of its existence, which a person
 * removes to begin again on purpose (the environments it held then become orphans).
 */
export function stateMissing(file: string, evidence: string, startOver: readonly string[] = []): HmsError {
  const folder = dirname(file);
  const folderGone = !existsSync(folder);
  const restore = folderGone
    ? `restore the folder ${folder} from your backups (with only ${basename(backupOf(file))} back in it, \`hms-env doctor --restore-state\` puts that copy back)`
    : backupAdvice(file);
  const records = [markerOf(file), ...startOver].filter((path) => existsSync(path));
  return new HmsError(
    "STATE_MISSING",
    `state file ${file} has disappeared${folderGone ? ` (its folder ${folder} is gone too)` : ""}, though ${evidence}; hms-env will not start an empty one, which would forget every environment; ${restore}. To start over on purpose, remove ${records.length > 0 ? records.join(" and ") : markerOf(file)}`,
  );
}
