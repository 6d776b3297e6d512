/**
 * Text cut to a length limit without breaking a character a person sees: an emoji (a surrogate pair, a
 * ZWJ family, a flag) or a letter with its accents is kept whole or left out whole, never split into
 * halves that render as "�". The limit counts UTF-16 units, as JavaScript's `length` and Slack's and
 * GitHub's limits do.
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * How far before the cut the characters are looked at. Segmenting costs tens of microseconds per
 * character, too much for a 30,000-character log; no emoji or accented letter is longer than this.
 */
const WINDOW = 64;

/** Cuts `text` to at most `max` units, ending with `ellipsis` when something was left out. */
export function cutText(text: string, max: number, ellipsis = "…"): string {
  if (text.length <= max) return text;
  const room = Math.max(0, max - ellipsis.length);
  let start = Math.max(0, room - WINDOW);
  // Never start the window on the second half of a surrogate pair.
  if (start > 0 && /[\uDC00-\uDFFF]/.test(text[start] ?? "")) start--;
  let end = start;
  for (const { segment, index } of graphemes.segment(text.slice(start, room + WINDOW))) {
    if (start + index + segment.length > room) break;
    end = start + index + segment.length;
  }
  return `${text.slice(0, end)}${ellipsis}`;
}
