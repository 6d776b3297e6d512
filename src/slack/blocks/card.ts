import type { PipelineBug } from "../../bugs/pipeline.js";
import type { ComponentConfig } from "../../config/schema.js";
import type { EnvRecord } from "../../store/schema.js";
import { ACTIONS } from "../ids.js";
import { escapeText, mention, slackDate, userText } from "../text.js";
import { actions, type Block, button, context, header, limitBlocks, section } from "./kit.js";

/** Where a bug stands, as the card shows it. */
export type CardPhase = "triaged" | "provisioning" | "ready" | "failed" | "cleaned" | "closed";

export function phaseOf(bug: PipelineBug, env: EnvRecord | undefined, provisioning = false): CardPhase {
  if (bug.status === "closed") return "closed";
  if (provisioning) return "provisioning";
  if (bug.provisionError) return "failed";
  if (env === undefined) return "triaged";
  if (env.status === "ready") return "ready";
  if (env.status === "provisioning") return "provisioning";
  // An environment taken down because its provisioning failed (or was interrupted) is a failure to retry.
  if (env.status === "failed" || env.cleanReason === "failed") return "failed";
  return "cleaned";
}

const CLEAN_REASONS: Record<string, string> = {
  manual: "cleaned up by hand",
  expired: "its time ran out",
  merged: "the pull request was merged",
  closed: "the pull request was closed",
  draft: "the pull request went back to draft",
  replaced: "replaced by one at the pull request's new head",
  missing: "its folder was removed outside hms-env",
  failed: "provisioning failed",
};

export function cleanReasonText(env: EnvRecord): string {
  return CLEAN_REASONS[env.cleanReason ?? ""] ?? env.cleanReason ?? "it was removed";
}

function statusLine(bug: PipelineBug, env: EnvRecord | undefined, phase: CardPhase): string {
  const owner = env ? mention(env.owner) : "the assignee";
  switch (phase) {
    case "triaged":
      return bug.needsTriage ? ":warning: *Needs triage*" : ":mag: *Triaged*";
    case "provisioning":
      return `:hourglass_flowing_sand: *Provisioning* an environment for ${bug.assignee ? mention(bug.assignee) : owner}…`;
    case "ready":
      return `:white_check_mark: *Environment ready* for ${owner}: \`${env?.id}\`, expires ${env ? slackDate(env.expiresAt) : ""}`;
    case "failed":
      return `:x: *Provisioning failed:* ${userText(bug.provisionError ?? env?.failure ?? "unknown reason", 1500)}`;
    case "cleaned":
      return `:broom: *Environment gone:* \`${env?.id}\` (${env ? cleanReasonText(env) : ""})`;
    case "closed":
      return `:lock: *Closed* (${escapeText(String(bug.closeReason ?? "closed"))})`;
  }
}

function triageSections(bug: PipelineBug): Block[] {
  const triage = bug.triage;
  if (triage === undefined) return [];
  const components =
    triage.components.length === 0
      ? "none found"
      : triage.components
          .map(
            (match) =>
              `*${match.component}* (${match.confidence.toFixed(2)})\n${match.reasons.map((reason) => `• ${userText(reason, 300)}`).join("\n")}`,
          )
          .join("\n");
  const team = triage.team ? `${escapeText(triage.team.name)}: ${userText(triage.team.reason, 500)}` : "none";
  const assignee = bug.assignee ? mention(bug.assignee) : "nobody";
  const blocks: Block[] = [
    section(`*Components*\n${components}`),
    section(`*Team:* ${team}\n*Assignee:* ${assignee}: ${userText(triage.explanation, 500)}`),
  ];
  if (triage.rootCauses.length > 0) {
    blocks.push(
      section(
        `*Root causes*\n${triage.rootCauses
          .map(
            (cause, index) =>
              `${index + 1}. *${escapeText(cause.title)}* (${cause.id}${cause.likely ? "" : ", text match only"})\n    fix: ${userText(cause.fix, 600)}`,
          )
          .join("\n")}`,
      ),
    );
  }
  if (triage.duplicates.length > 0) {
    blocks.push(
      section(
        `*Possible duplicates*\n${triage.duplicates
          .map((dup) => `• ${dup.id} (similarity ${dup.similarity.toFixed(2)}): ${userText(dup.title, 200)}`)
          .join("\n")}`,
      ),
    );
  }
  return blocks;
}

function componentPicker(bug: PipelineBug, components: Record<string, ComponentConfig>): Block {
  const why = bug.triage?.summary ?? "no component could be told from the report";
  return {
    type: "section",
    text: {
      type: "mrkdwn",
      text: `:warning: *Needs triage:* ${userText(why, 1000)}\nIt went to the fallback team. Pick the component to triage and provision it:`,
    },
    accessory: {
      type: "static_select",
      action_id: ACTIONS.component,
      placeholder: { type: "plain_text", text: "Component" },
      options: Object.entries(components)
        .slice(0, 100)
        .map(([id, component]) => ({
          text: { type: "plain_text", text: `${component.name} (${id})`.slice(0, 75) },
          // Only ids: the bug and the component, never a record.
          value: `${bugToken(bug)} ${id}`,
        })),
    },
  };
}

/**
 * What a card's buttons carry: the bug id and the version of the bug the card showed, so two clicks on
 * the same card (a double click) act once, and a click on an updated card acts again.
 */
export function bugToken(bug: PipelineBug): string {
  return `${bug.id}@${Date.parse(bug.updatedAt) || 0}`;
}

function cardButtons(bug: PipelineBug, phase: CardPhase): Block[] {
  if (phase === "closed") return [];
  const token = bugToken(bug);
  const buttons = [
    button("Reassign", ACTIONS.reassign, token),
    button("Assign to me", ACTIONS.assignToMe, token),
  ];
  if (!bug.needsTriage && phase !== "provisioning" && phase !== "ready") {
    buttons.push(
      phase === "failed"
        ? button("Retry", ACTIONS.retry, token, "primary")
        : button("Provision environment", ACTIONS.provision, token, "primary"),
    );
  }
  buttons.push(
    button("Close: not a bug", ACTIONS.close, `${token} not-a-bug`, "danger"),
    button("Close: duplicate", ACTIONS.close, `${token} duplicate`, "danger"),
  );
  return [actions(buttons)];
}

export interface CardInput {
  bug: PipelineBug;
  env: EnvRecord | undefined;
  phase: CardPhase;
  components: Record<string, ComponentConfig>;
}

/** The one card of a bug: everything triage found, where its environment stands, and what to do. */
export function bugCard({ bug, env, phase, components }: CardInput): { text: string; blocks: Block[] } {
  const origin = bug.origin?.link ? ` · <${encodeURI(bug.origin.link)}|report>` : "";
  // The GitHub issue made for a bug reported here (one from GitHub links to it as its report already).
  const issue = bug.links?.github;
  const onGithub =
    issue?.url && issue.issue && bug.origin?.source !== "github"
      ? ` · <${encodeURI(issue.url)}|GitHub #${issue.issue}>`
      : "";
  const branch = bug.branch
    ? ` · branch \`${escapeText(bug.branch)}\``
    : bug.branchNote
      ? ` · ${escapeText(bug.branchNote)}`
      : "";
  // Named only: the files stay in Slack, attached to the report the card's thread starts with.
  const attached = bug.attachments?.length ? ` · attached: ${userText(bug.attachments.join(", "), 500)}` : "";
  const blocks: Block[] = [
    header(`${bug.id}: ${bug.title || "untitled report"}`),
    section(statusLine(bug, env, phase)),
    ...(bug.needsTriage && phase !== "closed" ? [componentPicker(bug, components)] : []),
    ...triageSections(bug),
    ...cardButtons(bug, phase),
    context(
      `Reported by ${bug.reporter ? mention(bug.reporter) : "someone"}${bug.severity ? ` · severity ${escapeText(bug.severity)}` : ""}${branch}${attached}${origin}${onGithub}`,
    ),
  ];
  return { text: `${bug.id}: ${userText(bug.title, 200)} (${phase})`, blocks: limitBlocks(blocks) };
}
