import type { Clock, Timer } from "../clock.js";
import type { EnvRecord } from "../store/schema.js";

export interface Warnings {
  /** Keeps one timer per ready environment, at `warnBeforeMs` ahead of its deadline. */
  sync(envs: readonly EnvRecord[]): void;
  /** Moments held, by environment id (tests, /healthz). */
  pending(): Map<string, Date>;
  stop(): void;
}

/**
 * Timers for the warning before a deadline, on the injected clock. An environment whose whole life is
 * shorter than `warnBeforeMs` gets none (it would be warned the moment it is made); one whose warning
 * moment passed while serve was stopped is warned at once. `onWarn` gets the record as it was synced
 * and must warn once per deadline (the Slack side keeps what it sent in the state file).
 */
export function createWarnings(options: {
  warnBeforeMs: number;
  clock: Clock;
  onWarn(env: EnvRecord): void;
}): Warnings {
  const timers = new Map<string, { at: Date; deadline: string; timer: Timer }>();

  const cancel = (id: string) => {
    timers.get(id)?.timer.cancel();
    timers.delete(id);
  };

  return {
    sync(envs) {
      const ready = new Map(envs.filter((env) => env.status === "ready").map((env) => [env.id, env]));
      for (const id of [...timers.keys()]) if (!ready.has(id)) cancel(id);
      for (const env of ready.values()) {
        if (timers.get(env.id)?.deadline === env.expiresAt) continue;
        cancel(env.id);
        const at = new Date(Date.parse(env.expiresAt) - options.warnBeforeMs);
        if (at.getTime() <= Date.parse(env.createdAt)) continue;
        const timer = options.clock.at(at, () => {
          timers.delete(env.id);
          options.onWarn(env);
        });
        timers.set(env.id, { at, deadline: env.expiresAt, timer });
      }
    },
    pending: () => new Map([...timers].map(([id, { at }]) => [id, at])),
    stop() {
      for (const id of [...timers.keys()]) cancel(id);
    },
  };
}
