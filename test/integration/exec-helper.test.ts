import { readFileSync } from "node:fs";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { endChildren, runningChildren } from "../../src/envs/child-processes.js";
import { createExecHelper, type ExecHelper, execHere } from "../../src/envs/exec.js";
import { eventually } from "../helpers/serve.js";
import { PROJECT_ROOT } from "../helpers/workspace.js";

const helpers: ExecHelper[] = [];
afterEach(() => {
  for (const helper of helpers.splice(0)) helper.close();
});

function helper(): ExecHelper {
  const made = createExecHelper();
  helpers.push(made);
  return made;
}

/** Running, not a zombie: an orphan that exited stays one where nothing reaps it (some containers). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("the exec helper serve runs git and Nix through", () => {
  it.each([
    ["output", "git", ["--version"], {}],
    ["an exit code and stderr", "sh", ["-c", "echo broken >&2; exit 3"], {}],
    ["stdin", "cat", [], { input: "from stdin\n" }],
    ["a working folder", "pwd", [], { cwd: "/" }],
    [
      "added and removed variables",
      "sh",
      ["-c", 'echo "$HMS_A-${HOME:-unset}"'],
      { env: { HMS_A: "a", HOME: undefined } },
    ],
    ["a program that is not there", "hms-env-no-such-program", [], {}],
  ] as const)("gives the same result as running it here: %s", async (_what, file, args, options) => {
    const here = await execHere(file, args, options);
    expect(await helper().exec(file, args, options)).toEqual(here);
  });

  it("stops a run when its signal aborts, as running it here does", async () => {
    const stopped = async (exec: typeof execHere) => {
      const stop = new AbortController();
      const run = exec("sleep", ["30"], { signal: stop.signal });
      setTimeout(() => stop.abort(), 200);
      return run;
    };
    const here = await stopped(execHere);
    expect(here.exitCode).toBeUndefined();
    expect(await stopped(helper().exec)).toEqual(here);
  });

  it("ends a run's whole process group at its timeoutMs and says so, as running it here does", async () => {
    const marker = `${30 + Math.floor(Math.random() * 1000)}`;
    const timed = (exec: typeof execHere) =>
      exec("sh", ["-c", `sleep ${marker}; echo never`], { timeoutMs: 300 });
    const here = await timed(execHere);
    expect(here).toEqual({ exitCode: undefined, stdout: "", stderr: "", timedOut: true });
    expect(await timed(helper().exec)).toEqual(here);
    // sh's child too: nothing of the group is left to hold its pipes or keep running.
    const left = (await execa("pgrep", ["-f", `^sleep ${marker}$`], { reject: false })).stdout;
    expect(left).toBe("");
  });

  it("its runs are this process's to stop, in process groups of their own, as the ones it starts itself", async () => {
    const runner = helper();
    const before = runningChildren();
    // sh starts sleep: ending the group must end both, or the run would wait for the orphan.
    const run = runner.exec("sh", ["-c", "sleep 30; echo never"]);
    await eventually(() => runningChildren() === before + 1, "the helper's run to be tracked here");
    await endChildren(5000);
    const ended = await run;
    expect(ended.exitCode).toBeUndefined();
    expect(ended.stdout).toBe("");
    expect(runningChildren()).toBe(before);
  });

  it("runs every program from one helper process, not from this one", async () => {
    const runner = helper();
    const parents = await Promise.all(
      Array.from({ length: 4 }, () => runner.exec("sh", ["-c", "echo $PPID"]).then((run) => run.stdout)),
    );
    expect(new Set(parents).size).toBe(1);
    expect(Number(parents[0])).not.toBe(process.pid);
  });

  it("a helper that dies fails the runs in flight with why, and the next run starts a new one", async () => {
    const runner = helper();
    const pid = Number((await runner.exec("sh", ["-c", "echo $PPID"])).stdout);
    const running = runner.exec("sleep", ["5"]);
    process.kill(pid, "SIGKILL");
    const failed = await running;
    expect(failed.exitCode).toBeUndefined();
    expect(failed.stderr).toContain("stopped (SIGKILL)");
    const again = await runner.exec("sh", ["-c", "echo $PPID"]);
    expect(again.exitCode).toBe(0);
    expect(Number(again.stdout)).not.toBe(pid);
  });

  it("leaves when closed", async () => {
    const runner = createExecHelper();
    const pid = Number((await runner.exec("sh", ["-c", "echo $PPID"])).stdout);
    runner.close();
    await eventually(() => !alive(pid), "the closed helper to leave");
  });

  it("keeps no process alive when idle, and leaves with its parent", async () => {
    const script = `
      import { createExecHelper } from ${JSON.stringify(`${PROJECT_ROOT}/dist/envs/exec.js`)};
      const helper = createExecHelper();
      const run = await helper.exec("sh", ["-c", "echo $PPID"]);
      console.log(run.stdout);
      if (process.argv.includes("--stay")) setInterval(() => undefined, 1000);
    `;
    // Not closed, idle: the parent exits by itself.
    const idle = await execa("node", ["--input-type=module", "-e", script], { timeout: 20_000 });
    expect(idle.exitCode).toBe(0);
    await eventually(() => !alive(Number(idle.stdout)), "the idle helper to leave with its parent");

    // The parent killed with SIGKILL: the helper notices the closed channel and leaves too.
    const parent = execa("node", ["--input-type=module", "-e", script, "--", "--stay"], {
      reject: false,
      buffer: false,
    });
    const helperPid = await new Promise<number>((resolve) =>
      parent.stdout?.once("data", (chunk: Buffer) => resolve(Number(String(chunk).trim()))),
    );
    expect(alive(helperPid)).toBe(true);
    parent.kill("SIGKILL");
    await parent;
    await eventually(() => !alive(helperPid), "the helper to leave after its parent was killed");
  });
});
