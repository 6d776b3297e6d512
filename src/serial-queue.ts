/**
 * Runs tasks one after another in the order they were queued; a failed task does not stop the next.
 * The store uses it so writes in one process never interleave, and `serve` so that deadline cleanups
 * and reconciler passes take turns.
 */
export function createSerialQueue() {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = last.then(task, task);
    last = run.catch(() => undefined);
    return run;
  };
}

/** A serial queue per key (a bug id, say); a key whose last task settled holds nothing. */
export function createKeyedSerialQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
