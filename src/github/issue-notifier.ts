import type { BugEvent, BugNotifier, BugPipeline, PipelineBug } from "../bugs/pipeline.js";
import type { Config } from "../config/load.js";
import { cutText } from "../cut-text.js";
import type { GithubLog, GithubRest } from "./client.js";
import { GITHUB_LINK, issueLinkOf } from "./issues.js";
import { loginOf } from "./people.js";
import { inlineName, reportMarkdown } from "./report-markdown.js";

/** GitHub's limit on an issue body. */
const MAX_BODY = 60_000;

/** An issue's body for a bug reported in Slack: who, where, what, and what triage decided. */
export function issueBody(bug: PipelineBug): string {
  const slack = (bug.links?.slack ?? {}) as { permalink?: string };
  const reporter = bug.reporter === null ? "someone" : `Slack user \`${bug.reporter}\``;
  const lines = [
    `Reported in Slack by ${reporter}${slack.permalink ? ` · [Slack thread](${slack.permalink})` : ""} · hms-env ${bug.id}`,
    "",
    reportMarkdown(bug.text, MAX_BODY / 2),
  ];
  if (bug.attachments?.length) {
    lines.push("", `Attached in Slack: ${bug.attachments.map(inlineName).join(", ")}`);
  }
  const triage = bug.triage;
  if (triage) {
    lines.push("", "---", `**Triage:** ${triage.summary}`);
    if (triage.team) lines.push(`**Team:** ${triage.team.name} (${triage.team.reason})`);
    lines.push(`**Assignee:** ${triage.explanation}`);
    for (const cause of triage.rootCauses.filter((entry) => entry.likely)) {
      lines.push(`**Likely root cause:** ${cause.id} ${cause.title}: ${cause.rootCause}`);
    }
  }
  return cutText(lines.join("\n"), MAX_BODY);
}

/** Reasons Slack's Close button gives for a report that needs no fix. */
const NOT_PLANNED = new Set(["not a bug", "duplicate"]);

const isValidationError = (error: unknown) => (error as { status?: number }).status === 422;

/**
 * The GitHub side of the bug pipeline. A bug reported in Slack becomes an issue (title, a body with
 * the reporter, the Slack thread and triage's reasons, the component and bug labels, the assignee's
 * login); a bug from an issue gets its assignee and component label there. Reassigning moves the
 * assignee, closing the bug closes the issue. The issue's number is kept on the bug (`links.github`).
 */
export function createIssueNotifier(options: {
  rest: () => Promise<GithubRest>;
  owner: string;
  repo: string;
  config: Config;
  pipeline: BugPipeline;
  log: GithubLog;
}): BugNotifier {
  const { rest, owner, repo, config, pipeline, log } = options;
  const target = { owner, repo };
  const createIssues = config.github.createIssues ?? true;

  const assigneeOf = (bug: PipelineBug) =>
    bug.assignee === null ? undefined : loginOf(config.teams, bug.assignee);
  const labelsOf = (bug: PipelineBug) => (bug.components[0] === undefined ? [] : [bug.components[0]]);

  async function createIssue(client: GithubRest, bug: PipelineBug): Promise<void> {
    const body = issueBody(bug);
    const request = {
      ...target,
      title: bug.title || bug.id,
      body,
      labels: [config.github.bugLabel, ...labelsOf(bug)],
    };
    const login = assigneeOf(bug);
    const created = await client.rest.issues
      .create({ ...request, ...(login && { assignees: [login] }) })
      .catch(async (error: unknown) => {
        // An assignee GitHub will not take (no access to the repository) must not lose the issue.
        if (login === undefined || !isValidationError(error)) throw error;
        log.error({ action: "github" }, `${bug.id}: GitHub refused @${login} as assignee: filed without one`);
        return client.rest.issues.create(request);
      });
    await pipeline.link(bug.id, GITHUB_LINK, {
      issue: String(created.data.number),
      url: created.data.html_url,
      body,
    });
    log.info({ action: "github" }, `${bug.id}: filed as GitHub issue #${created.data.number}`);
  }

  /** A bug that came from an issue: its triage shows there as an assignee and a label. */
  async function applyTriage(client: GithubRest, bug: PipelineBug, number: number): Promise<void> {
    const labels = labelsOf(bug);
    if (labels.length > 0) await client.rest.issues.addLabels({ ...target, issue_number: number, labels });
    const login = assigneeOf(bug);
    if (login !== undefined) {
      await client.rest.issues.addAssignees({ ...target, issue_number: number, assignees: [login] });
    }
    await pipeline.link(bug.id, GITHUB_LINK, { issue: String(number), url: bug.origin?.link ?? "" });
  }

  /** The body follows the bug (the Slack thread's link appears once Slack posted the card). */
  async function syncBody(client: GithubRest, bug: PipelineBug, number: number): Promise<void> {
    const body = issueBody(bug);
    if (body === issueLinkOf(bug).body) return;
    await client.rest.issues.update({ ...target, issue_number: number, body });
    await pipeline.link(bug.id, GITHUB_LINK, { body });
  }

  async function handle(event: BugEvent): Promise<void> {
    // Notes come from the GitHub side itself (a root cause learned from a merged fix): the issue has it.
    if (event.kind === "note") return;
    // The stored record has the links other notifiers saved since; the event's copy may predate them.
    const bug = { ...event.bug, links: (await pipeline.get(event.bug.id)).links ?? {} } as PipelineBug;
    const fromGithub = bug.origin?.source === "github";
    const known = issueLinkOf(bug).issue ?? (fromGithub ? bug.origin?.refs?.issue : undefined);
    const number = known === undefined ? undefined : Number(known);
    const client = await rest();
    if (event.kind === "filed") {
      if (number !== undefined) await applyTriage(client, bug, number);
      else if (createIssues) await createIssue(client, bug);
      return;
    }
    if (number === undefined) return;
    if (event.kind === "updated") {
      const login = assigneeOf(bug);
      await client.rest.issues.update({ ...target, issue_number: number, assignees: login ? [login] : [] });
      const labels = labelsOf(bug);
      if (labels.length > 0) await client.rest.issues.addLabels({ ...target, issue_number: number, labels });
      return;
    }
    if (event.kind === "closed") {
      // A bug closed because its issue closed needs nothing more on GitHub.
      if (event.actor.endsWith("on GitHub")) return;
      const login = loginOf(config.teams, event.actor);
      await client.rest.issues.createComment({
        ...target,
        issue_number: number,
        body: `Closed in Slack by ${login === undefined ? `\`${event.actor}\`` : `**${login}**`}: ${event.reason}.`,
      });
      await client.rest.issues.update({
        ...target,
        issue_number: number,
        state: "closed",
        // GitHub shows a bug that was none (or a duplicate) apart from one that was fixed.
        state_reason: NOT_PLANNED.has(event.reason) ? "not_planned" : "completed",
      });
      return;
    }
    if (!fromGithub) await syncBody(client, bug, number);
  }

  return { name: GITHUB_LINK, notify: handle };
}
