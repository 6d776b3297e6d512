import type { App, RespondFn } from "@slack/bolt";
import { mayActOnEnvironment } from "../../envs/permissions.js";
import { planProvision } from "../../envs/plan.js";
import { addProgressLine, reservedEnvId } from "../../envs/progress-line.js";
import { describeError, isHmsError } from "../../errors.js";
import type { EnvRecord } from "../../store/schema.js";
import { renderDecision } from "../../triage/render.js";
import type { SlackContext } from "../app.js";
import { environmentMessage, sourceText } from "../blocks/environment.js";
import { parseSlashCommand, SLASH_USAGE, type SlashCommand } from "../command-grammar.js";
import { SLASH_COMMAND } from "../ids.js";
import { envMessageKey, type MessageRef } from "../message-refs.js";
import { code, cut, escapeText, fromCommandText, LIMITS, mention, slackDate } from "../text.js";

/** Progress edits of the DM, at most one a second (chat.update is rate limited per channel). */
const PROGRESS_EVERY_MS = 1000;

const ephemeral = (text: string) => ({
  response_type: "ephemeral" as const,
  text: cut(text, LIMITS.messageText),
});

/** An error as the caller sees it: their mistake comes with the usage; a failure says what failed. */
function errorText(error: unknown): string {
  const message = escapeText(describeError(error));
  if (isHmsError(error) && error.userError && !message.includes("Usage:")) {
    return `${message}\n\n${SLASH_USAGE}`;
  }
  return message;
}

function listText(envs: readonly EnvRecord[]): string {
  if (envs.length === 0)
    return `You have no live environments. \`${SLASH_COMMAND} provision --component hms-dev --branch main\` makes one.`;
  return envs
    .map(
      (env) =>
        `• \`${env.id}\` ${env.status} · ${env.component} at ${sourceText(env)} · expires ${slackDate(env.expiresAt)}\n   \`${escapeText(env.path)}\``,
    )
    .join("\n");
}

/**
 * `/hms-env`: the CLI's grammar, acked at once whatever the work costs. Provisioning answers with one
 * line, then shows its progress in one DM that is edited in place until it holds the launch instructions.
 */
export function registerCommand(app: App, ctx: SlackContext): void {
  const { services } = ctx;
  const { config } = services;

  app.command(SLASH_COMMAND, async ({ command, ack, respond }) => {
    const userId = command.user_id;
    let parsed: SlashCommand;
    try {
      parsed = parseSlashCommand(fromCommandText(command.text ?? ""));
    } catch (error) {
      await ack(ephemeral(errorText(error)));
      return;
    }
    if (parsed.name === "help") {
      await ack(ephemeral(SLASH_USAGE));
      return;
    }
    if (parsed.name === "provision") {
      const { name: _, ...request } = parsed;
      let shownAs: string;
      try {
        // What can be checked without I/O is checked before the ack: bad input creates nothing.
        shownAs = planProvision({ ...request, owner: userId }, config, services.now()).shownAs;
      } catch (error) {
        await ack(ephemeral(errorText(error)));
        return;
      }
      await ack(
        ephemeral(
          `Provisioning ${request.component} at ${escapeText(shownAs)}: follow it in your DM from hms-env.`,
        ),
      );
      ctx.background(`provision for ${userId}`, async () => {
        const live = (await services.listEnvironments()).filter((env) => env.owner === userId);
        if (live.length >= config.maxEnvsPerOwner) {
          await respond(
            ephemeral(
              `You already have ${live.length} environments (limits.maxEnvsPerOwner is ${config.maxEnvsPerOwner}): \`${SLASH_COMMAND} cleanup ID\` one first. Nothing was created.`,
            ),
          );
          return;
        }
        await provisionWithProgress({ ...request, owner: userId });
      });
      return;
    }
    // Everything else reads or writes the state file: the ack goes first, the answer follows.
    await ack();
    ctx.background(`${SLASH_COMMAND} ${parsed.name} for ${userId}`, async () => {
      let text: string;
      try {
        text = await answer(parsed, userId, respond);
      } catch (error) {
        text = errorText(error);
      }
      if (text !== "") await respond(ephemeral(text));
    });
  });

  /** The answer to a command that needs the state file; "" when it answered by itself. */
  async function answer(
    parsed: Exclude<SlashCommand, { name: "help" | "provision" }>,
    userId: string,
    respond: RespondFn,
  ): Promise<string> {
    switch (parsed.name) {
      case "triage": {
        const decision = await services.triage(parsed.text, userId);
        return `\`\`\`${cut(escapeText(renderDecision(decision)), 3500)}\`\`\`\nDry run: nothing was recorded or assigned.`;
      }
      case "list":
        return listText((await services.listEnvironments()).filter((env) => env.owner === userId));
      case "extend": {
        const found = await services.findEnvironment(parsed.id);
        if (!mayActOnEnvironment(found, userId, config)) return refusal(found);
        const env = await services.extend(found.id, parsed.duration, userId);
        ctx.background(`extend ${env.id}`, () => ctx.environmentChanged(env));
        return `\`${env.id}\` now expires ${slackDate(env.expiresAt)}.`;
      }
      case "cleanup": {
        const env = await services.findEnvironment(parsed.id);
        if (!mayActOnEnvironment(env, userId, config)) return refusal(env);
        await respond(ephemeral(`Cleaning up \`${env.id}\`…`));
        const done = await services.cleanup(env.id, userId);
        ctx.background(`cleanup ${env.id}`, () => ctx.environmentChanged(done));
        return `\`${done.id}\` is gone.`;
      }
    }
  }

  /** Already Slack text: the owner is a mention, everything else is escaped. */
  function refusal(env: EnvRecord): string {
    return `Only the owner ${mention(env.owner)}, the team owning ${escapeText(env.component)} and admins can change ${code(env.id)}; nothing was changed.`;
  }

  /**
   * Provisions at once and shows it in one DM edited in place. The DM never holds the work up: when Slack
   * cannot be reached the environment is still made, and the feed of changes posts the DM later.
   */
  async function provisionWithProgress(request: Parameters<SlackContext["services"]["provision"]>[0]) {
    const extendChoices = config.slack.extendChoices;
    const lines: string[] = [];
    const first = environmentMessage({ env: undefined, extendChoices, progress: ["starting"] });
    const posting: Promise<MessageRef | undefined> = ctx.client.chat
      .postMessage({ channel: request.owner, ...first })
      .then((posted) => ({ channel: posted.channel ?? request.owner, ts: posted.ts ?? "" }))
      .catch((error: unknown) => {
        services.log.error(`slack: the progress DM to ${request.owner} failed: ${describeError(error)}`);
        return undefined;
      });
    let lastEdit = 0;
    let envId: string | undefined;
    const remember = async (id: string) => {
      const ref = await posting;
      if (ref) await ctx.refs.set(envMessageKey(id), ref);
    };
    const edit = async (message: ReturnType<typeof environmentMessage>) => {
      const ref = await posting;
      if (ref === undefined) return;
      await ctx.client.chat.update({ ...ref, ...message }).catch((error: unknown) => {
        services.log.error(`slack: progress of ${envId ?? "a provisioning"}: ${describeError(error)}`);
      });
    };
    try {
      const env = await services.provision(request, (event) => {
        addProgressLine(lines, event);
        const reserved = reservedEnvId(event);
        if (reserved) {
          envId = reserved;
          ctx.background(`remember the DM of ${reserved}`, () => remember(reserved));
        }
        if (Date.now() - lastEdit >= PROGRESS_EVERY_MS) {
          lastEdit = Date.now();
          ctx.background("progress", () =>
            edit(environmentMessage({ env: undefined, extendChoices, progress: lines })),
          );
        }
      });
      await remember(env.id);
      if ((await posting) === undefined) {
        // The progress DM never went out: the ready one is posted now, retried as every message is.
        const posted = await ctx.client.chat.postMessage({
          channel: request.owner,
          ...environmentMessage({ env, extendChoices }),
        });
        await ctx.refs.set(envMessageKey(env.id), {
          channel: posted.channel ?? request.owner,
          ts: posted.ts ?? "",
        });
      } else await edit(environmentMessage({ env, extendChoices }));
      ctx.homeChanged(request.owner);
    } catch (error) {
      await edit(environmentMessage({ env: undefined, extendChoices, failure: describeError(error) }));
    }
  }
}
