/**
 * Text for Slack: what users wrote is escaped so it can never ping (`<!channel>`) or forge a link, and
 * everything is cut to Block Kit's limits so a long log never makes Slack refuse the whole message.
 */

import { plainMarkup } from "../bugs/slack-markup.js";
import { cutText } from "../cut-text.js";
import { SLACK_USER_ID } from "./ids.js";

/** Slack's limits: https://docs.slack.dev/reference/block-kit/blocks */
export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  buttonValue: 2000,
  plainText: 150,
  privateMetadata: 3000,
  messageText: 4000,
} as const;

/** The three characters Slack's mrkdwn gives meaning to; nothing else needs escaping. */
export function escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * Message text as Slack sends it has &, < and > escaped; stored reports keep what the person typed
 * (it is escaped again wherever it is shown).
 */
export function fromSlackText(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

/**
 * A slash command's text as the person typed it. Slack sends what was typed with &, < and > escaped, so
 * a bare `<…>` is always Slack's own markup: a link (`<https://x.io/a|x.io/a>`, the typed form after the
 * `|`), a mention (`<@U024BE7LH|bob>`), a channel (`<#C024BE7LR|general>`) or a special one (`<!here>`).
 * Each becomes what was typed, then the entities are undone, once.
 */
export function fromCommandText(text: string): string {
  return fromSlackText(plainMarkup(text));
}

/** Cuts text to `max` characters, ending with "…" when something was left out; never splits an emoji. */
export const cut = (text: string, max: number): string => cutText(text, max);

/** Escaped and cut: what a user wrote, made safe for a section. */
export function userText(text: string, max: number = LIMITS.sectionText): string {
  // Every & of the escaped text starts an entity: one the cut went through ("&am") would show as it is.
  return cut(escapeText(text), max).replace(/&[a-z]{0,3}…$/, "…");
}

/**
 * A Slack date token: each reader sees the time in their own timezone. The fallback (after `|`) is what
 * clients that cannot render it show, and what notifications use.
 */
export function slackDate(date: Date | string): string {
  const at = typeof date === "string" ? new Date(date) : date;
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${at.toISOString().replace(/\.\d{3}Z$/, "Z")}>`;
}

/** A person as Slack shows them; a login name or channel (an environment's `--owner`) as plain code. */
export const mention = (userId: string) => (SLACK_USER_ID.test(userId) ? `<@${userId}>` : code(userId));

/** Code in mrkdwn: backticks inside would end the span early, so they are replaced. */
export function code(text: string): string {
  return `\`${escapeText(text).replaceAll("`", "'")}\``;
}
