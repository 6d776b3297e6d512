import type { webApi } from "@slack/bolt";
import type { BugEvent, BugNotifier, PipelineBug } from "../bugs/pipeline.js";
import { describeError } from "../errors.js";
import { createKeyedSerialQueue } from "../serial-queue.js";
import type { EnvRecord } from "../store/schema.js";
import { bugCard, phaseOf } from "./blocks/card.js";
import { environmentMessage } from "./blocks/environment.js";
import { createMessageRefs, envMessageKey, type MessageRef } from "./message-refs.js";
import type { IsSlackRecipient } from "./recipients.js";
import type { SlackServices } from "./services.js";
import { LIMITS, mention, userText } from "./text.js";

type WebClient = webApi.WebClient;

/** The ids the Slack side keeps on a bug (bug.links.slack). */
interface SlackLinks {
  cardChannel?: string;
  cardTs?: string;
  /** The thread the card lives in (the report's message, or the opener of a modal report). */
  threadTs?: string;
  /** The channel of an opener this app posted (saved with threadTs, before the card is posted). */
  threadChannel?: string;
  dmChannel?: string;
  dmTs?: string;
  /** Whose DM that is: a reassignment sends the new assignee a DM of their own. */
  dmUser?: string;
  permalink?: string;
}

export const SLACK_LINK = "slack";

const linksOf = (bug: PipelineBug): SlackLinks => (bug.links?.[SLACK_LINK] ?? {}) as SlackLinks;

/**
 * The Slack side of the bug pipeline: one card per bug, posted once and then edited in place, and one DM
 * to the assignee that follows their environment. Every message is drawn again from the records, so a
 * message that failed to go out is brought up to date by the next one that does.
 */
export function createSlackNotifier(deps: {
  client: WebClient;
  services: SlackServices;
  /** Called after any change a person may see on App Home. */
  homeChanged(userId: string): void;
  isRecipient: IsSlackRecipient;
}) {
  const { client, services } = deps;
  const { config, pipeline } = services;
  const refs = createMessageRefs(services.store);

  const findEnv = async (id: string | null | undefined): Promise<EnvRecord | undefined> => {
    if (!id) return undefined;
    return services.findEnvironment(id).catch(() => undefined);
  };

  /**
   * Where a card goes: the report's thread, a thread opened for it in the first bug channel, or the
   * team's channel. An opener is saved on the bug before its card is posted, so a card post that fails,
   * or a restart in between, finds the thread and never opens a second one.
   */
  async function openThread(bug: PipelineBug): Promise<{ channel: string; threadTs?: string } | undefined> {
    const refsOf = bug.origin?.refs ?? {};
    if (refsOf.channel && refsOf.ts && refsOf.kind === "message") {
      return { channel: refsOf.channel, threadTs: refsOf.ts };
    }
    const links = linksOf(bug);
    if (links.threadChannel && links.threadTs)
      return { channel: links.threadChannel, threadTs: links.threadTs };
    const teamChannel = bug.team ? config.teams[bug.team]?.channel : undefined;
    if (bug.origin?.source === "slack") {
      const channel = config.slack.bugChannels[0] ?? teamChannel;
      if (channel === undefined) return undefined;
      const opener = await client.chat.postMessage({
        channel,
        text: `:beetle: ${bug.id} reported by ${bug.reporter ? mention(bug.reporter) : "someone"}: ${userText(bug.title, 500)}`,
        unfurl_links: false,
      });
      const thread = { channel: opener.channel ?? channel, threadTs: opener.ts ?? "" };
      await pipeline.link(bug.id, SLACK_LINK, { threadChannel: thread.channel, threadTs: thread.threadTs });
      return thread;
    }
    const channel = teamChannel ?? config.slack.bugChannels[0];
    return channel === undefined ? undefined : { channel };
  }

  /**
   * The card is written by the bug's notifications and by the feed of environment changes, which do not
   * wait for each other: one write per bug at a time, each reading the links the one before saved, so
   * two of them never both post a card.
   */
  const cardTurn = createKeyedSerialQueue();
  const upsertCard = (stale: PipelineBug, env: EnvRecord | undefined, provisioning: boolean) =>
    cardTurn(stale.id, async () => {
      const bug = { ...stale, links: (await pipeline.get(stale.id)).links ?? {} } as PipelineBug;
      return writeCard(bug, env, provisioning);
    });

  async function writeCard(bug: PipelineBug, env: EnvRecord | undefined, provisioning: boolean) {
    const card = bugCard({ bug, env, phase: phaseOf(bug, env, provisioning), components: config.components });
    const links = linksOf(bug);
    if (links.cardChannel && links.cardTs) {
      await client.chat.update({ channel: links.cardChannel, ts: links.cardTs, ...card });
      return bug;
    }
    const where = await openThread(bug);
    if (where === undefined) {
      services.log.info(`${bug.id}: no channel for its card (slack.bugChannels, teams.${bug.team}.channel)`);
      return bug;
    }
    const posted = await client.chat.postMessage({
      channel: where.channel,
      ...(where.threadTs && { thread_ts: where.threadTs }),
      ...card,
      unfurl_links: false,
    });
    const channel = posted.channel ?? where.channel;
    const saved: Record<string, string> = { cardChannel: channel, cardTs: posted.ts ?? "" };
    if (where.threadTs) saved.threadTs = where.threadTs;
    const permalink = await client.chat
      .getPermalink({ channel, message_ts: where.threadTs ?? posted.ts ?? "" })
      .then((answer) => answer.permalink)
      .catch(() => undefined);
    if (permalink) saved.permalink = permalink;
    return pipeline.link(bug.id, SLACK_LINK, saved);
  }

  async function upsertDm(bug: PipelineBug, env: EnvRecord | undefined, event: BugEvent) {
    if (bug.assignee === null) return;
    const links = linksOf(bug);
    const message = environmentMessage({
      env: event.kind === "provisioning" ? undefined : env,
      bug,
      threadLink: links.permalink,
      extendChoices: config.slack.extendChoices,
      failure: event.kind === "failed" ? event.error : undefined,
    });
    let ref: MessageRef | undefined =
      links.dmChannel && links.dmTs && links.dmUser === bug.assignee
        ? { channel: links.dmChannel, ts: links.dmTs }
        : undefined;
    if (ref) {
      await client.chat.update({ ...ref, ...message });
    } else {
      const posted = await client.chat.postMessage({
        channel: bug.assignee,
        ...message,
        unfurl_links: false,
      });
      ref = { channel: posted.channel ?? bug.assignee, ts: posted.ts ?? "" };
      await pipeline.link(bug.id, SLACK_LINK, { dmChannel: ref.channel, dmTs: ref.ts, dmUser: bug.assignee });
    }
    if (event.kind === "ready") await refs.set(envMessageKey(event.env.id), ref);
  }

  /** A note goes into the card's thread (under the card when the card started one), beside it. */
  async function postNote(bug: PipelineBug, text: string): Promise<void> {
    const links = linksOf(bug);
    if (!links.cardChannel || !links.cardTs) {
      services.log.info(`${bug.id}: no card to put this note under: ${text}`);
      return;
    }
    await client.chat.postMessage({
      channel: links.cardChannel,
      thread_ts: links.threadTs ?? links.cardTs,
      text: userText(text, LIMITS.messageText),
      unfurl_links: false,
    });
  }

  const notifier: BugNotifier = {
    name: SLACK_LINK,
    async notify(event) {
      // The stored record has the links an earlier notification saved; the event's copy may predate them.
      const bug = { ...event.bug, links: (await pipeline.get(event.bug.id)).links ?? {} } as PipelineBug;
      if (event.kind === "note") return postNote(bug, event.text);
      const env = event.kind === "ready" ? event.env : await findEnv(bug.environment);
      const current = await upsertCard(bug, env, event.kind === "provisioning");
      if (event.kind === "provisioning" || event.kind === "ready" || event.kind === "failed") {
        await upsertDm(current, env, event);
      }
      if (bug.assignee) deps.homeChanged(bug.assignee);
    },
  };

  /**
   * An environment changed (extended, cleaned, expired): its DM and its bug's card follow. A DM that
   * never went out (Slack was down) is posted now, so the owner still gets it.
   */
  async function environmentChanged(env: EnvRecord, options: { mayPost?: boolean } = {}): Promise<void> {
    const bug = await pipeline.bugOfEnvironment(env.id);
    // A bug's environment is shown in its assignee's DM, posted while it was provisioning: that DM is the
    // environment's message even before the "ready" notification records it (its edit may be waiting
    // out a 429), so a change seen first in the state file never posts a second DM.
    const links = bug ? linksOf(bug) : {};
    const bugDm =
      links.dmChannel && links.dmTs && links.dmUser === env.owner
        ? { channel: links.dmChannel, ts: links.dmTs }
        : undefined;
    const ref = (await refs.get(envMessageKey(env.id))) ?? bugDm;
    const failures: string[] = [];
    const message = environmentMessage({
      env,
      bug,
      threadLink: bug ? linksOf(bug).permalink : undefined,
      extendChoices: config.slack.extendChoices,
    });
    // Environments made from the command line may belong to a login name, who has no DM to follow.
    // A new environment is announced by whoever made it (the bug's DM, the /hms-env progress DM); a DM
    // is posted here only for a later change whose message never went out.
    const sent = ref
      ? client.chat.update({ ...ref, ...message })
      : options.mayPost === false || !deps.isRecipient(env.owner)
        ? Promise.resolve()
        : client.chat
            .postMessage({ channel: env.owner, ...message, unfurl_links: false })
            .then((posted) =>
              refs.set(envMessageKey(env.id), { channel: posted.channel ?? env.owner, ts: posted.ts ?? "" }),
            );
    await sent.catch((error: unknown) => failures.push(`its message: ${describeError(error)}`));
    if (bug) {
      await upsertCard(bug, env, false).catch((error: unknown) =>
        failures.push(`card: ${describeError(error)}`),
      );
    }
    deps.homeChanged(env.owner);
    if (failures.length > 0) {
      services.log.error(
        `${bug?.id ?? env.id}: could not update Slack for ${env.id}: ${failures.join("; ")}`,
      );
    }
  }

  return { notifier, environmentChanged, refs };
}
