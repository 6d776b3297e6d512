import type { App } from "@slack/bolt";
import type { BugOrigin, PipelineBug } from "../../bugs/pipeline.js";
import { checkBranchShape } from "../../envs/plan.js";
import { describeError } from "../../errors.js";
import type { SlackContext } from "../app.js";
import { DETECT, FIELDS, type ModalOrigin, reportModal } from "../blocks/report-modal.js";
import { type ChannelMessage, readChannelMessage } from "../channel-report.js";
import { SHORTCUTS, VIEWS } from "../ids.js";
import { SLACK_LINK } from "../notifier.js";
import { fromSlackText, userText } from "../text.js";

/** A permalink, or nothing when Slack does not answer in time (a trigger_id lives only 3 s). */
async function permalinkOf(ctx: SlackContext, channel: string, ts: string, waitMs = 1000) {
  const asked = ctx.client.chat
    .getPermalink({ channel, message_ts: ts })
    .then((answer) => answer.permalink)
    .catch(() => undefined);
  const late = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), waitMs).unref());
  return Promise.race([asked, late]);
}

/** The three doors: a message in a bug channel, the "Report a bug" modal, "File as bug" on a message. */
export function registerReportDoors(app: App, ctx: SlackContext): void {
  const { services } = ctx;
  const { config, pipeline } = services;

  app.event("message", async ({ event, body }) => {
    const message = event as unknown as ChannelMessage;
    if (!config.slack.bugChannels.includes(message.channel)) return;
    const reading = readChannelMessage(message);
    if ("skip" in reading) {
      if (reading.why) services.log.info(`slack: ${reading.why}`);
      return;
    }
    const eventId = (body as { event_id?: string }).event_id ?? `${message.channel}:${message.ts}`;
    // Slack may deliver the same message again under a new event_id: the pipeline files one bug per message.
    ctx.background(`report ${eventId}`, () =>
      pipeline.file({
        ...reading.report,
        origin: { source: "slack", refs: { kind: "message", channel: message.channel, ts: message.ts } },
        delivery: { source: "slack", id: eventId },
      }),
    );
  });

  app.shortcut(SHORTCUTS.reportBug, async ({ ack, shortcut }) => {
    await ack();
    ctx.background("open the report modal", () =>
      ctx.client.views.open({
        trigger_id: shortcut.trigger_id,
        view: reportModal({ components: config.components }),
      }),
    );
  });

  app.shortcut(SHORTCUTS.fileAsBug, async ({ ack, shortcut, respond }) => {
    await ack();
    if (shortcut.type !== "message_action") return;
    const channel = shortcut.channel.id;
    const ts = shortcut.message.ts;
    const origin: ModalOrigin = { channel, ts };
    ctx.background("open the report modal for a message", async () => {
      const filed = await pipeline.reported(slackOrigin(origin));
      if (filed !== undefined) {
        await respond({ response_type: "ephemeral", text: await alreadyFiled(ctx, filed, origin) });
        return;
      }
      const permalink = await permalinkOf(ctx, channel, ts);
      await ctx.client.views.open({
        trigger_id: shortcut.trigger_id,
        view: reportModal({
          components: config.components,
          prefill: { text: fromSlackText(shortcut.message.text ?? ""), permalink },
          origin,
        }),
      });
    });
  });

  app.view(VIEWS.reportBug, async ({ ack, view, body }) => {
    const values = view.state.values;
    const field = (id: string) => values[id]?.[id];
    const title = field(FIELDS.title)?.value?.trim() ?? "";
    const description = field(FIELDS.description)?.value?.trim() ?? "";
    const component = field(FIELDS.component)?.selected_option?.value ?? DETECT;
    const severity = field(FIELDS.severity)?.selected_option?.value ?? undefined;
    const branch = field(FIELDS.branch)?.value?.trim() || undefined;
    const errors: Record<string, string> = {};
    if (title === "") errors[FIELDS.title] = "A title is needed";
    if (branch !== undefined) {
      try {
        checkBranchShape(branch);
      } catch (error) {
        errors[FIELDS.branch] = describeError(error);
      }
    }
    if (component !== DETECT && !Object.hasOwn(config.components, component)) {
      errors[FIELDS.component] = `Unknown component ${component}`;
    }
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: "errors", errors });
      return;
    }
    await ack();
    const origin = parseOrigin(view.private_metadata);
    const reporter = body.user.id;
    ctx.background(`report from the modal ${view.id}`, async () => {
      const link =
        origin.channel && origin.ts ? await permalinkOf(ctx, origin.channel, origin.ts, 5000) : undefined;
      const filed = await pipeline.file({
        text: `${title}\n\n${description}`.trim(),
        reporter,
        component: component === DETECT ? undefined : component,
        branch,
        severity,
        origin: { source: "slack", link, refs: { kind: "modal", ...origin } },
        // A modal submitted twice (a double click, a retry) is one view: one bug.
        delivery: { source: "slack", id: `view:${view.id}` },
      });
      // The message was filed (by the channel door, or another person) while the modal was open.
      if (filed?.existing && origin.channel) {
        await ctx.client.chat.postEphemeral({
          channel: origin.channel,
          user: reporter,
          text: await alreadyFiled(ctx, filed.bug, origin),
        });
      }
    });
  });
}

/** The pipeline's origin for a report about a Slack message. */
const slackOrigin = (origin: ModalOrigin): BugOrigin => ({
  source: "slack",
  refs: { ...(origin.channel && { channel: origin.channel }), ...(origin.ts && { ts: origin.ts }) },
});

/** Says which bug a message is already, with a link to that bug's thread. */
async function alreadyFiled(ctx: SlackContext, bug: PipelineBug, origin: ModalOrigin): Promise<string> {
  const thread =
    bug.links?.[SLACK_LINK]?.permalink ??
    (origin.channel && origin.ts ? await permalinkOf(ctx, origin.channel, origin.ts) : undefined);
  const name = `*${bug.id}* (${userText(bug.title, 200)})`;
  return `:beetle: This message is already filed as ${name}${thread ? `: <${encodeURI(thread)}|see its thread>` : ""}. Nothing was filed again.`;
}

function parseOrigin(metadata: string | undefined): ModalOrigin {
  try {
    const parsed = JSON.parse(metadata || "{}") as Record<string, unknown>;
    const id = (value: unknown) =>
      typeof value === "string" && /^[A-Z0-9.]{1,32}$/.test(value) ? value : undefined;
    const channel = id(parsed.channel);
    const ts = id(parsed.ts);
    return { ...(channel && { channel }), ...(ts && { ts }) };
  } catch {
    return {};
  }
}
