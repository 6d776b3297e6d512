import type { webApi } from "@slack/bolt";
import type { App } from "../app.js";
import { describeError } from "../errors.js";
import { firstDelivery } from "../store/deliveries.js";
import { DELIVERY_RETENTION_MS } from "../store/retention.js";
import type { EnvRecord } from "../store/schema.js";
import { needsAttentionMessage } from "./blocks/environment.js";
import { SLACK_USER_ID } from "./ids.js";
import type { SlackLog } from "./services.js";

export interface NeedsAttentionDms {
  stop(): Promise<void>;
}

/**
 * When cleanup gives up on an environment (cleanup.maxAttempts failed tries), its owner and every admin
 * get one DM: the last error, the folder, and `hms-env cleanup ID` once the cause is fixed. Once per
 * flag, across restarts (a delivery record in the state file, taken before anyone is told); a flag
 * raised while serve was stopped, or just before it stopped, is told when it starts.
 */
export async function startNeedsAttentionDms(deps: {
  hms: Pick<App, "config" | "store" | "clock" | "onNeedsAttention">;
  client: webApi.WebClient;
  log: SlackLog;
}): Promise<NeedsAttentionDms> {
  const { hms, client, log } = deps;
  const { config, store, clock } = hms;

  const tell = async (env: EnvRecord) => {
    const flag = `attention:${env.id}:${env.needsAttentionAt}`;
    if (!(await firstDelivery(store, "slack", flag, clock.now()))) return;
    const people = new Set([...(SLACK_USER_ID.test(env.owner) ? [env.owner] : []), ...config.admins]);
    for (const person of people) {
      await client.chat
        .postMessage({ channel: person, ...needsAttentionMessage(env) })
        .catch((error: unknown) =>
          log.error(`${env.id}: could not tell ${person} it needs a person: ${describeError(error)}`),
        );
    }
    log.info(
      `${env.id}: told ${[...people].join(", ") || "nobody (no Slack owner, no admins)"} that it needs a person`,
    );
  };

  // One at a time, so that stop() can wait for what is being told.
  let telling: Promise<void> = Promise.resolve();
  const queue = (env: EnvRecord) => {
    telling = telling
      .then(() => tell(env))
      .catch((error: unknown) => log.error(`${env.id}: needs-a-person DMs failed: ${describeError(error)}`));
  };

  const unsubscribe = hms.onNeedsAttention(queue);
  // Flags older than the delivery records are kept were told long ago (or by an earlier version).
  const since = clock.now().getTime() - DELIVERY_RETENTION_MS;
  for (const env of (await store.read()).environments) {
    const flagged = env.needsAttentionAt === undefined ? Number.NaN : Date.parse(env.needsAttentionAt);
    if (env.status !== "cleaned" && flagged >= since) queue(env);
  }

  return {
    async stop() {
      unsubscribe();
      await telling;
    },
  };
}
