import type { App, BlockAction, RespondFn } from "@slack/bolt";
import type { PipelineBug } from "../../bugs/pipeline.js";
import { mayActOnBug, mayActOnEnvironment } from "../../envs/permissions.js";
import { describeError, HmsError } from "../../errors.js";
import { firstDelivery } from "../../store/deliveries.js";
import type { EnvRecord } from "../../store/schema.js";
import type { SlackContext } from "../app.js";
import { environmentMessage } from "../blocks/environment.js";
import { ACTIONS } from "../ids.js";
import { mention } from "../text.js";

/** A refusal only the clicker sees; the message itself stays as it is. */
const refuse = (respond: RespondFn, text: string) =>
  respond({ response_type: "ephemeral", replace_original: false, text });

/** The value of the clicked button or the chosen option: ids only. */
function clickedValue(body: BlockAction): string {
  const action = body.actions[0];
  if (action?.type === "button") return action.value ?? "";
  if (action?.type === "static_select") return action.selected_option?.value ?? "";
  return "";
}

function whoMayActOnEnv(env: EnvRecord, ctx: SlackContext): string {
  const teams = Object.entries(ctx.services.config.teams)
    .filter(([, team]) => team.components.some((component) => env.components.includes(component)))
    .map(([id, team]) => team.name ?? id);
  return [`its owner ${mention(env.owner)}`, ...teams.map((team) => `the ${team}`), "admins"].join(", ");
}

/** The buttons on cards, DMs and App Home; each checks who clicked before anything changes. */
export function registerActions(app: App, ctx: SlackContext): void {
  const { services } = ctx;
  const { pipeline, config } = services;

  /** Bug buttons: the bug's team, its assignee and admins. A double click (same record seen) acts once. */
  const onBug = (
    prefix: string,
    act: (bug: PipelineBug, userId: string, detail: string) => Promise<unknown>,
  ) =>
    app.action<BlockAction>(new RegExp(`^${prefix}(:|$)`), async ({ ack, body, respond }) => {
      await ack();
      const [token = "", detail = ""] = clickedValue(body).split(" ");
      const bugId = token.split("@")[0] ?? "";
      const userId = body.user.id;
      ctx.background(`${prefix} ${bugId} by ${userId}`, async () => {
        const bug = await pipeline.get(bugId).catch(() => undefined);
        if (bug === undefined) return refuse(respond, `There is no bug ${bugId} any more.`);
        if (!mayActOnBug(bug, userId, config)) {
          const team = bug.team ? (config.teams[bug.team]?.name ?? bug.team) : "its team";
          return refuse(respond, `Only the ${team}, the assignee and admins can do that to ${bug.id}.`);
        }
        if (!(await firstDelivery(services.store, "slack", `${prefix}:${token}`, services.now()))) return;
        try {
          await act(bug, userId, detail);
        } catch (error) {
          await refuse(respond, `${bug.id}: ${describeError(error)}`);
        }
      });
    });

  onBug(ACTIONS.reassign, (bug, userId) => pipeline.reassign(bug.id, userId));
  onBug(ACTIONS.assignToMe, (bug, userId) => pipeline.assignTo(bug.id, userId, userId));
  onBug(ACTIONS.provision, (bug) => pipeline.provision(bug.id));
  onBug(ACTIONS.retry, (bug) => pipeline.provision(bug.id));
  onBug(ACTIONS.close, (bug, userId, reason) =>
    pipeline.close(bug.id, userId, reason === "duplicate" ? "duplicate" : "not a bug"),
  );
  onBug(ACTIONS.component, async (bug, userId, component) => {
    // The option's value comes back from the client: only a configured component is taken.
    if (!Object.hasOwn(config.components, component)) {
      throw new HmsError("INVALID_INPUT", `unknown component "${component}"`);
    }
    return pipeline.chooseComponent(bug.id, component, userId);
  });

  /** Environment buttons: the owner, the team owning its component, admins; others are told no. */
  const onEnv = (
    prefix: string,
    act: (env: EnvRecord, userId: string, detail: string) => Promise<EnvRecord>,
    dedupeKey: (env: EnvRecord, shown: string) => string,
  ) =>
    app.action<BlockAction>(new RegExp(`^${prefix}(:|$)`), async ({ ack, body, respond }) => {
      await ack();
      const [envId = "", detail = "", shown = ""] = clickedValue(body).split(" ");
      const userId = body.user.id;
      ctx.background(`${prefix} ${envId} by ${userId}`, async () => {
        const env = await services.findEnvironment(envId).catch(() => undefined);
        if (env === undefined) return refuse(respond, `There is no environment ${envId} any more.`);
        if (!mayActOnEnvironment(env, userId, config)) {
          return refuse(
            respond,
            `Only ${whoMayActOnEnv(env, ctx)} can change \`${env.id}\`. Nothing was changed.`,
          );
        }
        if (!(await firstDelivery(services.store, "slack", dedupeKey(env, shown), services.now()))) return;
        let changed: EnvRecord;
        try {
          changed = await act(env, userId, detail);
        } catch (error) {
          return refuse(respond, `\`${env.id}\`: ${describeError(error)}`);
        }
        await updateClicked(body, changed);
        await ctx.environmentChanged(changed);
      });
    });

  /** The message the button was on shows the new state at once (App Home is republished instead). */
  const updateClicked = async (body: BlockAction, env: EnvRecord) => {
    const container = body.container as { type?: string; channel_id?: string; message_ts?: string };
    if (container.type !== "message" || !container.channel_id || !container.message_ts) return;
    const bug = await pipeline.bugOfEnvironment(env.id);
    await ctx.client.chat.update({
      channel: container.channel_id,
      ts: container.message_ts,
      ...environmentMessage({
        env,
        bug,
        threadLink: bug?.links?.slack?.permalink,
        extendChoices: config.slack.extendChoices,
      }),
    });
  };

  // The deadline the clicker saw is part of the key: a second click on the same message extends once.
  onEnv(
    ACTIONS.extend,
    (env, userId, choice) => services.extend(env.id, choice, userId),
    (env, shown) => `extend:${env.id}:${shown}`,
  );
  onEnv(
    ACTIONS.cleanup,
    (env, userId) => services.cleanup(env.id, userId),
    (env) => `cleanup:${env.id}:${env.createdAt}`,
  );
}
