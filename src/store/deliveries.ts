import { z } from "zod";
import type { StateData } from "./schema.js";
import type { Store } from "./store.js";

/** Where a delivery came from: Slack retries an event with the same `event_id`, GitHub redelivers by `X-GitHub-Delivery`. */
export const deliverySource = z.enum(["slack", "github"]);
export type DeliverySource = z.infer<typeof deliverySource>;

export const deliverySchema = z.object({
  source: deliverySource,
  id: z.string().min(1),
  at: z.string(),
});
export type Delivery = z.infer<typeof deliverySchema>;

/** Records a delivery id in `state` (inside a caller's store.update); false when it was seen before. */
export function markDelivery(state: StateData, source: DeliverySource, id: string, now: Date): boolean {
  const seen = state.deliveries.some((entry) => entry.source === source && entry.id === id);
  if (seen) return false;
  state.deliveries.push({ source, id, at: now.toISOString() });
  return true;
}

/**
 * Records a delivery id and says whether it is the first time it was seen. The check and the record are
 * one locked step in the state file, so a retry that arrives while the first delivery is still being
 * handled, or after a restart, is recognised and does nothing.
 */
export function firstDelivery(store: Store, source: DeliverySource, id: string, now: Date): Promise<boolean> {
  return store.update((state) => markDelivery(state, source, id, now));
}

/** Removes a delivery id again, so a delivery whose work failed can be redelivered and tried again. */
export function forgetDelivery(store: Store, source: DeliverySource, id: string): Promise<void> {
  return store.update((state) => {
    state.deliveries = state.deliveries.filter((entry) => !(entry.source === source && entry.id === id));
  });
}

interface Waiting {
  id: string;
  resolve(first: boolean): void;
  reject(error: unknown): void;
}

/**
 * firstDelivery for bursts: the ids given while a write is under way are recorded together by the next
 * one, in one locked, fsynced step, so twenty deliveries at once cost two writes of the state file, not
 * twenty. Each id still resolves only once it is on disk (a restart after that recognises it), to
 * whether it was seen for the first time; a write that fails rejects the ids it held.
 */
export function createDeliveryRecorder(store: Store, source: DeliverySource, now: () => Date) {
  let queued: Waiting[] = [];
  let draining = false;

  async function drain(): Promise<void> {
    while (queued.length > 0) {
      let batch: Waiting[] = [];
      try {
        const firsts = await store.update((state) => {
          // Taken under the lock: ids given while the write waited for it are in this write too.
          batch = queued;
          queued = [];
          return batch.map((waiting) => markDelivery(state, source, waiting.id, now()));
        });
        for (const [index, waiting] of batch.entries()) waiting.resolve(firsts[index] === true);
      } catch (error) {
        // A write that failed before it took its ids fails the ids waiting for it.
        if (batch.length === 0) {
          batch = queued;
          queued = [];
        }
        for (const waiting of batch) waiting.reject(error);
      }
    }
    draining = false;
  }

  return function record(id: string): Promise<boolean> {
    const recorded = new Promise<boolean>((resolve, reject) => queued.push({ id, resolve, reject }));
    if (!draining) {
      draining = true;
      // On the next turn, so ids given in the same turn (a burst answered together) share the first write.
      setImmediate(() => void drain());
    }
    return recorded;
  };
}
