import type { Clock } from "../../src/clock.js";

export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, running every task that falls due, in order of its time. */
  advance(ms: number): void;
  /** Tasks waiting to run. */
  scheduled(): number;
}

/** A clock that moves only when told: deadlines and backoff are tested without sleeping. */
export function manualClock(start = new Date("2026-11-27T10:00:00.000Z")): ManualClock {
  let now = start.getTime();
  let nextId = 0;
  const tasks = new Map<number, { at: number; every?: number; run: () => void }>();

  const schedule = (at: number, run: () => void, every?: number) => {
    const id = nextId++;
    tasks.set(id, { at, run, ...(every !== undefined && { every }) });
    return { cancel: () => void tasks.delete(id) };
  };

  return {
    now: () => new Date(now),
    at: (when, task) => schedule(Math.max(when.getTime(), now), task),
    every: (intervalMs, task) => schedule(now + intervalMs, task, intervalMs),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...tasks].filter(([, task]) => task.at <= end).sort(([, a], [, b]) => a.at - b.at)[0];
        if (due === undefined) break;
        const [id, task] = due;
        now = Math.max(now, task.at);
        if (task.every === undefined) tasks.delete(id);
        else task.at += task.every;
        task.run();
      }
      now = end;
    },
    scheduled: () => tasks.size,
  };
}
