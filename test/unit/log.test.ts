import { describe, expect, it } from "vitest";
import { describeCauses, HmsError } from "../../src/errors.js";
import { createLogger } from "../../src/log.js";

function capture(level?: "info" | "debug") {
  const lines: string[] = [];
  const log = createLogger({
    write: (line) => lines.push(line),
    now: () => new Date("2026-11-27T10:00:00Z"),
    level,
  });
  return { log, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>), lines };
}

describe("createLogger", () => {
  it("writes one JSON object a line with the environment id, the action and the clock's time", () => {
    const { log, records, lines } = capture();
    log.info({ envId: "env-1234abcd", action: "expire" }, "expired and cleaned env-1234abcd");
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(records()[0]).toEqual({
      level: "info",
      time: "2026-11-27T10:00:00.000Z",
      envId: "env-1234abcd",
      action: "expire",
      msg: "expired and cleaned env-1234abcd",
    });
  });

  it("logs an error with its whole cause chain", () => {
    const { log, records } = capture();
    const cause = Object.assign(new Error("EACCES: permission denied, open '/srv/state.json'"), {
      code: "EACCES",
    });
    log.error(
      { action: "cleanup", err: new HmsError("STATE_UNREADABLE", "cannot read the state file", { cause }) },
      "failed",
    );
    const err = records()[0]?.err as { message: string; code: string };
    expect(err.code).toBe("STATE_UNREADABLE");
    expect(err.message).toContain("cannot read the state file");
    expect(err.message).toContain("permission denied");
  });

  it("shows debug lines only at the debug level", () => {
    const quiet = capture();
    quiet.log.debug({ action: "reconcile" }, "nothing to do");
    expect(quiet.lines).toEqual([]);
    const verbose = capture("debug");
    verbose.log.debug({ action: "reconcile" }, "nothing to do");
    expect(verbose.records()[0]).toMatchObject({ level: "debug", action: "reconcile" });
  });
});

describe("describeCauses", () => {
  it("lists each cause, outermost first, with its errno code and syscall", () => {
    const errno = Object.assign(new Error("EISDIR: illegal operation on a directory, read"), {
      code: "EISDIR",
      syscall: "read",
    });
    const middle = new HmsError("GIT_FAILED", "git failed", { cause: errno });
    const top = new HmsError("PROVISION_FAILED", "provisioning failed", { cause: middle });
    expect(describeCauses(top)).toEqual([
      "caused by: [GIT_FAILED] git failed",
      "caused by: [EISDIR read] EISDIR: illegal operation on a directory, read",
    ]);
  });

  it("stops on a cycle and says nothing for an error without a cause", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    a.cause = b;
    expect(describeCauses(a).length).toBeLessThanOrEqual(8);
    expect(describeCauses(new Error("alone"))).toEqual([]);
  });
});
