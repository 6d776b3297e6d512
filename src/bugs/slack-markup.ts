/**
 * Slack's markup in a report's text: `<https://x|text>` links, `<@U1|name>` and `<#C1|chan>` mentions,
 * `<!here>` and other special mentions, `<!date^…|fallback>`. The title shows each as plain words, the
 * GitHub issue body as Markdown; neither ever passes on a ping.
 * https://docs.slack.dev/messaging/formatting-message-text
 */

/** One `<…>` of Slack markup (its inside in group 1). */
export const SLACK_MARKUP = /<([^<>\s][^<>]*)>/g;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

export type Markup =
  /** A user, channel or special mention, or a date, as the words a reader sees (`@bo`, `#bugs`, `@here`). */
  | { kind: "mention"; text: string }
  | { kind: "link"; url: string; label: string | undefined }
  /** Not Slack's markup (a generic type such as List<String>): what the person typed. */
  | { kind: "other" };

export function readMarkup(inner: string): Markup {
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : inner.slice(bar + 1);
  switch (target[0]) {
    case "@": // <@U123> or <@U123|ana>
      return { kind: "mention", text: label ? `@${label.replace(/^@/, "")}` : target };
    case "#": // <#C123|bugs>
      return { kind: "mention", text: label ? `#${label.replace(/^#/, "")}` : target };
    case "!": // <!here>, <!subteam^S1|@sme-team>, <!date^…|fallback>
      return { kind: "mention", text: label ?? `@${target.slice(1).split("^")[0]}` };
  }
  return URL_SCHEME.test(target) ? { kind: "link", url: target, label } : { kind: "other" };
}

/** The markup as plain words: a link is its text (or its address), a mention the name it shows. */
export function plainMarkup(text: string): string {
  return text.replace(SLACK_MARKUP, (whole, inner: string) => {
    const markup = readMarkup(inner);
    if (markup.kind === "mention") return markup.text;
    if (markup.kind === "link") return markup.label ?? markup.url;
    return whole;
  });
}
