import type { Clock, Timer } from "../clock.js";
import type { Log } from "../envs/context.js";
import { nextDue } from "../envs/reconcile.js";
import type { StateData } from "../store/schema.js";
import type { Store } from "../store/store.js";

export interface Timers {
  /** Makes the timers match the state (read now unless given): one per environment with something due. */
  sync(state?: StateData): Promise<void>;
  /** When each environment is due next, by id (for /healthz and tests). */
  pending(): Map<string, Date>;
  stop(): void;
}

export interface TimerOptions {
  store: Pick<Store, "read">;
  clock: Clock;
  /** Called when something is due; it re-reads the store, so a late extension still wins. */
  onDue(): void;
  log: Log;
}

/**
 * One timer per environment at the moment the reconciler has something to do for it: a ready one's
 * deadline, a failed cleanup's next attempt, the end of a claim's lease. A moment that has passed fires
 * once; should the environment still be due at that same moment after the pass (the pass failed before
 * reaching it, say), it is left to the periodic reconciler rather than fired again at once, so nothing
 * ever spins.
 */
export function createTimers({ store, clock, onDue, log }: TimerOptions): Timers {
  const jobs = new Map<string, { at: Date; timer: Timer }>();
  const fired = new Map<string, number>();
  let syncing: Promise<void> = Promise.resolve();
  let stopped = false;

  const cancel = (id: string) => {
    jobs.get(id)?.timer.cancel();
    jobs.delete(id);
  };

  const arm = (id: string, at: Date) => {
    if (at.getTime() <= clock.now().getTime() && fired.get(id) === at.getTime()) return;
    const timer = clock.at(at, () => {
      jobs.delete(id);
      fired.set(id, at.getTime());
      onDue();
    });
    jobs.set(id, { at, timer });
  };

  const syncOnce = async (given?: StateData) => {
    if (stopped) return;
    // A failed read throws here and leaves every timer as it is.
    const state = given ?? (await store.read());
    const known = new Set<string>();
    const due = new Map<string, Date>();
    for (const env of state.environments) {
      known.add(env.id);
      const at = nextDue(env);
      if (at !== undefined) due.set(env.id, at);
    }
    // A timer goes only when its record says nothing is due. A record that is simply gone (a file
    // emptied or replaced by hand) keeps its timer: the pass it fires re-reads the store anyway.
    for (const id of [...jobs.keys()]) if (known.has(id) && !due.has(id)) cancel(id);
    for (const id of [...fired.keys()]) if (!due.has(id)) fired.delete(id);
    // In time order: node-schedule keeps one sorted list, and appending to it is far cheaper than inserting.
    const inOrder = [...due].sort(([, a], [, b]) => a.getTime() - b.getTime());
    for (const [id, at] of inOrder) {
      const current = jobs.get(id);
      if (current && current.at.getTime() === at.getTime()) continue;
      cancel(id);
      arm(id, at);
    }
  };

  return {
    sync(state) {
      // One sync at a time, in order: a burst of changes never leaves two timers for one environment.
      const next = syncing.then(() => syncOnce(state));
      syncing = next.catch((error: unknown) =>
        log.error({ action: "follow", err: error }, "could not re-read the environments"),
      );
      return next;
    },
    pending: () => new Map([...jobs].map(([id, { at }]) => [id, at])),
    stop() {
      stopped = true;
      for (const id of [...jobs.keys()]) cancel(id);
    },
  };
}
