import { join } from "node:path";
import type { PipelineBug } from "../../bugs/pipeline.js";
import { shellWord } from "../../envs/shell-quote.js";
import type { EnvRecord } from "../../store/schema.js";
import { ACTIONS } from "../ids.js";
import { escapeText, mention, slackDate, userText } from "../text.js";
import { bugToken, cleanReasonText } from "./card.js";
import { actions, type Block, button, context, limitBlocks, section } from "./kit.js";

export function sourceText(env: Pick<EnvRecord, "branch" | "pr">): string {
  return env.pr !== null ? `PR #${env.pr}` : `branch \`${escapeText(env.branch ?? "?")}\``;
}

/**
 * Extend (one per choice) and Clean up now. Values are ids and the deadline shown, so a second click on
 * the same message (a double click) extends once.
 */
export function environmentButtons(env: EnvRecord, extendChoices: readonly string[]): Block {
  const shown = Math.floor(Date.parse(env.expiresAt) / 1000);
  return actions([
    ...extendChoices.map((choice) =>
      button(`Extend ${choice}`, ACTIONS.extend, `${env.id} ${choice} ${shown}`),
    ),
    button("Clean up now", ACTIONS.cleanup, env.id, "danger"),
  ]);
}

/** The exact commands, the root-cause database and the expiry: what a person needs to start. */
export function launchBlocks(env: EnvRecord): Block[] {
  return [
    section(
      `*Launch it:*\n\`\`\`cd ${escapeText(shellWord(env.path))} && ./launch.sh\`\`\`\nInside: \`HMS_ROOT_CAUSE_DB=${escapeText(shellWord(join(env.path, "data", "root_cause.json")))}\`\nWhen done: \`./cleanup.sh\` (or the button below)`,
    ),
    context(`Expires ${slackDate(env.expiresAt)} · \`${env.id}\` · ${env.component} at ${sourceText(env)}`),
  ];
}

export interface EnvMessageInput {
  env: EnvRecord | undefined;
  bug?: PipelineBug | undefined;
  /** The bug's thread, for "see the thread". */
  threadLink?: string | undefined;
  extendChoices: readonly string[];
  /** Progress lines while provisioning (the slash command shows them). */
  progress?: readonly string[];
  /** Why provisioning failed, when there is no record to say it (refused before anything was made). */
  failure?: string | undefined;
}

function bugLines(bug: PipelineBug | undefined, threadLink: string | undefined): Block[] {
  if (bug === undefined) return [];
  const link = threadLink ? ` (<${encodeURI(threadLink)}|thread>)` : "";
  const cause = bug.triage?.rootCauses[0];
  const blocks: Block[] = [section(`*${bug.id}*${link}: ${userText(bug.title, 500)}`)];
  if (cause) {
    blocks.push(
      section(
        `*${cause.likely ? "Likely root cause" : "Possibly related"}:* ${escapeText(cause.title)} (${cause.id})\n${userText(cause.rootCause, 1000)}\n*Fix:* ${userText(cause.fix, 1000)}`,
      ),
    );
  }
  return blocks;
}

/**
 * The message about one environment (the assignee's DM, the /hms-env reply): it follows the environment
 * through provisioning, ready, failed and gone, always updated in place.
 */
export function environmentMessage(input: EnvMessageInput): { text: string; blocks: Block[] } {
  const { env, bug, extendChoices } = input;
  const about = bugLines(bug, input.threadLink);
  const retry = bug ? [actions([button("Retry", ACTIONS.retry, bugToken(bug), "primary")])] : [];
  if (env === undefined || env.status === "provisioning") {
    const failure = input.failure;
    if (failure !== undefined) {
      return {
        text: `Provisioning failed: ${userText(failure, 300)}`,
        blocks: limitBlocks([
          ...about,
          section(`:x: *Provisioning failed:* ${userText(failure, 2500)}`),
          ...retry,
        ]),
      };
    }
    const lines = (input.progress ?? []).map((line) => escapeText(line)).join("\n");
    return {
      text: "Provisioning an environment…",
      blocks: limitBlocks([
        ...about,
        section(
          `:hourglass_flowing_sand: *Provisioning* ${env ? `\`${env.id}\` (${env.component} at ${sourceText(env)})` : "an environment"}…${lines ? `\n\`\`\`${lines.slice(-2500)}\`\`\`` : ""}`,
        ),
      ]),
    };
  }
  if (env.status === "ready") {
    return {
      text: `Environment ${env.id} is ready: cd ${escapeText(shellWord(env.path))} && ./launch.sh`,
      blocks: limitBlocks([
        section(
          `:white_check_mark: *Environment \`${env.id}\` is ready* for ${mention(env.owner)}: ${env.component} at ${sourceText(env)}`,
        ),
        ...about,
        ...launchBlocks(env),
        environmentButtons(env, extendChoices),
      ]),
    };
  }
  // A bug's environment whose provisioning failed (or was interrupted) and was then taken down is still
  // a failure to retry, not just "gone".
  if (
    (env.status === "failed" && env.cleanReason === undefined) ||
    (bug !== undefined && env.cleanReason === "failed")
  ) {
    const reason = env.failure ?? "unknown reason";
    return {
      text: `Provisioning ${env.id} failed: ${userText(reason, 300)}`,
      blocks: limitBlocks([
        ...about,
        section(`:x: *Provisioning \`${env.id}\` failed:* ${userText(reason, 2500)}`),
        ...retry,
      ]),
    };
  }
  const gone = env.status === "cleaning" ? "is being cleaned up" : `is gone: ${cleanReasonText(env)}`;
  return {
    text: `Environment ${env.id} ${gone}`,
    blocks: limitBlocks([...about, section(`:broom: *Environment \`${env.id}\` ${gone}.*`)]),
  };
}

/** The one warning before a deadline: when it goes, and the buttons to keep it. */
export function expiryWarning(
  env: EnvRecord,
  extendChoices: readonly string[],
): { text: string; blocks: Block[] } {
  return {
    text: `Environment ${env.id} expires ${slackDate(env.expiresAt)}`,
    blocks: [
      section(
        `:alarm_clock: *Environment \`${env.id}\` expires ${slackDate(env.expiresAt)}* and will be cleaned up then.\n${env.component} at ${sourceText(env)}, \`${escapeText(env.path)}\``,
      ),
      environmentButtons(env, extendChoices),
    ],
  };
}

/** To the owner and the admins, once, when cleanup gave up: what failed and what to do. */
export function needsAttentionMessage(env: EnvRecord): { text: string; blocks: Block[] } {
  const error = env.lastError ?? "unknown error";
  return {
    text: `Environment ${env.id} could not be cleaned up and needs a person`,
    blocks: [
      section(
        `:rotating_light: *Environment \`${env.id}\` could not be cleaned up* after ${env.attempts ?? "several"} attempts and needs a person.\n*Last error:* ${userText(error, 2000)}\n*Folder:* \`${escapeText(env.path)}\` (owner ${mention(env.owner)})`,
      ),
      context(
        `Fix the cause, then run \`hms-env cleanup ${env.id}\` on the server, or remove the folder by hand.`,
      ),
    ],
  };
}
