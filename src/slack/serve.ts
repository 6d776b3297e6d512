import type { App } from "../app.js";
import type { BugPipeline } from "../bugs/pipeline.js";
import { type BugServices, createBugServices } from "../bugs/services.js";
import { readTriageState } from "../bugs/triage-state.js";
import { describeError } from "../errors.js";
import { firstDelivery } from "../store/deliveries.js";
import type { EnvChange } from "../store/env-changes.js";
import type { StateData } from "../store/schema.js";
import { createSlackApp, type RetryPolicy, type SlackApp } from "./app.js";
import { expiryWarning } from "./blocks/environment.js";
import { createWarnings } from "./expiry-warnings.js";
import { startNeedsAttentionDms } from "./needs-attention.js";
import type { SlackLog, SlackServices } from "./services.js";
import type { SlackSettings } from "./settings.js";

export interface RunningSlack {
  app: SlackApp;
  pipeline: BugPipeline;
  /** Tells Slack what serve's follower of the state file found changed. */
  environmentsChanged(changes: readonly EnvChange[], state: StateData): Promise<void>;
  stop(): Promise<void>;
  /** Ends the Web API calls still in flight (after serve's stop grace). */
  abortCalls(): void;
}

/**
 * The Slack side of `serve`: the bug pipeline with the Slack notifier, the Bolt app, the warnings before
 * deadlines, and the DMs and cards that follow each environment as the state file changes.
 */
export async function startSlack(options: {
  /** The services of this process (src/app.ts): the environments, the store, the clock. */
  hms: App;
  settings: Exclude<SlackSettings, { mode: "off" }>;
  log: SlackLog;
  /** The pipeline serve shares with the GitHub side; made here when not given. */
  bugs?: BugServices;
  retry?: RetryPolicy;
  homeDebounceMs?: number;
}): Promise<RunningSlack> {
  const { hms, log } = options;
  const { config, store, clock, environments } = hms;
  const { engine, pipeline, provision: provisionFor } = options.bugs ?? (await createBugServices(hms, log));
  const services: SlackServices = {
    config,
    store,
    pipeline,
    log,
    now: () => clock.now(),
    provision: provisionFor,
    listEnvironments: () => environments.list(),
    findEnvironment: (key) => environments.find(key),
    extend: (key, duration, actor) => environments.extend(key, duration, actor),
    cleanup: (key, actor) => environments.cleanup(key, "manual", actor),
    async triage(text, reporter) {
      const { rotation } = readTriageState(await store.read(), store.file);
      return engine.decide({ text, reporter }, rotation, clock.now());
    },
  };
  const app = createSlackApp({
    settings: options.settings,
    services,
    ...(options.retry && { retry: options.retry }),
    ...(options.homeDebounceMs !== undefined && { homeDebounceMs: options.homeDebounceMs }),
  });
  pipeline.addNotifier(app.notifier);

  const warnings = createWarnings({
    warnBeforeMs: config.slack.warnBeforeMs,
    clock: clock,
    onWarn: (env) => {
      if (!app.isRecipient(env.owner)) return;
      void (async () => {
        // Once per deadline, across restarts: an extension earns a new warning, a restart does not.
        if (!(await firstDelivery(store, "slack", `warn:${env.id}:${env.expiresAt}`, clock.now()))) return;
        await app.client.chat.postMessage({
          channel: env.owner,
          ...expiryWarning(env, config.slack.extendChoices),
        });
        log.info(`${env.id}: warned ${env.owner} that it expires at ${env.expiresAt}`);
      })().catch((error: unknown) => log.error(`${env.id}: expiry warning failed: ${describeError(error)}`));
    },
  });

  warnings.sync((await store.read()).environments);
  let telling: Promise<void> = Promise.resolve();
  /** What serve's state-file feed found: DMs, cards and App Home follow, the warnings are re-armed. */
  const environmentsChanged = (changes: readonly EnvChange[], state: StateData): Promise<void> => {
    warnings.sync(state.environments);
    telling = telling.then(async () => {
      for (const { before, after } of changes) {
        // Only what a person sees: a new deadline or a new status, not a claim's bookkeeping.
        if (before && before.status === after.status && before.expiresAt === after.expiresAt) continue;
        if (!before && after.status === "provisioning") continue;
        await app
          .environmentChanged(after)
          .catch((error: unknown) =>
            log.error(`${after.id}: Slack could not be told: ${describeError(error)}`),
          );
      }
    });
    return telling;
  };
  await app.start();
  const needsAttention = await startNeedsAttentionDms({ hms, client: app.client, log });
  // A card or DM that never went out (Slack was down, then serve stopped) goes out now: nothing is lost.
  const unsent = await pipeline.list(
    (bug) =>
      bug.status === "open" && (!bug.links?.slack?.cardTs || (!!bug.environment && !bug.links?.slack?.dmTs)),
  );
  for (const bug of unsent) {
    void (async () => {
      if (!bug.links?.slack?.cardTs) await app.notifier.notify({ kind: "filed", bug });
      const env = bug.environment
        ? await services.findEnvironment(bug.environment).catch(() => undefined)
        : undefined;
      if (env?.status === "ready" && !bug.links?.slack?.dmTs) await app.environmentChanged(env);
    })().catch((error: unknown) =>
      log.error(`${bug.id}: its messages could not be posted: ${describeError(error)}`),
    );
  }

  return {
    app,
    pipeline,
    environmentsChanged,
    abortCalls: () => app.abortCalls(),
    async stop() {
      warnings.stop();
      await needsAttention.stop();
      await telling;
      await app.stop();
    },
  };
}
