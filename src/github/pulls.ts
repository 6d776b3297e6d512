import { holdsFolder as isLive } from "../envs/transitions.js";
import { describeError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import type { GithubRest } from "./client.js";
import { createKeyedQueue } from "./keyed-queue.js";
import type { PullPayload } from "./payloads.js";
import { slackIdOf } from "./people.js";
import { latestByComponent, renderPullComment } from "./pull-comment.js";
import { createComponentMapper, listChangedFiles } from "./pull-files.js";
import { type PullRecord, readPull, updatePull } from "./pull-state.js";
import type { GithubServices } from "./services.js";
import { upsertStickyComment } from "./sticky-comment.js";

/** Authors whose code may be checked out without anyone asking: GitHub's own trust levels. */
const TRUSTED = new Set(["OWNER", "MEMBER", "COLLABORATOR"]);
const ACTOR = "github";

export interface PullHandlerOptions {
  services: GithubServices;
  rest: () => Promise<GithubRest>;
  owner: string;
  repo: string;
}

export function createPullHandler({ services, rest, owner, repo }: PullHandlerOptions) {
  const { config, store, log } = services;
  const affected = createComponentMapper(config.components);
  const inTurn = createKeyedQueue();
  // What each comment says now: an unchanged comment is not written again (GitHub asks for at most
  // one write a second, so every write saved is a second sooner for the next).
  const written = new Map<number, string>();

  const environmentsOf = async (number: number) =>
    (await services.environments()).filter((env) => env.pr === number);

  /** Renders the comment from the stored PR record and the environments as they are now. */
  async function refreshComment(number: number): Promise<void> {
    const pull = await readPull(store, number);
    if (pull === undefined) return;
    const body = renderPullComment(pull, await environmentsOf(number));
    if (pull.commentId !== null && written.get(number) === body) return;
    const id = await upsertStickyComment(await rest(), { owner, repo, number }, body, pull.commentId);
    written.set(number, body);
    if (id !== pull.commentId)
      await updatePull(store, number, (current) => ({ ...(current ?? pull), commentId: id }));
  }

  const remember = (payload: PullPayload, change: Partial<PullRecord>) =>
    updatePull(store, payload.number, (current) => ({
      number: payload.number,
      title: payload.pull_request.title,
      author: payload.pull_request.user?.login ?? "ghost",
      url: payload.pull_request.html_url,
      head: payload.pull_request.head.sha,
      state: "open",
      components: current?.components ?? [],
      note: current?.note ?? null,
      failures: current?.failures ?? {},
      commentId: current?.commentId ?? null,
      ...change,
      updatedAt: services.now().toISOString(),
    }));

  const fromStranger = (pr: PullPayload["pull_request"]) =>
    pr.head.repo?.full_name !== pr.base.repo.full_name &&
    !config.github.allowForks &&
    !TRUSTED.has(pr.author_association);

  /**
   * Why a stranger's fork gets no environment, and the Slack command a maintainer runs for each
   * component it touches (GitHub's list of changed files is read; none of the fork's code is fetched).
   */
  function strangerNote(payload: PullPayload, components: readonly string[]): string {
    const pr = payload.pull_request;
    const commands = (components.length > 0 ? components : ["COMPONENT"]).map(
      (component) => `\`/hms-env provision --component ${component} --pr ${payload.number}\``,
    );
    return [
      `This pull request comes from a fork by @${pr.user?.login ?? "ghost"} (${pr.author_association.toLowerCase().replaceAll("_", " ")}),`,
      "so its code is not checked out automatically.",
      `A maintainer who has read it can start an environment in Slack with ${commands.join(", ")}`,
      "(or set `github.allowForks: true` to trust every fork).",
    ].join(" ");
  }

  /** Brings one component's environment to the PR's head: kept, replaced, or made. */
  async function bringToHead(
    component: string,
    existing: EnvRecord | undefined,
    head: string,
    prOwner: string,
    number: number,
  ) {
    if (existing !== undefined && isLive(existing)) {
      if (existing.commit === head || existing.status !== "ready") return;
      await services.cleanup(existing.id, "replaced", ACTOR);
    }
    await services.provision({ component, pr: number, timeout: config.github.prTimeout, owner: prOwner });
  }

  async function provisionForHead(payload: PullPayload): Promise<void> {
    const number = payload.number;
    if (payload.pull_request.draft) {
      const note =
        "This pull request is a draft: its environments are made when it is marked ready for review.";
      await remember(payload, { note });
      await refreshComment(number);
      return;
    }
    const files = await listChangedFiles(await rest(), { owner, repo, number });
    const { components } = affected(files);
    if (fromStranger(payload.pull_request)) {
      await remember(payload, { note: strangerNote(payload, components) });
      await refreshComment(number);
      return;
    }
    const before = await readPull(store, number);
    const moved = before !== undefined && before.head !== payload.pull_request.head.sha;
    const note =
      components.length === 0
        ? `None of the ${files.length} changed files is under a component's paths, so no environment is needed.`
        : moved
          ? `New commits: the environments move to ${payload.pull_request.head.sha.slice(0, 12)} (each is replaced by one at the new head).`
          : null;
    await remember(payload, { components, note, failures: {} });
    await refreshComment(number);

    // The author's Slack ID when mapped: Slack then DMs them each environment with its Extend buttons.
    const author = payload.pull_request.user?.login ?? "ghost";
    const prOwner = slackIdOf(config.teams, author) ?? `${author}@github`;
    const latest = latestByComponent(await environmentsOf(number));
    // A component the PR no longer touches keeps no environment.
    for (const env of latest.values()) {
      if (!components.includes(env.component) && isLive(env) && env.status === "ready") {
        await services.cleanup(env.id, "replaced", ACTOR);
      }
    }
    const failures: Record<string, string> = {};
    await Promise.all(
      components.map(async (component) => {
        try {
          await bringToHead(component, latest.get(component), payload.pull_request.head.sha, prOwner, number);
        } catch (error) {
          failures[component] = describeError(error);
          log.error({ action: "github" }, `PR #${number}: ${component}: ${describeError(error)}`);
        }
        await refreshComment(number).catch((error: unknown) =>
          log.error(
            { action: "github" },
            `PR #${number}: updating the comment failed: ${describeError(error)}`,
          ),
        );
      }),
    );
    if (Object.keys(failures).length > 0) {
      await remember(payload, { failures });
      await refreshComment(number);
    }
  }

  const keeps = (payload: PullPayload) =>
    payload.pull_request.labels.some((label) => label.name === config.github.keepLabel);

  /** Cleans every live environment of the PR; one that fails is logged and the others still go. */
  async function cleanAll(number: number, reason: "merged" | "closed" | "draft"): Promise<void> {
    for (const env of (await environmentsOf(number)).filter(isLive)) {
      try {
        await services.cleanup(env.id, reason, ACTOR);
      } catch (error) {
        log.error({ action: "github" }, `PR #${number}: cleaning ${env.id} failed: ${describeError(error)}`);
      }
    }
  }

  async function close(payload: PullPayload): Promise<void> {
    const number = payload.number;
    const merged = payload.pull_request.merged === true;
    const envs = (await environmentsOf(number)).filter(isLive);
    const tracked = await readPull(store, number);
    if (tracked === undefined && envs.length === 0) return;
    const state = merged ? "merged" : "closed";
    if (keeps(payload)) {
      await remember(payload, {
        state,
        note: `The pull request was ${state} with the \`${config.github.keepLabel}\` label: its environments stay until their own deadline.`,
      });
    } else {
      await cleanAll(number, state);
      await remember(payload, {
        state,
        note: `The pull request was ${state}: its environments were cleaned up.`,
      });
    }
    await refreshComment(number);
    written.delete(number);
  }

  /**
   * Back to draft: nobody reviews a draft, so its environments are cleaned up (their folders and
   * timers freed) until it is marked ready for review again, which provisions them anew.
   */
  async function toDraft(payload: PullPayload): Promise<void> {
    const number = payload.number;
    const envs = (await environmentsOf(number)).filter(isLive);
    if ((await readPull(store, number)) === undefined && envs.length === 0) return;
    const ready = "They are made again when it is marked ready for review.";
    if (keeps(payload) && envs.length > 0) {
      await remember(payload, {
        note: `The pull request was converted to a draft; with the \`${config.github.keepLabel}\` label its environments stay until their own deadline.`,
      });
    } else {
      await cleanAll(number, "draft");
      await remember(payload, {
        note: `The pull request was converted to a draft: ${envs.length > 0 ? "its environments were cleaned up" : "it has no environment"}. ${ready}`,
      });
    }
    await refreshComment(number);
  }

  return {
    /** `opened`, `reopened`, `ready_for_review`, `synchronize`. */
    ready: (payload: PullPayload) =>
      config.github.prEnvironments
        ? inTurn(payload.number, () => provisionForHead(payload))
        : Promise.resolve(),
    closed: (payload: PullPayload) => inTurn(payload.number, () => close(payload)),
    /** `converted_to_draft`: environments are cleaned up until `ready_for_review`. */
    convertedToDraft: (payload: PullPayload) =>
      config.github.prEnvironments ? inTurn(payload.number, () => toDraft(payload)) : Promise.resolve(),
    /** An environment of a tracked PR changed elsewhere (expired, extended, cleaned from the CLI). */
    environmentsChanged: async (numbers: Iterable<number>) => {
      for (const number of new Set(numbers)) await inTurn(number, () => refreshComment(number));
    },
  };
}
