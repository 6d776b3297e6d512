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
   * A bug's card and its assignee's DM are written by the bug's notifications and by the feed of
   * environment changes, which do not wait for each other: one write per bug at a time, each reading
   * the links the one before saved, so two of them never both post a card or a DM.
   */
  const bugTurn = createKeyedSerialQueue();
  const withStoredLinks = async (bug: PipelineBug) =>
    ({ ...bug, links: (await pipeline.get(bug.id)).links ?? {} }) as PipelineBug;
  const upsertCard = (bug: PipelineBug, env: EnvRecord | undefined, provisioning: boolean) =>
    bugTurn(bug.id, async () => writeCard(await withStoredLinks(bug), env, provisioning));
  const upsertDm = (bug: PipelineBug, env: EnvRecord | undefined, event: BugEvent) =>
    bugTurn(bug.id, async () => writeDm(await withStoredLinks(bug), env, event));

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

  async function writeDm(bug: PipelineBug, env: EnvRecord | undefined, event: BugEvent) {
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
   * The message of an environment: its bug's DM when it is a bug's (posted while it was provisioning,
   * and the environment's message even before the "ready" notification records it), else the one kept
   * for it. With none, one is posted when allowed and the owner is a Slack user; a bug's notifications
   * then edit that one rather than post another.
   */
  async function writeEnvironmentDm(env: EnvRecord, bug: PipelineBug | undefined, mayPost: boolean) {
    const links = bug ? linksOf(bug) : {};
    const bugDm =
      links.dmChannel && links.dmTs && links.dmUser === env.owner
        ? { channel: links.dmChannel, ts: links.dmTs }
        : undefined;
    const ref = (await refs.get(envMessageKey(env.id))) ?? bugDm;
    const message = environmentMessage({
      env,
      bug,
      threadLink: links.permalink,
      extendChoices: config.slack.extendChoices,
    });
    if (ref) {
      await client.chat.update({ ...ref, ...message });
      return;
    }
    if (!mayPost || !deps.isRecipient(env.owner)) return;
    const posted = await client.chat.postMessage({ channel: env.owner, ...message, unfurl_links: false });
    const made = { channel: posted.channel ?? env.owner, ts: posted.ts ?? "" };
    await refs.set(envMessageKey(env.id), made);
    if (bug && bug.assignee === env.owner) {
      await pipeline.link(bug.id, SLACK_LINK, { dmChannel: made.channel, dmTs: made.ts, dmUser: env.owner });
    }
  }

  /**
   * An environment changed (extended, cleaned, expired): its DM and its bug's card follow. A DM that
   * never went out (Slack was down) is posted now, so the owner still gets it. A new environment is
   * announced by whoever made it (the bug's DM, the /hms-env progress DM); `mayPost: false` says so.
   */
  async function environmentChanged(env: EnvRecord, options: { mayPost?: boolean } = {}): Promise<void> {
    const bug = await pipeline.bugOfEnvironment(env.id);
    const mayPost = options.mayPost !== false;
    const failures: string[] = [];
    const sent = bug
      ? bugTurn(bug.id, async () => writeEnvironmentDm(env, await withStoredLinks(bug), mayPost))
      : writeEnvironmentDm(env, undefined, mayPost);
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
