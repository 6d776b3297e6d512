import type { Clock } from "../clock.js";
import type { ProgressListener } from "./context.js";

/** How often a step still running says so: a fetch or a build may take minutes, silence looks like a hang. */
export const PROGRESS_EVERY_MS = 10_000;

/**
 * Runs one step of a provisioning and reports it: every PROGRESS_EVERY_MS while it runs (`running`, with
 * the time so far, on the injected clock), then once when it is done, with its time and `done(result)`
 * (or `detail`) as what it did.
 */
export async function timedStep<T>(
  clock: Clock,
  progress: ProgressListener,
  step: { name: string; detail: string; done?: (result: T) => string },
  task: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const since = clock.now().getTime();
  const ticking = clock.every(PROGRESS_EVERY_MS, () =>
    progress({ step: step.name, detail: step.detail, ms: clock.now().getTime() - since, running: true }),
  );
  try {
    const result = await task();
    const detail = step.done ? step.done(result) : step.detail;
    progress({ step: step.name, detail, ms: Math.round(performance.now() - started) });
    return result;
  } finally {
    ticking.cancel();
  }
}
