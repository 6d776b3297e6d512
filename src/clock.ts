/** A scheduled task that has not run yet can be cancelled; cancelling one that ran changes nothing. */
export interface Timer {
  cancel(): void;
}

/**
 * Time as hms-env sees it: what time it is, and running something at a time or every so often.
 * Everything that judges or waits for a deadline takes a Clock, so tests move time instead of sleeping
 * (src/schedule/system-clock.ts is the real one).
 */
export interface Clock {
  now(): Date;
  /** Runs `task` at `when`, or as soon as possible when `when` has passed. */
  at(when: Date, task: () => void): Timer;
  /** Runs `task` every `intervalMs`; it never keeps the process alive by itself. */
  every(intervalMs: number, task: () => void): Timer;
}
