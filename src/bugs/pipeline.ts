import type { Config } from "../config/load.js";
import type { ProgressListener } from "../envs/context.js";
import type { ProvisionRequest } from "../envs/plan.js";
import { reservedEnvId } from "../envs/progress-line.js";
import { countsTowardLimit } from "../envs/transitions.js";
import { describeError, HmsError } from "../errors.js";
import { createSerialQueue } from "../serial-queue.js";
import { type DeliverySource, markDelivery } from "../store/deliveries.js";
import type { EnvRecord, StateData } from "../store/schema.js";
import type { Store } from "../store/store.js";
import type { TriageEngine } from "../triage/engine.js";
import type { TriageDecision } from "../triage/types.js";
import { readBranch } from "./branch-in-text.js";
import {
  addTriagedBug,
  assignManually,
  type BugRecord,
  closeBug,
  readTriageState,
  rerollAssignee,
  retriageBug,
} from "./triage-state.js";

/**
 * One pipeline for every door (a Slack message, modal or shortcut, a GitHub issue): the report is
 * triaged and recorded, an environment is provisioned for the assignee at the report's branch, and each
 * step is told to the notifiers (the Slack card and DM, the GitHub issue). Notifiers never hold up the
 * work: they run after it, in order per bug, and a notifier that fails is logged with the bug id while
 * the environment is still made.
 */

/** Where a report came from, so a notifier can link back to it (a Slack thread, a GitHub issue). */
export interface BugOrigin {
  source: "slack" | "github" | "cli";
  /** A URL a person can open: the Slack permalink, the issue's html_url. */
  link?: string | undefined;
  /** Ids the door needs later, e.g. the Slack channel and message ts of the report. */
  refs?: Record<string, string> | undefined;
}

export interface BugReport {
  /** The whole report: its first line is the title (a modal puts its title field there), then body and logs. */
  text: string;
  reporter?: string | undefined;
  /** A component the reporter chose; outranks all other evidence. */
  component?: string | undefined;
  /** The branch to provision; default: `branch: NAME` in the text, else the default branch. */
  branch?: string | undefined;
  severity?: string | undefined;
  files?: readonly string[] | undefined;
  labels?: readonly string[] | undefined;
  /** Files attached to the report (a screenshot, a log), by name: shown with the bug, never fetched. */
  attachments?: readonly string[] | undefined;
  origin: BugOrigin;
  /** A delivery id (Slack event_id, view id, GitHub delivery): a second report with it does nothing. */
  delivery?: { source: DeliverySource; id: string } | undefined;
}

/** What the card and the DM show of the triage decision, kept on the bug so later updates can show it. */
export interface TriageSnapshot {
  outcome: TriageDecision["outcome"];
  summary: string;
  components: { component: string; confidence: number; reasons: string[] }[];
  team: { id: string; name: string; reason: string } | null;
  explanation: string;
  rootCauses: { id: string; title: string; rootCause: string; fix: string; likely: boolean }[];
  duplicates: { id: string; title: string; similarity: number }[];
}

/** The bug record with the pipeline's own fields (kept in the same record, which stores unknown keys). */
export interface PipelineBug extends BugRecord {
  branch?: string | null;
  /** Why a `branch:` in the report was not used (not a valid branch name); shown on the card. */
  branchNote?: string | null;
  severity?: string | null;
  origin?: BugOrigin;
  triage?: TriageSnapshot;
  /** The environment made for the bug, by id. */
  environment?: string | null;
  /** Why the last provisioning failed; cleared by a success. */
  provisionError?: string | null;
  /** Per notifier: the ids it needs to update its message in place (Slack channel and ts, issue number). */
  links?: Record<string, Record<string, string>>;
  /** What was reported, as reportKeyOf names it: one bug per Slack message, whichever door filed it. */
  reportKey?: string | null;
  /** Names of the files attached to the report. */
  attachments?: string[];
}

/** What `file` did: filed a new bug, or found the bug already filed for the same message. */
export interface Filed {
  bug: PipelineBug;
  env: EnvRecord | null;
  /** True when the report names a message that is a bug already: nothing was filed or provisioned. */
  existing: boolean;
}

export type BugEvent =
  | { kind: "filed"; bug: PipelineBug }
  | { kind: "updated"; bug: PipelineBug; actor: string; what: string }
  | { kind: "provisioning"; bug: PipelineBug }
  | { kind: "ready"; bug: PipelineBug; env: EnvRecord }
  | { kind: "failed"; bug: PipelineBug; error: string }
  | { kind: "closed"; bug: PipelineBug; actor: string; reason: string }
  /** Something learned about the bug that changes nothing on it (a recorded root cause): said in its thread. */
  | { kind: "note"; bug: PipelineBug; actor: string; text: string };

export interface BugNotifier {
  name: string;
  notify(event: BugEvent): Promise<void>;
}

export interface PipelineLog {
  info(message: string): void;
  error(message: string): void;
}

export interface BugPipelineDeps {
  store: Store;
  engine: TriageEngine;
  config: Pick<Config, "defaultBranch" | "teams"> & { slack: Pick<Config["slack"], "autoProvision"> };
  provision(request: ProvisionRequest, progress?: ProgressListener): Promise<EnvRecord>;
  /** The branch of a report that names none; default: `config.defaultBranch`, else `main`. */
  defaultBranch?: () => Promise<string>;
  notifiers?: BugNotifier[];
  log: PipelineLog;
  now(): Date;
  /**
   * Settles once the repository's files are first listed (or that failed, or took too long): a report
   * waits for it, so pasted paths resolve, while serve itself never waits for git to start.
   */
  filesListed?: Promise<unknown>;
}

export type BugPipeline = ReturnType<typeof createBugPipeline>;

/**
 * The message a report is about, for a report from Slack that names one (the channel door, File as bug):
 * the same message is one bug, whichever door files it and under whichever delivery id it comes.
 */
export function reportKeyOf(origin: BugOrigin | undefined): string | undefined {
  const refs = origin?.refs;
  if (origin?.source !== "slack" || !refs?.channel || !refs.ts) return undefined;
  return `slack:${refs.channel}:${refs.ts}`;
}

/** The bug already filed for what `origin` names; records from before reportKey are matched by origin. */
function bugReported(bugs: readonly PipelineBug[], key: string): PipelineBug | undefined {
  return bugs.find((bug) => (bug.reportKey ?? reportKeyOf(bug.origin)) === key);
}

export function snapshotOf(decision: TriageDecision): TriageSnapshot {
  return {
    outcome: decision.outcome,
    summary: decision.summary,
    components: decision.components.map(({ component, confidence, reasons }) => ({
      component,
      confidence,
      reasons,
    })),
    team: decision.team,
    explanation: decision.assignment.explanation,
    rootCauses: decision.rootCauses.slice(0, 3).map((cause) => ({
      id: cause.id,
      title: cause.title,
      rootCause: cause.rootCause,
      fix: cause.fix,
      likely: cause.signatureHits > 0,
    })),
    duplicates: decision.duplicates.slice(0, 5),
  };
}

function findBug(state: StateData, file: string, bugId: string): PipelineBug {
  const bug = readTriageState(state, file).bugs.find((candidate) => candidate.id === bugId);
  if (bug === undefined) throw new HmsError("NOT_FOUND", `no bug ${bugId}`);
  return bug as PipelineBug;
}

export function createBugPipeline(deps: BugPipelineDeps) {
  const { store, engine, config, log } = deps;
  const notifiers = [...(deps.notifiers ?? [])];
  const queues = new Map<string, { queue: ReturnType<typeof createSerialQueue>; waiting: number }>();
  const pending = new Set<Promise<void>>();
  /** Bugs being provisioned now: a second click while one runs makes no second environment. */
  const provisioning = new Set<string>();
  /**
   * Environments being made for a bug, by id, until the bug records it: the state file says "ready" a
   * moment before, and whoever follows it must find the bug (not announce the environment twice).
   */
  const reserved = new Map<string, string>();

  /** Tells every notifier, after the work and in order per bug; never throws. */
  const tell = (event: BugEvent): void => {
    const id = event.bug.id;
    let entry = queues.get(id);
    if (entry === undefined) {
      entry = { queue: createSerialQueue(), waiting: 0 };
      queues.set(id, entry);
    }
    for (const notifier of notifiers) {
      const current = entry;
      current.waiting++;
      const done = current
        .queue(() => notifier.notify(event))
        .catch((error: unknown) =>
          log.error(`${id}: ${notifier.name} could not be told "${event.kind}": ${describeError(error)}`),
        )
        .finally(() => {
          // A bug with nothing left to tell gives its queue up: a long-running serve holds no queue per bug.
          if (--current.waiting === 0 && queues.get(id) === current) queues.delete(id);
        });
      pending.add(done);
      void done.finally(() => pending.delete(done));
    }
  };

  const read = async (bugId: string): Promise<PipelineBug> => findBug(await store.read(), store.file, bugId);

  /** Merges fields into the bug record in one locked step and returns the record as stored. */
  const patch = (bugId: string, fields: Partial<PipelineBug>): Promise<PipelineBug> =>
    store.update((state) => {
      const index = state.bugs.findIndex((bug) => bug.id === bugId);
      if (index < 0) throw new HmsError("NOT_FOUND", `no bug ${bugId}`);
      const merged = { ...state.bugs[index], ...fields, updatedAt: deps.now().toISOString() };
      state.bugs[index] = merged;
      return findBug(state, store.file, bugId);
    });

  /** Provisions the bug's top component for its assignee; the outcome is recorded and told, never thrown. */
  async function provisionFor(bug: PipelineBug): Promise<EnvRecord | null> {
    const component = bug.components[0];
    if (component === undefined || bug.assignee === null || provisioning.has(bug.id)) return null;
    provisioning.add(bug.id);
    try {
      return await provisionNow(bug, component, bug.assignee);
    } finally {
      provisioning.delete(bug.id);
    }
  }

  /** The branch of a report that names none (or names one that is not a valid branch name). */
  const defaultBranch = async (): Promise<string> =>
    (await deps.defaultBranch?.()) ?? config.defaultBranch ?? "main";

  async function provisionNow(bug: PipelineBug, component: string, owner: string): Promise<EnvRecord | null> {
    const marked = await patch(bug.id, { provisionError: null });
    tell({ kind: "provisioning", bug: marked });
    let envId: string | undefined;
    // The bug records its environment once it is reserved, not when it is ready: if this process dies
    // mid-way, whoever takes the environment down finds the bug and its card and DM say so, with Retry.
    let recorded: Promise<unknown> = Promise.resolve();
    try {
      const branch = bug.branch ?? (await defaultBranch());
      const env = await deps.provision({ component, branch, owner }, (event) => {
        const reservedNow = reservedEnvId(event);
        if (reservedNow === undefined || reservedNow === envId) return;
        envId = reservedNow;
        reserved.set(reservedNow, bug.id);
        recorded = patch(bug.id, { environment: reservedNow }).catch((error: unknown) =>
          log.error(`${bug.id}: could not record environment ${reservedNow}: ${describeError(error)}`),
        );
      });
      await recorded;
      const ready = await patch(bug.id, { environment: env.id, provisionError: null });
      log.info(`${bug.id}: environment ${env.id} ready for ${env.owner} at ${env.path}`);
      tell({ kind: "ready", bug: ready, env });
      return env;
    } catch (error) {
      await recorded;
      const reason = describeError(error);
      const failed = await patch(bug.id, { provisionError: reason });
      log.error(`${bug.id}: provisioning ${component} failed: ${reason}`);
      tell({ kind: "failed", bug: failed, error: reason });
      return null;
    } finally {
      if (envId) reserved.delete(envId);
    }
  }

  const autoProvision = async (bug: PipelineBug) =>
    config.slack.autoProvision && !bug.needsTriage ? provisionFor(bug) : null;

  return {
    /** Adds a notifier (the GitHub side plugs in here). */
    addNotifier(notifier: BugNotifier): void {
      notifiers.push(notifier);
    },

    /**
     * A new report: recorded with its triage in one locked step (with the delivery id, so a retry of the
     * same delivery finds it and returns null), then the environment. A report about a message that is a
     * bug already (another delivery of it, File as bug on it) files nothing and returns that bug, marked
     * `existing`. Resolves once the environment is ready or failed; notifications follow on their own.
     */
    async file(report: BugReport): Promise<Filed | null> {
      await deps.filesListed;
      const now = deps.now();
      const chosen = report.branch?.trim();
      const named = chosen ? { branch: chosen } : readBranch(report.text);
      const branch = named !== undefined && "branch" in named ? named.branch : undefined;
      const reportKey = reportKeyOf(report.origin);
      // Asked before the locked step: the default may come from the remote (ls-remote).
      const fallback = named !== undefined && "rejected" in named ? await defaultBranch() : undefined;
      const recorded = await store.update((state) => {
        const { delivery } = report;
        if (delivery && !markDelivery(state, delivery.source, delivery.id, now)) return null;
        const known =
          reportKey === undefined
            ? undefined
            : bugReported(readTriageState(state, store.file).bugs as PipelineBug[], reportKey);
        if (known !== undefined) return { existing: known };
        return addTriagedBug(
          state,
          store.file,
          engine,
          { text: report.text, reporter: report.reporter, component: report.component, ...optional(report) },
          now,
          (decision) => ({
            branch: branch ?? null,
            ...(named !== undefined && "rejected" in named
              ? {
                  branchNote: `branch ${JSON.stringify(named.rejected)} is not a valid branch name; used the default (${fallback})`,
                }
              : {}),
            severity: report.severity ?? null,
            origin: report.origin,
            triage: snapshotOf(decision),
            environment: null,
            provisionError: null,
            links: {},
            reportKey: reportKey ?? null,
            ...(report.attachments?.length && { attachments: [...report.attachments] }),
          }),
        );
      });
      if (recorded === null) return null;
      if ("existing" in recorded) {
        log.info(`${recorded.existing.id}: reported again from ${report.origin.source}: nothing filed twice`);
        return { bug: recorded.existing, env: null, existing: true };
      }
      const filed = recorded.bug as PipelineBug;
      engine.duplicates.add({ id: filed.id, title: filed.title, text: filed.text });
      log.info(
        `${filed.id}: filed from ${report.origin.source} (${filed.needsTriage ? "needs-triage" : filed.components[0]}), assigned to ${filed.assignee ?? "nobody"}`,
      );
      tell({ kind: "filed", bug: filed });
      return { bug: filed, env: await autoProvision(filed), existing: false };
    },

    /** A person picked the component of a needs-triage bug: triage again, then provision. */
    async chooseComponent(bugId: string, component: string, actor: string) {
      const { bug, decision } = await retriageBug(store, engine, bugId, component, deps.now());
      const updated = await patch(bug.id, { triage: snapshotOf(decision) });
      tell({ kind: "updated", bug: updated, actor, what: `set the component to ${component}` });
      return { bug: updated, env: await autoProvision(updated) };
    },

    async reassign(bugId: string, actor: string): Promise<PipelineBug> {
      const { assignment } = await rerollAssignee(store, config.teams, bugId, deps.now());
      const bug = await patchExplanation(bugId, assignment.explanation);
      tell({ kind: "updated", bug, actor, what: "reassigned it" });
      return bug;
    },

    async assignTo(bugId: string, assignee: string, actor: string): Promise<PipelineBug> {
      await assignManually(store, bugId, assignee, deps.now());
      const bug = await patchExplanation(bugId, `assigned by hand by ${actor}`);
      tell({ kind: "updated", bug, actor, what: `assigned it to ${assignee}` });
      return bug;
    },

    async close(bugId: string, actor: string, reason: string): Promise<PipelineBug> {
      await closeBug(store, bugId, deps.now(), engine);
      const bug = await patch(bugId, { closeReason: reason } as Partial<PipelineBug>);
      tell({ kind: "closed", bug, actor, reason });
      return bug;
    },

    /** Tells the bug's notifiers something about it without changing it: Slack says it in the thread. */
    async note(bugId: string, actor: string, text: string): Promise<void> {
      tell({ kind: "note", bug: await read(bugId), actor, text });
    },

    /** Provisions (again) for the bug's assignee: the Provision and Retry buttons. */
    async provision(bugId: string): Promise<EnvRecord | null> {
      const state = await store.read();
      const bug = findBug(state, store.file, bugId);
      const current = state.environments.find((env) => env.id === bug.environment);
      const live = current !== undefined && countsTowardLimit(current);
      if (provisioning.has(bugId) || live) {
        throw new HmsError(
          "INVALID_INPUT",
          `${bugId} ${live ? `already has environment ${current.id}` : "is being provisioned already"}`,
        );
      }
      if (bug.status !== "open") throw new HmsError("INVALID_INPUT", `${bugId} is closed: reopen it first`);
      if (bug.components[0] === undefined)
        throw new HmsError("INVALID_INPUT", `${bugId} has no component yet: pick one first`);
      if (bug.assignee === null) throw new HmsError("INVALID_INPUT", `${bugId} has nobody assigned`);
      return provisionFor(bug);
    },

    get: read,

    /** The bug already filed for the message `origin` names (File as bug on a filed message), if any. */
    async reported(origin: BugOrigin): Promise<PipelineBug | undefined> {
      const key = reportKeyOf(origin);
      if (key === undefined) return undefined;
      return bugReported(readTriageState(await store.read(), store.file).bugs as PipelineBug[], key);
    },

    /** Bugs, optionally filtered: App Home lists the open ones assigned to a person. */
    async list(filter: (bug: PipelineBug) => boolean = () => true): Promise<PipelineBug[]> {
      const { bugs } = readTriageState(await store.read(), store.file);
      return (bugs as PipelineBug[]).filter(filter);
    },

    /** The bug an environment was made for, if any. */
    async bugOfEnvironment(envId: string): Promise<PipelineBug | undefined> {
      const making = reserved.get(envId);
      if (making !== undefined) return read(making);
      const { bugs } = readTriageState(await store.read(), store.file);
      return (bugs as PipelineBug[]).find((bug) => bug.environment === envId);
    },

    /**
     * A notifier keeps the ids of its message on the bug, so later updates edit it in place. With
     * `announce`, the others are told (an "updated" event): a link with a `url` (a GitHub issue) shows
     * on the Slack card.
     */
    async link(
      bugId: string,
      notifier: string,
      refs: Record<string, string>,
      options: { announce?: boolean; actor?: string } = {},
    ): Promise<PipelineBug> {
      const linked = await store.update((state) => {
        const bug = findBug(state, store.file, bugId);
        const links = { ...(bug.links ?? {}), [notifier]: { ...(bug.links?.[notifier] ?? {}), ...refs } };
        const index = state.bugs.findIndex((candidate) => candidate.id === bugId);
        state.bugs[index] = { ...state.bugs[index], links };
        return { ...bug, links };
      });
      if (options.announce) {
        tell({ kind: "updated", bug: linked, actor: options.actor ?? notifier, what: `linked ${notifier}` });
      }
      return linked;
    },

    /** Resolves when every notification told so far has been delivered or given up (tests, shutdown). */
    async idle(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };

  async function patchExplanation(bugId: string, explanation: string): Promise<PipelineBug> {
    const bug = await read(bugId);
    if (bug.triage === undefined) return bug;
    return patch(bugId, { triage: { ...bug.triage, explanation } });
  }
}

function optional(report: BugReport) {
  return {
    ...(report.files && { files: report.files }),
    ...(report.labels && { labels: report.labels }),
  };
}
