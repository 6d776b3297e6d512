import type { Clock, Timer } from "../clock.js";
import type { Log } from "../envs/context.js";
import { nextDue } from "../envs/reconcile.js";
import type { StateData } from "../store/schema.js";
import type { Store } from "../store/store.js";

export interface Timers {
  /** Makes the deadlines match the state (read now unless given): one per environment with something due. */
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
 * A deadline for each environment at the moment the reconciler has something to do for it: a ready
 * one's deadline, a failed cleanup's next attempt, the end of a claim's lease. Only the earliest one
 * holds a clock timer: `serve` restarting with thousands of environments sets one timer, not one per
 * environment (node-schedule spends most of a millisecond on each job it makes). When it fires, every
 * deadline that has come is handed to one pass, and the next earliest is armed.
 *
 * A moment that has passed fires once; should the environment still be due at that same moment after
 * the pass (the pass failed before reaching it, say), it is left to the periodic reconciler rather than
 * fired again at once, so nothing ever spins.
 */
export function createTimers({ store, clock, onDue, log }: TimerOptions): Timers {
  const deadlines = new Map<string, number>();
  const fired = new Map<string, number>();
  let armed: { at: number; timer: Timer } | undefined;
  let syncing: Promise<void> = Promise.resolve();
  let stopped = false;

  const fire = () => {
    armed = undefined;
    const now = clock.now().getTime();
    let due = false;
    for (const [id, at] of deadlines) {
      if (at > now) continue;
      deadlines.delete(id);
      fired.set(id, at);
      due = true;
    }
    armNext();
    if (due) onDue();
  };

  /** Keeps the one clock timer at the earliest deadline (a later one armed before is moved forward). */
  const armNext = () => {
    if (stopped) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const at of deadlines.values()) if (at < earliest) earliest = at;
    if (armed !== undefined && armed.at <= earliest) return;
    armed?.timer.cancel();
    armed = undefined;
    if (earliest === Number.POSITIVE_INFINITY) return;
    armed = { at: earliest, timer: clock.at(new Date(earliest), fire) };
  };

  const syncOnce = async (given?: StateData) => {
    if (stopped) return;
    // A failed read throws here and leaves every deadline as it is.
    const state = given ?? (await store.read());
    const known = new Set<string>();
    const due = new Map<string, number>();
    for (const env of state.environments) {
      known.add(env.id);
      const at = nextDue(env);
      if (at !== undefined) due.set(env.id, at.getTime());
    }
    // A deadline goes only when its record says nothing is due. A record that is simply gone (a file
    // emptied or replaced by hand) keeps its deadline: the pass it fires re-reads the store anyway.
    for (const id of [...deadlines.keys()]) if (known.has(id) && !due.has(id)) deadlines.delete(id);
    for (const id of [...fired.keys()]) if (!due.has(id)) fired.delete(id);
    const now = clock.now().getTime();
    for (const [id, at] of due) {
      if (at <= now && fired.get(id) === at) deadlines.delete(id);
      else deadlines.set(id, at);
    }
    armNext();
  };

  return {
    sync(state) {
      // One sync at a time, in order: a burst of changes never leaves two deadlines for one environment.
      const next = syncing.then(() => syncOnce(state));
      syncing = next.catch((error: unknown) =>
        log.error({ action: "follow", err: error }, "could not re-read the environments"),
      );
      return next;
    },
    pending: () => new Map([...deadlines].map(([id, at]) => [id, new Date(at)])),
    stop() {
      stopped = true;
      armed?.timer.cancel();
      armed = undefined;
      deadlines.clear();
    },
  };
}
