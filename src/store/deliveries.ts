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
