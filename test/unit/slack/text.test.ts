import { describe, expect, it } from "vitest";
import { userText } from "../../../src/slack/text.js";

describe("what users wrote, as Slack shows it", () => {
  it("is escaped, and a cut never leaves part of an entity or of an emoji", () => {
    for (let max = 2; max < 30; max++) {
      const shown = userText("a&b <c> 🔥 R&D 👨‍👩‍👧 x&y", max);
      expect(shown.length).toBeLessThanOrEqual(max);
      expect(shown).not.toMatch(/&[a-z]*…$|&(?![a-z]+;)/);
      expect(shown).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
    expect(userText("a&b <c>", 100)).toBe("a&amp;b &lt;c&gt;");
  });
});
