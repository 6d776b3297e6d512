import schedule from "node-schedule";
import type { Clock } from "../clock.js";

/** Wall-clock time; deadlines through node-schedule, which handles dates beyond setTimeout's 24.8 days. */
export function systemClock(): Clock {
  return {
    now: () => new Date(),
    at(when, task) {
      const job = schedule.scheduleJob(when, task);
      // node-schedule returns null for a date already past: the task is due now.
      if (job === null) {
        const immediate = setImmediate(task);
        return { cancel: () => clearImmediate(immediate) };
      }
      return { cancel: () => job.cancel() };
    },
    every(intervalMs, task) {
      const interval = setInterval(task, intervalMs);
      interval.unref();
      return { cancel: () => clearInterval(interval) };
    },
  };
}
