import type { IncomingMessage, ServerResponse } from "node:http";
import { type EmitterWebhookEvent, Webhooks } from "@octokit/webhooks";
import { describeError } from "../errors.js";
import { createDeliveryRecorder, forgetDelivery } from "../store/deliveries.js";
import type { EnvChange } from "../store/env-changes.js";
import type { RootCauseIndex } from "../triage/root-cause/index.js";
import { createAnswerGate, gatedStore } from "./answer-gate.js";
import { createGithubClient } from "./client.js";
import { createWebhookEndpoint, type VerifiedDelivery, WEBHOOK_PATH } from "./endpoint.js";
import { createIssueNotifier } from "./issue-notifier.js";
import { createIssueHandler } from "./issues.js";
import { createKeyedQueue } from "./keyed-queue.js";
import { createRootCauseLearning } from "./learning.js";
import {
  createPayloadCheck,
  type IssuePayload,
  type PullPayload,
  READY_ACTIONS,
  repositoryOf,
} from "./payloads.js";
import { readPull } from "./pull-state.js";
import { createPullHandler } from "./pulls.js";
import type { GithubServices } from "./services.js";
import type { GithubSettings } from "./settings.js";

export { WEBHOOK_PATH } from "./endpoint.js";

export interface GithubSideOptions {
  settings: GithubSettings;
  services: GithubServices;
  rootCauses?: RootCauseIndex;
  /** Seconds of GitHub's `retry-after` in milliseconds: 1000, except in tests. */
  retryAfterUnitMs?: number;
}

export type GithubSide = ReturnType<typeof createGithubSide>;

/**
 * The GitHub side of `serve`: the webhook endpoint, pull request environments with their one comment,
 * issues as bug reports (with the bug pipeline shared with Slack), and root-cause learning from merged
 * fixes.
 */
export function createGithubSide({ settings, rootCauses, retryAfterUnitMs, ...options }: GithubSideOptions) {
  // Node loads its fetch (undici, which Octokit calls) when first used: loaded now, at start-up, the
  // first REST call does not pause the answers to the deliveries that arrive beside it.
  void globalThis.fetch;
  const gate = createAnswerGate();
  // The work writes the state file between bursts of deliveries, never while answers are due.
  const services = { ...options.services, store: gatedStore(options.services.store, gate) };
  const { store, log } = services;
  const { owner, repo } = settings;
  const served = `${owner}/${repo}`;
  // Ended once serve's stop grace is over: a GitHub that never answers must not hold the exit.
  const calls = new AbortController();
  const rest = createGithubClient(settings, {
    signal: calls.signal,
    log,
    ...(retryAfterUnitMs === undefined ? {} : { retryAfterUnitMs }),
  });
  const pulls = createPullHandler({ services, rest, owner, repo });
  const learn = createRootCauseLearning({
    services,
    rest,
    owner,
    repo,
    ...(rootCauses ? { rootCauses } : {}),
  });
  const webhooks = new Webhooks({ secret: settings.webhookSecret });

  const asPull = (payload: unknown) => payload as PullPayload;
  webhooks.on(
    READY_ACTIONS.map((action) => `pull_request.${action}` as const),
    ({ payload }) => pulls.ready(asPull(payload)),
  );
  webhooks.on("pull_request.converted_to_draft", ({ payload }) => pulls.convertedToDraft(asPull(payload)));
  webhooks.on("pull_request.closed", async ({ payload }) => {
    const pull = asPull(payload);
    await pulls.closed(pull);
    if (pull.pull_request.merged) {
      const components = (await readPull(store, pull.number))?.components ?? [];
      await learn(pull, components);
    }
  });
  const { pipeline } = services;
  if (pipeline) {
    const issues = createIssueHandler({ pipeline, config: services.config, log });
    const inTurn = createKeyedQueue();
    const asIssue = (payload: unknown) => payload as IssuePayload;
    webhooks.on("issues.opened", ({ payload }) =>
      inTurn(payload.issue.number, () => issues.opened(asIssue(payload))),
    );
    webhooks.on("issues.labeled", ({ payload }) =>
      inTurn(payload.issue.number, () => issues.labeled(asIssue(payload))),
    );
    webhooks.on("issues.closed", ({ payload }) =>
      inTurn(payload.issue.number, () => issues.closed(asIssue(payload))),
    );
    pipeline.addNotifier(createIssueNotifier({ rest, owner, repo, config: services.config, pipeline, log }));
  }
  webhooks.on("ping", ({ payload }) => {
    log.info({ action: "github" }, `GitHub ping from hook ${payload.hook_id}: "${payload.zen}"`);
  });

  const pending = new Set<Promise<void>>();
  const firstDelivery = createDeliveryRecorder(store, "github", () => services.now());

  async function work(delivery: VerifiedDelivery): Promise<void> {
    const from = repositoryOf(delivery.payload);
    // A ping is about the hook (an App's names no repository); everything else must be about ours.
    if (delivery.name !== "ping" && from?.toLowerCase() !== served.toLowerCase()) {
      log.info(
        { action: "github" },
        `GitHub delivery ${delivery.id} (${delivery.name}) is for ${from ?? "no repository"}, not ${served} (github.repository): ignored`,
      );
      return;
    }
    if (!(await firstDelivery(delivery.id))) {
      log.info(
        { action: "github" },
        `GitHub delivery ${delivery.id} (${delivery.name}) was handled before: nothing done again`,
      );
      return;
    }
    try {
      await webhooks.receive(delivery as EmitterWebhookEvent);
    } catch (error) {
      const errors = error instanceof AggregateError ? error.errors : [error];
      log.error(
        { action: "github" },
        `GitHub delivery ${delivery.id} (${delivery.name}) failed: ${errors.map(describeError).join("; ")}; redeliver it from the webhook's Recent Deliveries to try again`,
      );
      // So the delivery can be redelivered by hand and tried again.
      await forgetDelivery(store, "github", delivery.id).catch(() => undefined);
    }
  }

  const endpoint = createWebhookEndpoint({
    webhooks,
    log,
    gate,
    check: createPayloadCheck({ issues: pipeline !== undefined }),
    accept(delivery) {
      // The answer has gone out; the work starts on the next turn, and its writes wait for a pause.
      const task = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => work(delivery))
        .catch((error: unknown) =>
          log.error({ action: "github" }, `GitHub delivery ${delivery.id}: ${describeError(error)}`),
        );
      pending.add(task);
      void task.finally(() => pending.delete(task));
    },
  });

  const idle = async (): Promise<void> => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };

  return {
    /** `POST /github/webhooks`; any other path is left to the rest of serve. */
    handle(request: IncomingMessage, response: ServerResponse): boolean {
      if ((request.url ?? "/").split("?")[0] !== WEBHOOK_PATH) return false;
      endpoint(request, response).catch((error: unknown) => {
        log.error({ action: "github", err: error }, `${WEBHOOK_PATH} failed`);
        if (!response.headersSent) response.writeHead(500).end();
      });
      return true;
    },
    /** Comments follow environments that changed elsewhere: expiry, extend, cleanup from the CLI or Slack. */
    environmentsChanged(changes: readonly EnvChange[]): Promise<void> {
      const numbers = changes.map((change) => change.after.pr).filter((pr): pr is number => pr !== null);
      return pulls
        .environmentsChanged(numbers)
        .catch((error: unknown) =>
          log.error({ action: "github" }, `updating PR comments failed: ${describeError(error)}`),
        );
    },
    /** Resolves when every accepted delivery has been worked through (tests, benchmarks). */
    idle,
    /** serve stops: deliveries already accepted are finished, not cut off half-way. */
    stop: idle,
    abortCalls: () => calls.abort(new Error("serve is stopping: GitHub did not answer in time")),
  };
}
