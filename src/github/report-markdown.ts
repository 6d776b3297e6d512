import { readMarkup, SLACK_MARKUP } from "../bugs/slack-markup.js";
import { cutText } from "../cut-text.js";

/**
 * A report written in Slack, as the body of a GitHub issue. Slack opens and closes a code block with
 * ``` anywhere in a line (```Traceback ...```); GitHub's fences stand on lines of their own, and a fence
 * left open swallows everything after it: the triage lines under the report would render as code. So
 * every block is put on its own lines and closed, also when the report was cut inside it, or when the
 * person never closed it. Outside code, Slack's links become Markdown links and its mentions inline code,
 * so a Slack name never pings a GitHub user who happens to have it.
 */

/** A language right after the opening fence (```python), as people used to GitHub write it. */
const LANGUAGE = /^([a-z0-9_+-]{1,20})\n/;

export function reportMarkdown(text: string, max: number): string {
  const parts = cutText(text.replace(/\r\n?/g, "\n"), max).split(/`{3,}/);
  // Split on fences, the even parts are prose and the odd ones code.
  return parts
    .map((part, index) => {
      if (index % 2 === 0) return markdownProse(part);
      const language = LANGUAGE.exec(part)?.[1] ?? "";
      const code = part.slice(language === "" ? 0 : language.length).replace(/^\n+|\n+$/g, "");
      return `\n\`\`\`${language}\n${code}\n\`\`\`\n`;
    })
    .join("")
    .replace(/^\n+|\n+$/g, "");
}

function markdownProse(text: string): string {
  return text.replace(SLACK_MARKUP, (_whole, inner: string) => {
    const markup = readMarkup(inner);
    if (markup.kind === "mention") return inlineName(markup.text);
    if (markup.kind === "link") {
      const url = markup.url.replaceAll(")", "%29");
      return markup.label ? `[${markup.label.replace(/[[\]]/g, "\\$&")}](${url})` : `<${url}>`;
    }
    // GitHub would take List<String> for an HTML tag and hide it.
    return `&lt;${inner}&gt;`;
  });
}

/** A file name as inline code: a backtick inside would end the span. */
export const inlineName = (name: string) => `\`${name.replaceAll("`", "'")}\``;
