import { type Dirent, lstatSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describeError, HmsError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import { META_DIR } from "./context.js";
import { findMarker, type MarkPlace, markedFor } from "./metadata.js";
import type { Strays } from "./ports.js";
import { isInside, removeInsideRoot } from "./safe-remove.js";

/** A folder this young may be a reservation whose record is being written right now. */
export const ORPHAN_MIN_AGE_MS = 2 * 60_000;
/** What an environment folder's name looks like: YYYYMMDD_HHMMSS_... */
const ENV_FOLDER = /^\d{8}_\d{6}_/;

/** Entries of the env root; a root that is gone (or going) has none. */
function entriesOf(envRoot: string): Dirent[] {
  try {
    return readdirSync(envRoot, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Milliseconds since the folder changed, or undefined when it vanished meanwhile (a concurrent cleanup). */
function ageOf(path: string, nowMs: number): number | undefined {
  try {
    return nowMs - lstatSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * The folders under the env root that `gc --orphans` may remove: named like an environment, older than
 * ORPHAN_MIN_AGE_MS, owned by no live record, and carrying hms-env's own mark made for this state
 * file. A folder someone made by hand, or copied in from elsewhere (its mark names another folder), is
 * left alone whatever its name, and so is one another state file's records may own.
 */
export function scanOrphans(
  { envRoot, stateFile }: MarkPlace,
  live: readonly EnvRecord[],
  now: Date,
): Strays {
  const owned = new Set(live.map((env) => env.path));
  const scan: Strays = { orphans: [], unmarked: [], foreign: [] };
  for (const entry of entriesOf(envRoot)) {
    if (!entry.isDirectory() || !ENV_FOLDER.test(entry.name)) continue;
    const path = join(envRoot, entry.name);
    const age = ageOf(path, now.getTime());
    if (owned.has(path) || age === undefined || age <= ORPHAN_MIN_AGE_MS) continue;
    const marker = findMarker(path);
    if (marker === undefined || marker.path !== path) scan.unmarked.push(path);
    else if (markedFor(marker, stateFile)) scan.orphans.push(path);
    else scan.foreign.push(path);
  }
  return scan;
}

/**
 * Removes an orphan with its mark last: should something inside resist (an immutable file), what is
 * left still carries the mark, so a later pass knows it for hms-env's and tries again.
 */
function removeMarkLast(envRoot: string, path: string): void {
  if (!isInside(envRoot, path)) {
    throw new HmsError("UNSAFE_PATH", `refusing to delete ${path}: it is not inside the env root ${envRoot}`);
  }
  for (const name of readdirSync(path)) {
    if (name !== META_DIR) rmSync(join(path, name), { recursive: true, force: true, maxRetries: 3 });
  }
  removeInsideRoot(envRoot, path);
}

/** Removes each orphan; one that cannot be removed is reported, and the others still go. */
export function removeOrphans(envRoot: string, orphans: readonly string[]) {
  const removed: string[] = [];
  const failures: { id: string; error: string }[] = [];
  for (const path of orphans) {
    try {
      removeMarkLast(envRoot, path);
      removed.push(path);
    } catch (error) {
      failures.push({ id: path, error: `could not remove the orphan folder: ${describeError(error)}` });
    }
  }
  return { removed, failures };
}
