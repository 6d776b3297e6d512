import { describe, expect, it } from "vitest";
import type { PipelineBug } from "../../../src/bugs/pipeline.js";
import { issueBody } from "../../../src/github/issue-notifier.js";
import { reportMarkdown } from "../../../src/github/report-markdown.js";
import { fromSlackText } from "../../../src/slack/text.js";
import { bugRecord } from "../../helpers/bug-record.js";
import { PASTED } from "../../helpers/pasted-reports.js";

/** The lines of a Markdown text that GitHub renders outside code blocks. */
function proseLines(markdown: string): string[] {
  let inCode = false;
  const prose: string[] = [];
  for (const line of markdown.split("\n")) {
    if (/^```/.test(line)) inCode = !inCode;
    else if (!inCode) prose.push(line);
  }
  expect(inCode, "a code block is left open").toBe(false);
  return prose;
}

const bug = (text: string, extra: Partial<PipelineBug> = {}): PipelineBug =>
  bugRecord({
    text,
    triage: {
      outcome: "routed",
      summary: "hms-sme (path SYSTEM-COMPONENTS/HMS-SME)",
      components: [],
      team: { id: "sme-team", name: "SME team", reason: "owns hms-sme" },
      explanation: "round-robin in SME team",
      rootCauses: [],
      duplicates: [],
    },
    ...extra,
  });

describe("a Slack report as a GitHub issue body", () => {
  it("puts Slack's in-line ``` on lines of their own, with no CR", () => {
    const markdown = reportMarkdown(fromSlackText(PASTED.pythonFromWindows?.text ?? ""), 1000);
    expect(markdown).not.toContain("\r");
    expect(markdown.split("\n")).toEqual([
      "*Claims page broken*",
      "",
      "```",
      "Traceback (most recent call last):",
      '  File "/srv/hms/SYSTEM-COMPONENTS/HMS-SME/claims/views.py", line 42, in index',
      "    rows = Claim.objects.filter(owner=request.user)",
      'django.db.utils.ProgrammingError: relation "claims_claim" does not exist',
      "```",
    ]);
  });

  it("turns Slack's links into Markdown links and its mentions into code that pings nobody on GitHub", () => {
    const text = fromSlackText(`${PASTED.mentionsAndLinks?.text}\n${PASTED.escapedGenerics?.text}`);
    expect(reportMarkdown(text, 1000).split("\n")).toEqual([
      "`@bo` `@here` export to [the ESR export page](https://hms.example.com/esr/export) times out, see `#hms-sme`",
      "javac: incompatible types: List&lt;String&gt; cannot be converted to Set&lt;String&gt; & the build stops",
    ]);
    // Inside a code block the text stays as it was pasted.
    expect(reportMarkdown("```\n<@U0BO> List<String>\n```", 100)).toBe("```\n<@U0BO> List<String>\n```");
  });

  it("keeps the language of a fence people wrote GitHub's way", () => {
    expect(reportMarkdown(PASTED.goWithALanguage?.text ?? "", 1000)).toMatch(/^```go\npanic: runtime error/);
  });

  it("closes a code block the cut went through, so the triage lines after it are not code", () => {
    const trace = `${"\tat com.hms.esr.Export.run(Export.java:88)\n".repeat(2000)}`;
    const body = issueBody(bug(`Export crashes\n\`\`\`${trace}\`\`\`\nthanks`));
    expect(body.length).toBeLessThan(60_000);
    const prose = proseLines(body);
    expect(prose).toContain("**Triage:** hms-sme (path SYSTEM-COMPONENTS/HMS-SME)");
    expect(prose).toContain("**Assignee:** round-robin in SME team");
    expect(prose.join("\n")).not.toContain("Export.java");
  });

  it("closes a block the reporter never closed", () => {
    const prose = proseLines(issueBody(bug("Build broken\n```\nerror TS2307: Cannot find module 'x'")));
    expect(prose).toContain("**Team:** SME team (owns hms-sme)");
  });

  it("names the attached files, by name only", () => {
    const body = issueBody(bug("Checkout crashes", { attachments: ["crash.png", "server`s.log"] }));
    expect(proseLines(body)).toContain("Attached in Slack: `crash.png`, `server's.log`");
  });
});
