import type { Clock } from "../clock.js";

export interface PeriodicPass<T> {
  /** One pass now; passes never overlap. */
  runOnce(): Promise<T>;
  stop(): void;
}

/**
 * Runs `pass` every `intervalMs` on `clock`, and whenever asked. A pass asked for while one runs joins
 * that one: a slow pass (a large reconcile, a gc of a big mirror) never has a second one start beside it.
 * `pass` reports its own failures; it must not reject.
 */
export function runPeriodically<T>(
  clock: Clock,
  intervalMs: number,
  pass: () => Promise<T>,
): PeriodicPass<T> {
  let running: Promise<T> | undefined;
  const runOnce = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = clock.every(intervalMs, () => void runOnce());
  return { runOnce, stop: () => timer.cancel() };
}
