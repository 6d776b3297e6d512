import { describe, expect, it } from "vitest";
import type { Exec, ExecOptions } from "../../src/envs/exec.js";
import { createGitNetwork, shownRemote, sshCommand } from "../../src/envs/git-network.js";

const TIMEOUTS = { fetchMs: 30_000, checkoutMs: 40_000, buildMs: 60_000, stallMs: 45_000 };

/** An exec that records each run's options; `git config --get core.sshCommand` answers `sshConfig`. */
function recording(sshConfig?: string) {
  const runs: { args: readonly string[]; options: ExecOptions }[] = [];
  const exec: Exec = async (_file, args, options = {}) => {
    runs.push({ args, options });
    if (args.includes("core.sshCommand")) {
      return sshConfig === undefined
        ? { exitCode: 1, stdout: "", stderr: "" }
        : { exitCode: 0, stdout: `${sshConfig}\n`, stderr: "" };
    }
    return { exitCode: 0, stdout: "", stderr: "" };
  };
  const fetchRun = () => runs.find((run) => run.args[0] === "fetch");
  return { exec, fetchRun };
}

describe("git commands that talk to the remote", () => {
  it("get git's low-speed limit, ssh that gives up, no prompts, and the step's time limit", async () => {
    const { exec, fetchRun } = recording();
    await createGitNetwork({ exec, env: {}, timeouts: TIMEOUTS })("fetch", "fetch of x")(
      "git",
      ["fetch", "origin"],
      { env: { LC_ALL: "C" } },
    );
    expect(fetchRun()?.options.env).toEqual({
      GIT_TERMINAL_PROMPT: "0",
      GIT_HTTP_LOW_SPEED_LIMIT: "1000",
      GIT_HTTP_LOW_SPEED_TIME: "45",
      GIT_SSH_COMMAND:
        "ssh -o ConnectTimeout=45 -o BatchMode=yes -o ServerAliveInterval=15 -o ServerAliveCountMax=3",
      LC_ALL: "C",
    });
    expect(fetchRun()?.options.timeoutMs).toBeGreaterThan(29_000);
    expect(fetchRun()?.options.timeoutMs).toBeLessThanOrEqual(30_000);
  });

  it.each([
    ["GIT_SSH_COMMAND in the environment", { GIT_SSH_COMMAND: "ssh -i ~/.ssh/deploy" }, undefined],
    ["GIT_SSH in the environment", { GIT_SSH: "/usr/local/bin/my-ssh" }, undefined],
    ["core.sshCommand in git's config", {}, "ssh -i ~/.ssh/deploy"],
  ])("leave a person's own ssh alone: %s", async (_what, env, sshConfig) => {
    const { exec, fetchRun } = recording(sshConfig);
    await createGitNetwork({ exec, env, timeouts: TIMEOUTS })("fetch", "fetch of x")("git", ["fetch"]);
    expect(fetchRun()?.options.env).not.toHaveProperty("GIT_SSH_COMMAND");
  });

  it("leave a person's own low-speed settings alone", async () => {
    const { exec, fetchRun } = recording();
    const env = { GIT_HTTP_LOW_SPEED_LIMIT: "10", GIT_HTTP_LOW_SPEED_TIME: "600" };
    await createGitNetwork({ exec, env, timeouts: TIMEOUTS })("checkout", "checkout of x")("git", ["fetch"]);
    expect(fetchRun()?.options.env).not.toHaveProperty("GIT_HTTP_LOW_SPEED_LIMIT");
    expect(fetchRun()?.options.env).not.toHaveProperty("GIT_HTTP_LOW_SPEED_TIME");
    expect(fetchRun()?.options.timeoutMs).toBeGreaterThan(39_000);
  });

  it("run as they are without configured limits", async () => {
    const { exec } = recording();
    expect(createGitNetwork({ exec, env: {}, timeouts: undefined })("fetch", "fetch of x")).toBe(exec);
  });

  it("ssh's timeouts follow timeouts.stall", () => {
    expect(sshCommand(2000)).toBe(
      "ssh -o ConnectTimeout=2 -o BatchMode=yes -o ServerAliveInterval=1 -o ServerAliveCountMax=3",
    );
  });

  it("never show the token of an https remote in a message", () => {
    expect(shownRemote("https://x-access-token:ghs_abc@github.com/hms/monorepo.git")).toBe(
      "https://github.com/hms/monorepo.git",
    );
    expect(shownRemote("ssh://git@github.com/hms/monorepo.git")).toBe(
      "ssh://git@github.com/hms/monorepo.git",
    );
    expect(shownRemote("git@github.com:hms/monorepo.git")).toBe("git@github.com:hms/monorepo.git");
  });
});
