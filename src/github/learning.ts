import type { PipelineBug } from "../bugs/pipeline.js";
import { addRootCauseEntry } from "../bugs/root-cause-file.js";
import { describeError, isHmsError } from "../errors.js";
import type { RootCauseIndex } from "../triage/root-cause/index.js";
import type { GithubRest } from "./client.js";
import { isBugOfIssue } from "./issues.js";
import type { PullPayload } from "./payloads.js";
import { closedIssues, rootCauseEntry, rootCauseSection } from "./root-cause.js";
import type { GithubServices } from "./services.js";

/** The bug record of the issue, when the bug pipeline filed one (from the issue, or from Slack). */
function trackedBug(bugs: readonly Record<string, unknown>[], issue: number): PipelineBug | undefined {
  return (bugs as PipelineBug[]).find((bug) => isBugOfIssue(bug, issue));
}

/** What the bug's Slack thread is told: which entry, from which fix, and what the cause was. */
function slackNote(payload: PullPayload, entryId: string, cause: string): string {
  const pull = payload.pull_request;
  const summary = cause.length > 500 ? `${cause.slice(0, 499)}…` : cause;
  return [
    `Root cause recorded as ${entryId} from the merged fix #${payload.number} "${pull.title}" (${pull.html_url}):`,
    summary,
    "The next report with this error gets it as its likely root cause.",
  ].join("\n");
}

export interface LearningOptions {
  services: GithubServices;
  rest: () => Promise<GithubRest>;
  owner: string;
  repo: string;
  /** The live triage index: a new entry joins it without a rebuild. */
  rootCauses?: RootCauseIndex;
}

/**
 * A merged PR that closes a tracked bug and explains its root cause adds an entry to the root-cause
 * database. A bug is tracked when hms-env holds a record of it, or when its issue has the bug label.
 */
export function createRootCauseLearning({ services, rest, owner, repo, rootCauses }: LearningOptions) {
  const { config, store, log } = services;

  return async function learnFromMerge(payload: PullPayload, components: readonly string[]): Promise<void> {
    const body = payload.pull_request.body ?? "";
    const cause = rootCauseSection(body);
    const issues = closedIssues(body, `${owner}/${repo}`);
    if (cause === null || issues.length === 0) return;
    const client = await rest();
    const bugs = (await store.read()).bugs;
    for (const number of issues) {
      const { data: issue } = await client.rest.issues.get({ owner, repo, issue_number: number });
      const bug = trackedBug(bugs, number);
      const labelled = issue.labels.some(
        (label) => (typeof label === "string" ? label : label.name) === config.github.bugLabel,
      );
      if (bug === undefined && !labelled) {
        log.info(
          { action: "github" },
          `PR #${payload.number} fixes #${number}, which is not a tracked bug: no root cause recorded`,
        );
        continue;
      }
      const entry = rootCauseEntry({
        pull: {
          number: payload.number,
          title: payload.pull_request.title,
          url: payload.pull_request.html_url,
        },
        issue: {
          number,
          title: bug?.title ?? issue.title,
          url: issue.html_url,
          text: bug?.text ?? `${issue.title}\n${issue.body ?? ""}`,
        },
        component: bug?.components[0] ?? components[0] ?? "all",
        rootCause: cause,
        today: services.now().toISOString().slice(0, 10),
      });
      try {
        const added = await addRootCauseEntry(config.rootCauseDb, entry, {
          holder: services.holder,
          index: rootCauses,
        });
        log.info(
          { action: "github" },
          `PR #${payload.number}: root cause of #${number} recorded as ${added.id}`,
        );
        await client.rest.issues.createComment({
          owner,
          repo,
          issue_number: number,
          body: `hms-env recorded the root cause from #${payload.number} as \`${added.id}\` in the root-cause database: the next report with this error is pointed to it.`,
        });
        if (bug !== undefined)
          await services.pipeline?.note(bug.id, "github", slackNote(payload, added.id, cause));
      } catch (error) {
        // A redelivered merge finds its entry already there; anything else is worth a look.
        if (isHmsError(error, "INVALID_INPUT") && /already exists/.test(error.message)) continue;
        log.error(
          { action: "github" },
          `PR #${payload.number}: the root cause of #${number} was not recorded: ${describeError(error)}`,
        );
      }
    }
  };
}
