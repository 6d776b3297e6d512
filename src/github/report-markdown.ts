import { cutText } from "../cut-text.js";

/**
 * A report written in Slack, as the body of a GitHub issue. Slack opens and closes a code block with
 * ``` anywhere in a line (```Traceback ...```); GitHub's fences stand on lines of their own, and a fence
 * left open swallows everything after it: the triage lines under the report would render as code. So
 * every block is put on its own lines and closed, also when the report was cut inside it, or when the
 * person never closed it.
 */

/** A language right after the opening fence (```python), as people used to GitHub write it. */
const LANGUAGE = /^([a-z0-9_+-]{1,20})\n/;

export function reportMarkdown(text: string, max: number): string {
  const parts = cutText(text.replace(/\r\n?/g, "\n"), max).split(/`{3,}/);
  // Split on fences, the even parts are prose and the odd ones code.
  return parts
    .map((part, index) => {
      if (index % 2 === 0) return part;
      const language = LANGUAGE.exec(part)?.[1] ?? "";
      const code = part.slice(language === "" ? 0 : language.length).replace(/^\n+|\n+$/g, "");
      return `\n\`\`\`${language}\n${code}\n\`\`\`\n`;
    })
    .join("")
    .replace(/^\n+|\n+$/g, "");
}

/** A file name as inline code: a backtick inside would end the span. */
export const inlineName = (name: string) => `\`${name.replaceAll("`", "'")}\``;
