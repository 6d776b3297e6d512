import type { Store } from "../store/store.js";

/** How long work waits for a stream of requests to pause before it goes on anyway. */
const MAX_WAIT_MS = 100;

/**
 * Counts the deliveries being answered. The work that follows the answers (state-file writes, each
 * with its lock and fsync) waits for `quiet()` before it starts a write, so it runs between bursts of
 * deliveries rather than in the middle of one, holding up the answers still to go. A stream that never
 * pauses only delays a write by MAX_WAIT_MS.
 */
export function createAnswerGate() {
  let answering = 0;
  let waiters: (() => void)[] = [];

  return {
    async answering<T>(task: () => Promise<T>): Promise<T> {
      answering++;
      try {
        return await task();
      } finally {
        if (--answering === 0) {
          const woken = waiters;
          waiters = [];
          for (const wake of woken) wake();
        }
      }
    },
    quiet(): Promise<void> {
      if (answering === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, MAX_WAIT_MS);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

export type AnswerGate = ReturnType<typeof createAnswerGate>;

/** The store as the work after the answers uses it: every write waits for a pause in the deliveries. */
export function gatedStore(store: Store, gate: AnswerGate): Store {
  return {
    ...store,
    update: async (change) => {
      await gate.quiet();
      return store.update(change);
    },
  };
}
