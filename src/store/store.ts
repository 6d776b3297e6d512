import { DataFile } from "lowdb/node";
import { formatIssues } from "../config/load.js";
import { HmsError } from "../errors.js";
import { createSerialQueue } from "../serial-queue.js";
import { QUICK_CHANGE, withFileLock } from "./file-lock.js";
import { type AuditEntry, emptyState, type StateData, stateSchema } from "./schema.js";

/** The audit log keeps the newest entries; older ones are of no use to anyone answering "what happened?". */
const AUDIT_LIMIT = 2000;

export interface Store {
  readonly file: string;
  /** A fresh read of the file as it is now (another process may have changed it). */
  read(): Promise<StateData>;
  /**
   * Reads, changes and writes the state as one step: serialized in this process, locked against other
   * processes (the CLI and `serve` share the file), always starting from what is on disk, and written
   * atomically (lowdb's DataFile writes through steno: a temporary file, then a rename).
   */
  update<T>(change: (state: StateData) => T): Promise<T>;
  audit(entry: Omit<AuditEntry, "at">): Promise<void>;
}

export interface StoreOptions {
  file: string;
  now?: () => Date;
}

export function createStore({ file, now = () => new Date() }: StoreOptions): Store {
  const adapter = new DataFile<StateData>(file, {
    parse: (text) => parseState(text, file),
    stringify: (data) => `${JSON.stringify(data, null, 2)}\n`,
  });
  const serialize = createSerialQueue();

  // Each call works on its own copy read from disk, so a read never races a write in this process.
  const read = async (): Promise<StateData> => {
    try {
      return (await adapter.read()) ?? emptyState();
    } catch (error) {
      if (error instanceof HmsError) throw error;
      throw new HmsError(
        "STATE_UNREADABLE",
        `cannot read the state file ${file}: ${(error as Error).message}; check stateFile in hms.config.yaml and its permissions`,
        { cause: error },
      );
    }
  };

  const update = <T>(change: (state: StateData) => T): Promise<T> =>
    serialize(() =>
      withFileLock(file, QUICK_CHANGE, async () => {
        const state = await read();
        const result = change(state);
        trimAudit(state);
        await adapter.write(state);
        return result;
      }),
    );

  const audit = (entry: Omit<AuditEntry, "at">) =>
    update((state) => {
      state.audit.push({ at: now().toISOString(), ...entry });
    });

  return { file, read, update, audit };
}

/** Every write keeps only the newest audit entries, whichever code added them. */
function trimAudit(state: StateData): void {
  if (state.audit.length > AUDIT_LIMIT) state.audit.splice(0, state.audit.length - AUDIT_LIMIT);
}

/** A corrupt or foreign file stops everything with its name: it is never silently replaced. */
function parseState(text: string, file: string): StateData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new HmsError(
      "STATE_CORRUPT",
      `state file ${file} is not valid JSON (${(error as Error).message}); it was left as it is: repair it or move it aside`,
      { cause: error },
    );
  }
  const result = stateSchema.safeParse(raw);
  if (!result.success) {
    throw new HmsError(
      "STATE_CORRUPT",
      `state file ${file} is not an hms-env state file (${formatIssues(result.error.issues)}); it was left as it is: repair it or move it aside`,
    );
  }
  return result.data;
}
