import type { BugPipeline, PipelineBug } from "../bugs/pipeline.js";
import type { Config } from "../config/load.js";
import type { GithubLog } from "./client.js";
import type { IssuePayload } from "./payloads.js";
import { slackIdOf } from "./people.js";

/** The link the GitHub side keeps on a bug: `bug.links.github`. */
export const GITHUB_LINK = "github";

export interface IssueLink {
  issue: string;
  url: string;
  /** What the issue's body says now, so an unchanged body is not written again. */
  body?: string;
}

export const issueLinkOf = (bug: PipelineBug): Partial<IssueLink> =>
  (bug.links?.[GITHUB_LINK] ?? {}) as Partial<IssueLink>;

/** Whether the bug is the one of this issue, whichever side filed it. */
export function isBugOfIssue(bug: PipelineBug, number: number): boolean {
  const key = String(number);
  return (
    issueLinkOf(bug).issue === key || (bug.origin?.source === "github" && bug.origin.refs?.issue === key)
  );
}

export async function bugOfIssue(pipeline: BugPipeline, number: number): Promise<PipelineBug | undefined> {
  const [bug] = await pipeline.list((candidate) => isBugOfIssue(candidate, number));
  return bug;
}

const labelNames = (issue: IssuePayload["issue"]) =>
  (issue.labels ?? []).map((label) => (typeof label === "string" ? label : label.name));

/**
 * Issues with the bug label are bug reports, as a report in Slack is: the same pipeline triages them
 * (title, body and labels), assigns, posts the card, provisions. Closing the issue closes the bug.
 */
export function createIssueHandler(options: { pipeline: BugPipeline; config: Config; log: GithubLog }) {
  const { pipeline, config, log } = options;

  async function file(payload: IssuePayload): Promise<void> {
    const { issue } = payload;
    if (!labelNames(issue).includes(config.github.bugLabel)) return;
    const author = issue.user?.login;
    const filed = await pipeline.file({
      text: `${issue.title}\n\n${issue.body ?? ""}`.trim(),
      // Only a mapped author is a reporter the rotation can skip and Slack can mention.
      reporter: author === undefined ? undefined : slackIdOf(config.teams, author),
      labels: labelNames(issue),
      origin: { source: "github", link: issue.html_url, refs: { issue: String(issue.number) } },
      // One bug per issue, however many deliveries announce it (`opened`, then `labeled` for each label).
      delivery: { source: "github", id: `issue:${issue.number}` },
    });
    if (filed === null) {
      log.info({ action: "github" }, `issue #${issue.number} is already a bug: nothing filed again`);
    }
  }

  return {
    opened: file,
    labeled: (payload: IssuePayload) =>
      payload.label?.name === config.github.bugLabel ? file(payload) : Promise.resolve(),
    async closed(payload: IssuePayload): Promise<void> {
      const bug = await bugOfIssue(pipeline, payload.issue.number);
      if (bug === undefined || bug.status === "closed") return;
      await pipeline.close(
        bug.id,
        `@${payload.sender.login} on GitHub`,
        `issue #${payload.issue.number} closed`,
      );
    },
  };
}
