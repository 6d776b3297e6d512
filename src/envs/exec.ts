import { type ChildProcess, fork } from "node:child_process";
import { resolve } from "node:path";
import { execa } from "execa";
import { PACKAGE_ROOT } from "../config/package-root.js";
import { OWN_PROCESS_GROUP, tracked } from "./child-processes.js";

export interface ExecOptions {
  cwd?: string | undefined;
  /** Added to the inherited environment; an undefined value removes the variable. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Written to stdin; without it stdin is closed (nothing waits for a terminal). */
  input?: string;
  maxBuffer?: number;
  /** Stops the program (SIGTERM) when aborted: its result then has no exit code. */
  signal?: AbortSignal | undefined;
  /**
   * Ends the program's whole process group once it has run this long (SIGTERM, then SIGKILL if it is
   * still there after KILL_GRACE_MS): a fetch from a remote that never answers must not run forever.
   * The result then has no exit code and says `timedOut`.
   */
  timeoutMs?: number | undefined;
}

/** What a run of git or Nix left: the code (undefined when it could not start or was killed) and its output. */
export interface ExecResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** It ran past its `timeoutMs` and was ended. */
  timedOut?: true;
}

/** How long a program ended for its timeout has to exit on SIGTERM (git removes its lock files) before SIGKILL. */
export const KILL_GRACE_MS = 2000;

/** Runs a program with an argument array (no shell ever sees the values) and never throws for its exit. */
export type Exec = (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/**
 * Starts it from this process, in a process group of its own and tracked (child-processes.ts), so a
 * stop reaches what it started; `pid` is that group's.
 */
export function startHere(
  file: string,
  args: readonly string[],
  options: ExecOptions = {},
): { pid: number | undefined; result: Promise<ExecResult> } {
  const child = tracked(
    execa(file, args, {
      reject: false,
      ...OWN_PROCESS_GROUP,
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      ...(options.env !== undefined && { env: options.env }),
      ...(options.maxBuffer !== undefined && { maxBuffer: options.maxBuffer }),
      ...(options.signal !== undefined && { cancelSignal: options.signal }),
      ...(options.input !== undefined ? { input: options.input } : { stdin: "ignore" as const }),
    }),
  );
  const limit = options.timeoutMs === undefined ? undefined : endAfter(child.pid, options.timeoutMs);
  return {
    pid: child.pid,
    result: child.then((done) => {
      limit?.cancel();
      return {
        exitCode: done.exitCode,
        stdout: String(done.stdout),
        stderr: String(done.stderr),
        ...(limit?.fired() && { timedOut: true as const }),
      };
    }),
  };
}

/**
 * Ends the process group `pid` after `ms` of wall time (a program's run time is not a deadline of the
 * injected clock). The whole group: git fetch's remote helper and index-pack, nix-store's builders.
 */
function endAfter(pid: number | undefined, ms: number): { cancel(): void; fired(): boolean } {
  let fired = false;
  let kill: NodeJS.Timeout | undefined;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (pid !== undefined) process.kill(-pid, signal);
    } catch {
      // The group ended meanwhile (ESRCH).
    }
  };
  const term = setTimeout(() => {
    fired = true;
    signalGroup("SIGTERM");
    kill = setTimeout(() => signalGroup("SIGKILL"), KILL_GRACE_MS);
  }, ms);
  return {
    cancel() {
      clearTimeout(term);
      clearTimeout(kill);
    },
    fired: () => fired,
  };
}

/** Runs it from this process: what the command line does, where one short-lived command waits anyway. */
export const execHere: Exec = (file, args, options) => startHere(file, args, options).result;

/** Built next to this module (dist/envs/exec-helper.js); the tests run it from the build too. */
const HELPER_ENTRY = resolve(PACKAGE_ROOT, "dist", "envs", "exec-helper.js");

export interface ExecHelper {
  exec: Exec;
  /** Ends the helper; runs still waiting fail (the programs they started are not stopped). */
  close(): void;
}

/** A run the helper could not finish reads as a failed run, with why in stderr, as any other failure. */
const unfinished = (why: string): ExecResult => ({
  exitCode: undefined,
  stdout: "",
  stderr: `the helper process that runs git and Nix for hms-env ${why}; the run did not finish: try again`,
});

/**
 * Runs programs from a small helper process. Starting a child blocks the starting process's event loop
 * for as long as fork() takes to copy its page tables, which grows with its memory: about 3 ms for a
 * bare node, 10 to 80 ms for `serve` with Bolt and the triage engine loaded, on a busy machine. Slack
 * must be acked within 3 s and `serve` answers every request from that one loop, so `serve` hands its
 * git and Nix runs to the helper, whose own forks are cheap and block nobody. The helper is started on
 * first use, again after it dies, and leaves with its parent.
 */
export function createExecHelper(options: { entry?: string } = {}): ExecHelper {
  let child: ChildProcess | undefined;
  let serial = 0;
  const waiting = new Map<number, (result: ExecResult) => void>();
  /** The promise of each run in flight, tracked once the helper says which process group it runs in. */
  const runs = new Map<number, Promise<ExecResult>>();

  const finishAll = (result: ExecResult) => {
    for (const finish of waiting.values()) finish(result);
    waiting.clear();
    runs.clear();
  };

  const start = (): ChildProcess => {
    const started = fork(options.entry ?? HELPER_ENTRY, [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      // Not this process's node options (`-e`, `--import`, a debugger): the helper is a plain script.
      execArgv: [],
      // Structured clone keeps an undefined env value (remove the variable) as it is.
      serialization: "advanced",
    });
    started.on("message", (message: { id: number; pid: number } | { id: number; result: ExecResult }) => {
      if ("pid" in message) {
        // The command runs in a process group of its own: this process can stop it as its own commands.
        const run = runs.get(message.id);
        if (run) tracked(Object.assign(run, { pid: message.pid }));
        return;
      }
      const finish = waiting.get(message.id);
      waiting.delete(message.id);
      runs.delete(message.id);
      finish?.(message.result);
      if (waiting.size === 0) idle(started);
    });
    started.on("exit", (code, signal) => {
      if (child === started) child = undefined;
      finishAll(unfinished(`stopped (${signal ?? `exit ${code}`})`));
    });
    started.on("error", (error) => finishAll(unfinished(`failed: ${error.message}`)));
    return started;
  };

  // An idle helper does not keep the process alive; one with runs in flight does.
  const idle = (process: ChildProcess) => {
    process.unref();
    process.channel?.unref();
  };
  const busy = (process: ChildProcess) => {
    process.ref();
    process.channel?.ref();
  };

  return {
    exec(file, args, { signal, ...execOptions } = {}) {
      child ??= start();
      const id = ++serial;
      const helper = child;
      busy(helper);
      // A signal cannot cross to the helper: an abort is sent as a message, and the helper stops the run.
      const cancel = () => {
        if (helper.connected) helper.send({ cancel: id });
      };
      const run = new Promise<ExecResult>((resolve) => {
        waiting.set(id, (result) => {
          signal?.removeEventListener("abort", cancel);
          resolve(result);
        });
        helper.send({ id, file, args: [...args], options: execOptions }, (error) => {
          if (error === null) return;
          waiting.get(id)?.(unfinished(`could not be reached: ${error.message}`));
          waiting.delete(id);
          runs.delete(id);
        });
        if (signal?.aborted) cancel();
        else signal?.addEventListener("abort", cancel, { once: true });
      });
      runs.set(id, run);
      return run;
    },
    close() {
      const helper = child;
      child = undefined;
      // The helper leaves when its channel closes (it ignores the signals meant for its group).
      if (helper?.connected) helper.disconnect();
    },
  };
}
