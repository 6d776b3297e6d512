import type { StateData } from "../store/schema.js";
import type { Store } from "../store/store.js";

/** A Slack message the app keeps up to date with chat.update. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** The messages that show an environment (its owner's DM), kept in the state file under `slackMessages`. */
type WithRefs = StateData & { slackMessages?: Record<string, MessageRef> };

export interface MessageRefs {
  get(key: string): Promise<MessageRef | undefined>;
  set(key: string, ref: MessageRef): Promise<void>;
}

export const envMessageKey = (envId: string) => `env:${envId}`;

export function createMessageRefs(store: Store): MessageRefs {
  return {
    async get(key) {
      const state = (await store.read()) as WithRefs;
      return state.slackMessages?.[key];
    },
    async set(key, ref) {
      await store.update((state) => {
        const withRefs = state as WithRefs;
        withRefs.slackMessages = { ...(withRefs.slackMessages ?? {}), [key]: ref };
      });
    },
  };
}
