import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DataFile } from "lowdb/node";
import { HmsError, type HmsErrorCode, isHmsError } from "../errors.js";
import { createSerialQueue } from "../serial-queue.js";
import { backupOf, writeDurably } from "./durable-write.js";
import { type LockHolder, type LockOptions, QUICK_CHANGE, withFileLock } from "./file-lock.js";
import { fileSystemReason } from "./fs-reason.js";
import { createReadCache } from "./read-cache.js";
import { DEFAULT_RETENTION, pruneState, type Retention } from "./retention.js";
import { type AuditEntry, emptyState, type StateData } from "./schema.js";
import { markerOf, parseState, stateMissing } from "./state-file.js";
import { stateWitnesses } from "./witness.js";

/** The audit log keeps the newest entries; older ones are of no use to anyone answering "what happened?". */
const AUDIT_LIMIT = 2000;

/** Failures that mean the file itself is in trouble (not a busy lock): `/healthz` reports them. */
const FILE_PROBLEMS: ReadonlySet<HmsErrorCode> = new Set([
  "STATE_MISSING",
  "STATE_CORRUPT",
  "STATE_UNREADABLE",
  "STATE_UNWRITABLE",
]);

export type StoreHealth = { ok: true } | { ok: false; code: HmsErrorCode; error: string };

export interface Store {
  readonly file: string;
  /**
   * The file as it is now (another process may have changed it). Read-only: the same frozen object is
   * returned while the file stays the same; changes go through `update`.
   */
  read(): Promise<StateData>;
  /**
   * Reads, changes and writes the state as one step: serialized in this process, locked against other
   * processes (the CLI and `serve` share the file), always starting from what is on disk, and written
   * durably (fsynced, renamed into place, the previous version kept as `<file>.bak`).
   */
  update<T>(change: (state: StateData) => T): Promise<T>;
  audit(entry: Omit<AuditEntry, "at">): Promise<void>;
  /** The outcome of the latest read or write: a vanished or corrupt file shows here until it is fixed. */
  health(): StoreHealth;
}

export interface StoreOptions {
  file: string;
  /** This process, as the lock's owner file and the state file's creation marker name it. */
  holder: LockHolder;
  now: () => Date;
  retention?: Retention;
  /** The lock's stale and wait times; tests shorten them. */
  lock?: LockOptions;
  /**
   * Folders outside the state file's own (the env root, the mirror cache) that keep a record of its
   * existence, so that losing the whole state folder is noticed by a new process too.
   */
  witnesses?: readonly string[];
}

export function createStore({
  file,
  holder,
  now,
  retention = DEFAULT_RETENTION,
  lock = QUICK_CHANGE,
  witnesses = [],
}: StoreOptions): Store {
  // lowdb reads (a missing file reads as null); writes go through writeDurably, which lowdb's steno lacks.
  const reader = new DataFile<StateData>(file, {
    parse: (text) => parseState(text, file),
    stringify: (data) => JSON.stringify(data),
  });
  const serialize = createSerialQueue();
  // This process read the file once: from then on its disappearance is noticed even without the marker
  // (the whole folder removed, say).
  let seen = false;
  let problem: HmsError | undefined;

  const noteOutcome = (error?: unknown) => {
    if (error === undefined) problem = undefined;
    else if (isHmsError(error) && FILE_PROBLEMS.has(error.code)) problem = error;
  };

  const records = stateWitnesses(file, witnesses);

  const whyItExisted = (): string | undefined => {
    if (seen) return "this process read it before";
    if (existsSync(markerOf(file))) return `${markerOf(file)} records that it was created`;
    if (existsSync(backupOf(file))) return `its backup ${backupOf(file)} is there`;
    return records.evidence();
  };

  const missing = (evidence: string) => stateMissing(file, evidence, records.files);

  const cache = createReadCache<StateData>();

  /**
   * The state as the file holds it now. `forChange`: a copy of its own, for `update` to change under the
   * lock; otherwise the kept (frozen) read when the file is the one read last.
   */
  const readNow = async (forChange: boolean, attempt = 0): Promise<StateData> => {
    const identity = cache.identity(file);
    const kept = forChange ? undefined : cache.get(identity);
    if (kept !== undefined) {
      seen = true;
      return kept;
    }
    let data: StateData | null;
    try {
      data = await reader.read();
    } catch (error) {
      if (error instanceof HmsError) throw error;
      throw new HmsError(
        "STATE_UNREADABLE",
        `cannot read the state file ${file}: ${(error as Error).message}; check stateFile in hms.config.yaml and its permissions`,
        { cause: error },
      );
    }
    if (data === null) {
      const evidence = whyItExisted();
      if (evidence === undefined) return emptyState();
      // The first write may have landed (file, then marker) between the read and the check: read again.
      if (attempt === 0 && existsSync(file)) return readNow(forChange, 1);
      throw missing(evidence);
    }
    if (!seen) recordExisting();
    records.record(now());
    seen = true;
    return forChange ? data : cache.keep(identity, data);
  };

  // A file from before markers existed gets its marker the first time it is read; best effort, as a
  // read-only reader cannot write it (its next writer will).
  const recordExisting = () => {
    if (existsSync(markerOf(file))) return;
    try {
      writeMarker();
    } catch {}
  };

  const writeMarker = () =>
    writeFileSync(
      markerOf(file),
      `${JSON.stringify({ createdAt: now().toISOString(), host: holder.host, pid: holder.pid })}\n`,
      { flag: "w" },
    );

  const tracked = async <T>(task: () => Promise<T>): Promise<T> => {
    try {
      const result = await task();
      noteOutcome();
      return result;
    } catch (error) {
      noteOutcome(error);
      throw error;
    }
  };

  const read = () => tracked(() => readNow(false));

  const update = <T>(change: (state: StateData) => T): Promise<T> =>
    serialize(() =>
      tracked(async () => {
        if (!existsSync(dirname(file))) {
          // First use makes the folder; a folder that vanished (under a running process, or between
          // two commands, as its records elsewhere tell) is not remade.
          const evidence = whyItExisted();
          if (evidence !== undefined) throw missing(evidence);
          mkdirSync(dirname(file), { recursive: true });
        }
        return withFileLock(
          file,
          { ...lock, holder, what: "state file", createFolder: false },
          async (held) => {
            const state = await readNow(true);
            const firstWrite = !existsSync(file);
            const result = change(state);
            trimAudit(state);
            pruneState(state, now(), retention);
            const text = `${JSON.stringify(state, null, 2)}\n`;
            held.assertHeld();
            try {
              await writeDurably(file, text, { backup: !firstWrite });
              // After the file, never before: a reader that sees the marker must be able to see the file.
              if (firstWrite) writeMarker();
            } catch (error) {
              throw writeFailure(file, error);
            }
            records.record(now());
            seen = true;
            return result;
          },
        );
      }),
    );

  const audit = (entry: Omit<AuditEntry, "at">) =>
    update((state) => {
      state.audit.push({ at: now().toISOString(), ...entry });
    });

  const health = (): StoreHealth =>
    problem === undefined ? { ok: true } : { ok: false, code: problem.code, error: problem.message };

  return { file, read, update, audit, health };
}

/** Every write keeps only the newest audit entries, whichever code added them. */
function trimAudit(state: StateData): void {
  if (state.audit.length > AUDIT_LIMIT) state.audit.splice(0, state.audit.length - AUDIT_LIMIT);
}

/** A write that failed (a full disk, a file made read-only) left the old file in place: said so, with why. */
function writeFailure(file: string, error: unknown): HmsError {
  return new HmsError(
    "STATE_UNWRITABLE",
    `cannot write the state file ${file}: ${fileSystemReason(file, error)}; the previous version is unchanged`,
    { cause: error },
  );
}
