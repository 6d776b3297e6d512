import { readFileSync } from "node:fs";
import { HmsError } from "../errors.js";
import { writeDurably } from "../store/durable-write.js";
import { type LockHolder, QUICK_CHANGE, withFileLock } from "../store/file-lock.js";
import type { RootCauseIndex } from "../triage/root-cause/index.js";
import {
  parseRootCauseDb,
  parseRootCauseEntry,
  type RootCauseDb,
  type RootCauseEntry,
} from "../triage/root-cause/schema.js";

/** The root-cause database file (data/root_cause.json or rootCauseDb): read, validated, appended to. */
export function loadRootCauseDb(file: string): RootCauseDb {
  return parseRootCauseDb(readJson(file), file);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new HmsError(
      "CONFIG_UNREADABLE",
      `cannot read the root-cause database ${file}: ${(error as Error).message} (rootCauseDb in hms.config.yaml)`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HmsError(
      "CONFIG_INVALID",
      `root-cause database ${file} is not valid JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Adds an entry (e.g. when a fixing PR merges): validated first, written durably (fsynced, renamed into
 * place, the previous version kept as `.bak`, under a lock so two additions never lose one), then added
 * to the live index, which needs no rebuild. The other entries are written back exactly as they were read.
 */
export async function addRootCauseEntry(
  file: string,
  raw: unknown,
  { holder, index }: { holder: LockHolder; index?: RootCauseIndex | undefined },
): Promise<RootCauseEntry> {
  const entry = parseRootCauseEntry(raw);
  await withFileLock(file, { ...QUICK_CHANGE, holder, what: "root-cause database" }, async (held) => {
    const current = readJson(file) as { entries?: unknown[] };
    const db = parseRootCauseDb(current, file);
    if (db.entries.some((existing) => existing.id === entry.id)) {
      throw new HmsError(
        "INVALID_INPUT",
        `root-cause entry ${entry.id} already exists in ${file}; choose another id`,
      );
    }
    const next = { ...current, entries: [...(current.entries ?? []), entry] };
    parseRootCauseDb(next, file);
    held.assertHeld();
    await writeDurably(file, `${JSON.stringify(next, null, 2)}\n`, { backup: true });
  });
  index?.add(entry);
  return entry;
}
