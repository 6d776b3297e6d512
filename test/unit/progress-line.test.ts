import { describe, expect, it } from "vitest";
import { addProgressLine, progressLine } from "../../src/envs/progress-line.js";

describe("progress lines", () => {
  it("show a step still running with its seconds so far, and a finished one with its milliseconds", () => {
    expect(progressLine({ step: "fetch", detail: 'branch "main"', ms: 20_000, running: true })).toBe(
      '  fetch          20 s  still running: branch "main"',
    );
    expect(progressLine({ step: "fetch", detail: 'branch "main"', ms: 19 })).toBe(
      '  fetch         19 ms  branch "main"',
    );
  });

  it("in a message edited in place, count up on one line per step, which the finished step replaces", () => {
    const lines: string[] = [];
    addProgressLine(lines, { step: "mirror", detail: "/srv/m.git", ms: 3 });
    addProgressLine(lines, { step: "fetch", detail: "branch x", ms: 10_000, running: true });
    addProgressLine(lines, { step: "fetch", detail: "branch x", ms: 20_000, running: true });
    expect(lines).toEqual([
      "  mirror         3 ms  /srv/m.git",
      "  fetch          20 s  still running: branch x",
    ]);
    addProgressLine(lines, { step: "nix", detail: "building", ms: 10_000, running: true });
    addProgressLine(lines, { step: "fetch", detail: "branch x", ms: 21_000 });
    expect(lines).toEqual([
      "  mirror         3 ms  /srv/m.git",
      "  fetch      21000 ms  branch x",
      "  nix            10 s  still running: building",
    ]);
  });
});
