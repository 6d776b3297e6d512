import { type FSWatcher, mkdirSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import schedule from "node-schedule";
import type { Log } from "../log.js";
import type { EnvRecord } from "../store/schema.js";
import type { Store } from "../store/store.js";

export type TimerLog = Pick<Log, "info" | "error" | "debug">;

export interface Timers {
  /** Makes the set of timers match the store: one per ready environment, at its deadline. */
  sync(): Promise<void>;
  /** Deadlines currently held, by environment id (for /healthz and tests). */
  pending(): Map<string, Date>;
  /** Re-syncs whenever another process (the CLI) writes the state file. */
  followStateFile(): void;
  stop(): void;
}

export interface TimerOptions {
  store: Store;
  /** Called when a deadline passes; it re-reads the store, so a late extension still wins. */
  onDeadline(env: EnvRecord): Promise<void>;
  log: TimerLog;
}

/** Debounce for bursts of file events: one atomic write shows up as several (temp file, rename). */
const FOLLOW_DEBOUNCE_MS = 50;

export function createTimers({ store, onDeadline, log }: TimerOptions): Timers {
  const jobs = new Map<string, { at: Date; job: schedule.Job }>();
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let syncing: Promise<void> = Promise.resolve();

  const cancel = (id: string) => {
    jobs.get(id)?.job.cancel();
    jobs.delete(id);
  };

  const arm = (env: EnvRecord, at: Date) => {
    const job = schedule.scheduleJob(at, () => {
      jobs.delete(env.id);
      onDeadline(env).catch((err: unknown) =>
        log.error({ envId: env.id, action: "deadline", err }, `cleanup of ${env.id} at its deadline failed`),
      );
    });
    // node-schedule returns null for a date already past: the deadline is due now.
    if (job === null) {
      onDeadline(env).catch((err: unknown) =>
        log.error({ envId: env.id, action: "deadline", err }, `cleanup of ${env.id} failed`),
      );
      return;
    }
    jobs.set(env.id, { at, job });
  };

  const syncOnce = async () => {
    const state = await store.read();
    const live = new Map(
      state.environments.filter((env) => env.status === "ready").map((env) => [env.id, env]),
    );
    for (const id of [...jobs.keys()]) if (!live.has(id)) cancel(id);
    for (const env of live.values()) {
      const at = new Date(env.expiresAt);
      const current = jobs.get(env.id);
      if (current && current.at.getTime() === at.getTime()) continue;
      cancel(env.id);
      arm(env, at);
    }
  };

  const sync = () => {
    // One sync at a time, in order: a burst of changes never leaves two timers for one environment.
    syncing = syncing.then(syncOnce, syncOnce);
    return syncing;
  };

  return {
    sync,
    pending: () => new Map([...jobs].map(([id, { at }]) => [id, at])),
    followStateFile() {
      const name = basename(store.file);
      // The directory, not the file: an atomic write replaces the file, which would end a file watch.
      // On a fresh install neither exists yet; the folder is made so the first write is seen too.
      mkdirSync(dirname(store.file), { recursive: true });
      watcher = watch(dirname(store.file), (_event, changed) => {
        if (changed !== null && changed !== name) return;
        clearTimeout(debounce);
        debounce = setTimeout(() => {
          sync().catch((err: unknown) =>
            log.error({ action: "follow", err }, `re-reading ${store.file} failed`),
          );
        }, FOLLOW_DEBOUNCE_MS);
      });
      // Losing the watch (the folder removed, say) costs promptness, not correctness: the reconciler still runs.
      watcher.on("error", (err) => log.error({ action: "follow", err }, `stopped following ${store.file}`));
    },
    stop() {
      watcher?.close();
      clearTimeout(debounce);
      for (const id of [...jobs.keys()]) cancel(id);
    },
  };
}
