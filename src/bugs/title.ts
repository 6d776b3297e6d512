import { cutText } from "../cut-text.js";
import { plainMarkup } from "./slack-markup.js";

/**
 * A bug's title from a report as people paste it: into Slack (mrkdwn, links and mentions in Slack's
 * `<…>` markup, code fences), from Windows (CRLF), or into a modal or an issue. Every door files through
 * `addTriagedBug`, which takes its title from here, so the card header, the DM, App Home, the duplicates
 * line and the GitHub issue all show the same plain line.
 */

export const TITLE_MAX = 120;

/** A line that only opens or closes a code block, maybe naming its language (```python). */
const FENCE_LINE = /^`{3,}[a-z0-9_+-]{0,20}$/;

/** mrkdwn emphasis (*bold*, _italic_, ~strike~, and Markdown's **bold**) around words, not inside them. */
const EMPHASIS = /(^|[^\p{L}\p{N}])([*_~]+)(?=[^\s*_~])(.*?[^\s*_~])\2(?![\p{L}\p{N}])/gu;

/** One line of a report as plain text: no markup, one space between words. */
export function plainLine(line: string): string {
  return (
    plainMarkup(line)
      .replace(/`{3,}/g, " ")
      .replace(/`([^`]*)`/g, "$1")
      .replaceAll("`", "")
      .replace(EMPHASIS, "$1$3")
      .replace(/\s+/g, " ")
      .trim()
      // An emphasis the line break cut in two (*Checkout is broken\nsince Monday*) leaves one half here.
      .replace(/^[*_~]+(?=\S)/, "")
      .replace(/(?<=\S)[*_~]+$/, "")
  );
}

/**
 * How much of a line is read for a title: enough for a long link's markup around 120 characters of
 * words, and a bound on the emphasis pattern's work, which grows with the square of the length (a
 * minified log of 90,000 characters on one line would take seconds).
 */
const LINE_READ = 1000;

/** A line that only calls people (`<@U0BO> <!here>`): the report says what is wrong below it. */
const MENTIONS_ONLY = /^\s*(?:<[@#!][^<>]*>[\s,:]*)+$/;

/**
 * The first line with words in it, as plain text, cut to `max` without splitting an emoji. A line of
 * only mentions is the title only when nothing else has words.
 */
export function bugTitle(text: string, max: number = TITLE_MAX): string {
  let mentions = "";
  for (const whole of text.split(/\r\n|\r|\n/)) {
    const line = cutText(whole, LINE_READ, "");
    if (FENCE_LINE.test(line.trim())) continue;
    const title = plainLine(line);
    if (title === "") continue;
    if (!MENTIONS_ONLY.test(line)) return cutText(title, max);
    mentions ||= title;
  }
  return cutText(mentions, max);
}
