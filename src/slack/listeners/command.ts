import type { App, RespondFn } from "@slack/bolt";
import { progressLine } from "../../cli/render.js";
import { mayActOnEnvironment } from "../../envs/permissions.js";
import { planProvision } from "../../envs/plan.js";
import { describeError, isHmsError } from "../../errors.js";
import type { EnvRecord } from "../../store/schema.js";
import { renderDecision } from "../../triage/render.js";
import type { SlackContext } from "../app.js";
import { environmentMessage, sourceText } from "../blocks/environment.js";
import { parseSlashCommand, SLASH_USAGE, type SlashCommand } from "../command-grammar.js";
import { SLASH_COMMAND } from "../ids.js";
import { envMessageKey } from "../message-refs.js";
import { cut, escapeText, LIMITS, slackDate } from "../text.js";

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
      parsed = parseSlashCommand(command.text ?? "");
    } catch (error) {
      await ack(ephemeral(errorText(error)));
      return;
    }
    try {
      await answer(parsed, userId, ack, respond);
    } catch (error) {
      await ack(ephemeral(errorText(error)));
    }
  });

  async function answer(
    parsed: SlashCommand,
    userId: string,
    ack: (answer: ReturnType<typeof ephemeral>) => Promise<void>,
    respond: RespondFn,
  ): Promise<void> {
    switch (parsed.name) {
      case "help":
        return ack(ephemeral(SLASH_USAGE));
      case "triage": {
        const decision = await services.triage(parsed.text, userId);
        return ack(
          ephemeral(
            `\`\`\`${cut(escapeText(renderDecision(decision)), 3500)}\`\`\`\nDry run: nothing was recorded or assigned.`,
          ),
        );
      }
      case "list":
        return ack(
          ephemeral(listText((await services.listEnvironments()).filter((env) => env.owner === userId))),
        );
      case "extend": {
        await mayAct(parsed.id, userId);
        const env = await services.extend(parsed.id, parsed.duration, userId);
        await ack(ephemeral(`\`${env.id}\` now expires ${slackDate(env.expiresAt)}.`));
        ctx.background(`extend ${env.id}`, () => ctx.environmentChanged(env));
        return;
      }
      case "cleanup": {
        const env = await mayAct(parsed.id, userId);
        await ack(ephemeral(`Cleaning up \`${env.id}\`…`));
        ctx.background(`cleanup ${env.id}`, async () => {
          try {
            const done = await services.cleanup(env.id, userId);
            await respond(ephemeral(`\`${done.id}\` is gone.`));
            await ctx.environmentChanged(done);
          } catch (error) {
            await respond(ephemeral(`Could not clean up \`${env.id}\`: ${errorText(error)}`));
          }
        });
        return;
      }
      case "provision": {
        const { name: _, ...request } = parsed;
        // Everything that can be checked without git is checked before the ack: bad input creates nothing.
        const plan = planProvision({ ...request, owner: userId }, config, services.now());
        const live = (await services.listEnvironments()).filter((env) => env.owner === userId);
        if (live.length >= config.maxEnvsPerOwner) {
          throw new Error(
            `you already have ${live.length} environments (limits.maxEnvsPerOwner is ${config.maxEnvsPerOwner}): \`${SLASH_COMMAND} cleanup ID\` one first`,
          );
        }
        await ack(
          ephemeral(
            `Provisioning ${plan.component} at ${escapeText(plan.shownAs)}: follow it in your DM from hms-env.`,
          ),
        );
        ctx.background(`provision for ${userId}`, () => provisionWithProgress({ ...request, owner: userId }));
        return;
      }
    }
  }

  async function mayAct(key: string, userId: string): Promise<EnvRecord> {
    const env = await services.findEnvironment(key);
    if (!mayActOnEnvironment(env, userId, config)) {
      throw new Error(
        `only the owner <@${env.owner}>, the team owning ${env.component} and admins can change \`${env.id}\`; nothing was changed`,
      );
    }
    return env;
  }

  async function provisionWithProgress(request: Parameters<SlackContext["services"]["provision"]>[0]) {
    const extendChoices = config.slack.extendChoices;
    const lines: string[] = [];
    const first = environmentMessage({ env: undefined, extendChoices, progress: ["starting"] });
    const posted = await ctx.client.chat.postMessage({ channel: request.owner, ...first });
    const ref = { channel: posted.channel ?? request.owner, ts: posted.ts ?? "" };
    let lastEdit = 0;
    let envId: string | undefined;
    const edit = (message: ReturnType<typeof environmentMessage>) =>
      ctx.client.chat.update({ ...ref, ...message }).catch((error: unknown) => {
        services.log.error(`slack: progress of ${envId ?? "a provisioning"}: ${describeError(error)}`);
      });
    try {
      const env = await services.provision(request, (event) => {
        lines.push(progressLine(event));
        const reserved = /^(env-[0-9a-f]+) at /.exec(event.detail);
        if (event.step === "reserve" && reserved?.[1]) {
          envId = reserved[1];
          void ctx.refs.set(envMessageKey(envId), ref);
        }
        if (Date.now() - lastEdit >= PROGRESS_EVERY_MS) {
          lastEdit = Date.now();
          void edit(environmentMessage({ env: undefined, extendChoices, progress: lines }));
        }
      });
      await ctx.refs.set(envMessageKey(env.id), ref);
      await edit(environmentMessage({ env, extendChoices }));
      ctx.homeChanged(request.owner);
    } catch (error) {
      await edit(environmentMessage({ env: undefined, extendChoices, failure: describeError(error) }));
    }
  }
}
