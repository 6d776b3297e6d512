import { cutText } from "../cut-text.js";
import { fromSlackText } from "./text.js";

/**
 * Which messages in a bug channel are bug reports. Slack sends every message there, in the shapes of
 * https://docs.slack.dev/reference/events/message: a plain message has no subtype; a message with a
 * screenshot or a log attached is `file_share`, with the typed text in `text` and the files in `files`.
 * Everything else with a subtype (edits, deletions, joins, bots) and every thread reply is conversation.
 */

/** The fields of a channel message this app reads; Bolt's union of message subtypes is wider. */
export interface ChannelMessage {
  channel: string;
  user?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  subtype?: string;
  bot_id?: string;
  files?: { id?: string; name?: string; title?: string }[];
}

export type ChannelReading =
  | { report: { text: string; reporter: string; attachments: string[] } }
  /** Not a report. `why` is set when a person may wonder where their report went: it is logged. */
  | { skip: true; why?: string };

/** Slack allows 10 files on a message; the record keeps at most this many names, each this long. */
const MAX_FILES = 10;
const MAX_NAME = 200;

/** A file by its name (Slack Connect files may come with their id only). */
const fileName = (file: { id?: string; name?: string; title?: string }) =>
  cutText(file.name || file.title || file.id || "a file", MAX_NAME);

export function readChannelMessage(message: ChannelMessage): ChannelReading {
  const where = `message ${message.channel}/${message.ts}`;
  if (message.subtype === "thread_broadcast") {
    // A reply in a report's thread that is also shown in the channel: part of that conversation.
    return { skip: true, why: `${where} is a thread reply also sent to the channel: not a new report` };
  }
  const isReport = message.subtype === undefined || message.subtype === "file_share";
  if (!isReport || message.bot_id !== undefined || message.thread_ts !== undefined) return { skip: true };
  if (message.user === undefined) return { skip: true };
  const text = fromSlackText(message.text ?? "").trim();
  const attachments = (message.files ?? []).slice(0, MAX_FILES).map(fileName);
  if (text === "") {
    return attachments.length === 0
      ? { skip: true }
      : {
          skip: true,
          why: `${where} shares ${attachments.join(", ")} with no text: nothing to triage, no bug filed`,
        };
  }
  return { report: { text, reporter: message.user, attachments } };
}
