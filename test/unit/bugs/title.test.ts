import { describe, expect, it } from "vitest";
import { bugTitle, TITLE_MAX } from "../../../src/bugs/title.js";
import { cutText } from "../../../src/cut-text.js";
import { fromSlackText } from "../../../src/slack/text.js";
import { PASTED } from "../../helpers/pasted-reports.js";

/** A surrogate without its other half: what a cut through an emoji leaves, shown as "�". */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("bug titles from reports as people paste them", () => {
  for (const [name, report] of Object.entries(PASTED)) {
    it(`${name}: ${JSON.stringify(report.title)}`, () => {
      // The channel door unescapes Slack's &lt; &gt; &amp; first, as it does for every message.
      expect(bugTitle(fromSlackText(report.text))).toBe(report.title);
    });
  }

  it("keeps no CR, no fence and no Slack markup in any of them", () => {
    for (const report of Object.values(PASTED)) {
      const title = bugTitle(fromSlackText(report.text));
      expect(title).not.toMatch(/[\r\n`]|<[@#!]|<https?:/);
    }
  });

  it("is empty for a report with no words at all", () => {
    expect(bugTitle("```\n\n```")).toBe("");
    expect(bugTitle("\r\n  \r\n")).toBe("");
  });

  it("reads a long line of markup-like characters about as fast as one of plain words", () => {
    // The emphasis pattern's work grows with the square of a line's length: read whole, a 90,000-character
    // line of asterisks took seconds where plain words took milliseconds. Compared as a ratio, in this run.
    const median = (line: string) => {
      const times = Array.from({ length: 7 }, () => {
        const started = process.hrtime.bigint();
        bugTitle(line);
        return Number(process.hrtime.bigint() - started);
      });
      return times.sort((a, b) => a - b)[3] as number;
    };
    const plain = median("word ".repeat(18_000));
    for (const unit of ["*a ", "_x ", "*_~", "`a", "<@", "```a"]) {
      const line = unit.repeat(90_000 / unit.length);
      expect(bugTitle(line).length, unit).toBeLessThanOrEqual(TITLE_MAX);
      expect(median(line) / plain, unit).toBeLessThan(100);
    }
  });

  it("cuts a long line on whole characters: an emoji at the cut is kept whole or left out whole", () => {
    for (let pad = 0; pad < 12; pad++) {
      const line = `${"x".repeat(TITLE_MAX - 6 + pad)}🔥👨‍👩‍👧🇯🇵 crash in Экспорт`;
      const title = bugTitle(line);
      expect(title.length).toBeLessThanOrEqual(TITLE_MAX);
      expect(title.endsWith("…")).toBe(true);
      expect(title).not.toMatch(LONE_SURROGATE);
      // The family emoji is one character to a reader: its people are never parted.
      expect(title.includes("👨") === title.includes("👨‍👩‍👧")).toBe(true);
    }
  });
});

describe("cutText", () => {
  it("leaves text within the limit alone and marks a cut with …", () => {
    expect(cutText("short", 5)).toBe("short");
    expect(cutText("longer text", 6)).toBe("longe…");
  });

  it("never ends in half of a surrogate pair", () => {
    const text = "😀".repeat(10);
    for (let max = 1; max < 20; max++) {
      const cut = cutText(text, max);
      expect(cut).not.toMatch(LONE_SURROGATE);
      expect(cut.length).toBeLessThanOrEqual(max);
    }
  });
});
