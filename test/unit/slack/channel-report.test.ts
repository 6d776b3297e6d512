import { describe, expect, it } from "vitest";
import { readChannelMessage } from "../../../src/slack/channel-report.js";

const base = { channel: "C0BUGS", ts: "1764000001.000100", user: "U0ANA" };

describe("which bug-channel messages are reports", () => {
  it("takes a plain message and a file_share with text, naming the files", () => {
    expect(readChannelMessage({ ...base, text: "Login fails" })).toEqual({
      report: { text: "Login fails", reporter: "U0ANA", attachments: [] },
    });
    // Slack Connect files may come with their id only (mode file_access): the id is the name shown.
    const shared = readChannelMessage({
      ...base,
      subtype: "file_share",
      text: "Export fails &amp; hangs",
      files: [{ id: "F1", name: "trace.txt" }, { id: "F2" }],
    });
    expect(shared).toEqual({
      report: { text: "Export fails & hangs", reporter: "U0ANA", attachments: ["trace.txt", "F2"] },
    });
  });

  it("keeps at most ten file names, each cut to 200 characters", () => {
    const files = Array.from({ length: 500 }, (_, index) => ({ name: `${"x".repeat(300)}-${index}.png` }));
    const reading = readChannelMessage({ ...base, subtype: "file_share", text: "crash", files });
    const attachments = "report" in reading ? reading.report.attachments : [];
    expect(attachments).toHaveLength(10);
    expect(attachments.every((name) => name.length <= 200 && name.endsWith("…"))).toBe(true);
  });

  it("skips edits, bots, replies and empty messages silently", () => {
    for (const message of [
      { ...base, subtype: "message_changed", text: "x" },
      { ...base, subtype: "bot_message", bot_id: "B1", text: "x" },
      { ...base, thread_ts: "1764000000.000100", text: "x" },
      {
        ...base,
        subtype: "file_share",
        thread_ts: "1764000000.000100",
        text: "x",
        files: [{ name: "a.png" }],
      },
      { ...base, text: "  " },
    ]) {
      expect(readChannelMessage(message)).toEqual({ skip: true });
    }
  });

  it("says why it skips a thread broadcast and a share with no text", () => {
    expect(
      readChannelMessage({ ...base, subtype: "thread_broadcast", thread_ts: "1", text: "x" }),
    ).toMatchObject({
      skip: true,
      why: expect.stringContaining("thread reply also sent to the channel"),
    });
    expect(
      readChannelMessage({ ...base, subtype: "file_share", text: "", files: [{ name: "shot.png" }] }),
    ).toMatchObject({ skip: true, why: expect.stringContaining("shot.png with no text") });
  });
});
