import { statSync } from "node:fs";

/**
 * File systems stamp changes with a coarse clock (a kernel tick; a second or two on some): a file
 * changed this recently might change again under the very same stamp, so it is not kept yet.
 */
const SETTLED_MS = 1000;

/**
 * The last state read, kept while the file on disk is the same one: a read then costs a stat instead of
 * parsing and validating the whole file again (tens of megabytes with 50,000 records), which `serve`
 * does several times at start-up and on every change it follows. Every writer replaces the file by a
 * rename, so a change by any process gives it a new inode; an edit in place by hand changes its size or
 * its change time. What is kept is frozen: a caller that changed a read (instead of using `update`)
 * would otherwise change every later read.
 */
export interface ReadCache<T> {
  /** The file as it is now; undefined when it cannot be stat'ed (missing: the reader decides). */
  identity(file: string): FileIdentity | undefined;
  get(identity: FileIdentity | undefined): T | undefined;
  /** Freezes `value` and keeps it for `identity` (taken before the read that produced it) if settled. */
  keep(identity: FileIdentity | undefined, value: T): T;
}

export interface FileIdentity {
  key: string;
  /** When the file last changed (the later of its modification and change times), in ms. */
  changedMs: number;
  /** When it was looked at, in ms. */
  seenMs: number;
}

export function createReadCache<T extends object>(): ReadCache<T> {
  let kept: { key: string; value: T } | undefined;
  return {
    identity(file) {
      try {
        const stat = statSync(file, { bigint: true });
        return {
          key: `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`,
          changedMs: Math.max(Number(stat.mtimeMs), Number(stat.ctimeMs)),
          seenMs: Date.now(),
        };
      } catch {
        return undefined;
      }
    },
    get: (identity) => (identity !== undefined && kept?.key === identity.key ? kept.value : undefined),
    keep(identity, value) {
      deepFreeze(value);
      const settled = identity !== undefined && identity.seenMs - identity.changedMs > SETTLED_MS;
      kept = settled ? { key: identity.key, value } : undefined;
      return value;
    },
  };
}

function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
}
