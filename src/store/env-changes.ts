import { existsSync, type FSWatcher, mkdirSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { EnvRecord, StateData } from "./schema.js";

/** One environment whose record changed between two reads of the state file. */
export interface EnvChange {
  /** Undefined for an environment that was not in the earlier state. */
  before: EnvRecord | undefined;
  after: EnvRecord;
}

/**
 * The environments that differ between two states, in the order of the later state. Records that
 * vanished (pruned by retention) are not changes anyone acts on, so they are left out.
 */
export function diffEnvironments(before: StateData | undefined, after: StateData): EnvChange[] {
  const earlier = new Map((before?.environments ?? []).map((env) => [env.id, env]));
  const changes: EnvChange[] = [];
  for (const env of after.environments) {
    const previous = earlier.get(env.id);
    if (previous === undefined || !isDeepStrictEqual(previous, env))
      changes.push({ before: previous, after: env });
  }
  return changes;
}

export interface EnvFeed {
  /** Reads the baseline (no changes reported for it) and starts following the file. */
  start(): Promise<void>;
  /** Reads the file now and reports what changed since the last read. */
  check(): Promise<void>;
  stop(): void;
}

export interface EnvFeedOptions {
  file: string;
  read(): Promise<StateData>;
  /** Each change once, in order; `state` is the whole state they were found in. */
  onChange(changes: EnvChange[], state: StateData): void;
  /** Every good read, the first one included, changed environments or not (bugs live here too). */
  onRead?(state: StateData): void;
  /** A read that failed (the change is reported by the next good one) or a watch that stopped. */
  onError(error: unknown): void;
}

/** Debounce for bursts of file events: one atomic write shows up as several (temporary file, rename). */
const FOLLOW_DEBOUNCE_MS = 50;
/** How often a removed state folder is looked for again. */
const FOLDER_POLL_MS = 1000;

/**
 * Follows the state file, whoever writes it (this process, the CLI, another replica of `serve`), and
 * reports the environments that changed. The one watch of the state file: timers and the Slack and
 * GitHub sides all listen here.
 */
export function watchEnvironments(options: EnvFeedOptions): EnvFeed {
  let last: StateData | undefined;
  let checking: Promise<void> = Promise.resolve();
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let stopped = false;

  // A listener that throws must not end the following: the next write is read all the same.
  const notifyRead = (state: StateData) => {
    try {
      options.onRead?.(state);
    } catch (error) {
      options.onError(error);
    }
  };
  const checkOnce = async () => {
    if (stopped) return;
    let state: StateData;
    try {
      state = await options.read();
    } catch (error) {
      options.onError(error);
      return;
    }
    const changes = diffEnvironments(last, state);
    last = state;
    notifyRead(state);
    if (changes.length > 0) options.onChange(changes, state);
  };
  const check = () => {
    checking = checking.then(checkOnce);
    return checking;
  };

  const folder = dirname(options.file);
  const watched = new Set([basename(options.file), basename(folder)]);
  let polling: NodeJS.Timeout | undefined;

  // The folder, not the file: an atomic write replaces the file, which would end a watch of it.
  const follow = () => {
    try {
      watcher = watch(folder, (_event, changed) => {
        if (changed !== null && !watched.has(changed)) return;
        clearTimeout(debounce);
        debounce = setTimeout(() => {
          if (!existsSync(folder)) awaitFolder();
          void check();
        }, FOLLOW_DEBOUNCE_MS);
      });
      watcher.on("error", (error) => {
        options.onError(error);
        awaitFolder();
      });
    } catch (error) {
      options.onError(error);
      awaitFolder();
    }
  };

  /**
   * The folder itself was removed, which ends its watch: the loss is reported by the read that found
   * it, and the folder is looked for until someone restores it, so the feed (and /healthz) recovers
   * without waiting for the reconciler.
   */
  const awaitFolder = () => {
    watcher?.close();
    watcher = undefined;
    if (polling !== undefined || stopped) return;
    polling = setInterval(() => {
      if (!existsSync(folder)) return;
      clearInterval(polling);
      polling = undefined;
      follow();
      void check();
    }, FOLDER_POLL_MS);
    polling.unref();
  };

  return {
    async start() {
      // The baseline is the first link of the chain: a check asked for meanwhile compares with it.
      checking = options.read().then(
        (state) => {
          last = state;
          notifyRead(state);
        },
        (error: unknown) => options.onError(error),
      );
      await checking;
      // On a fresh install neither the file nor its folder exists yet; the folder is made so the first
      // write is seen too.
      mkdirSync(folder, { recursive: true });
      follow();
    },
    check,
    stop() {
      stopped = true;
      watcher?.close();
      clearTimeout(debounce);
      clearInterval(polling);
    },
  };
}
