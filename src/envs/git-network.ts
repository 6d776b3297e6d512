/**
 * The git commands that talk to the remote (the fetch, and the checkout of a partial mirror, which
 * downloads blobs) run with stall detection and a time limit per step. A remote that accepts a
 * connection and never answers then fails the step within `timeouts.stall` (git's own
 * http.lowSpeedLimit/lowSpeedTime, ssh's ConnectTimeout and keep-alives) or, at the latest, its
 * `timeouts.<step>`, with a coded error naming the step, the remote and the fix; the mirror lock is
 * released with it.
 */
import { tmpdir } from "node:os";
import type { Exec, ExecResult } from "./exec.js";
import {
  execWithin,
  STALL_BYTES_PER_SECOND,
  type StepTimeouts,
  stepTimedOut,
  TIMEOUT_KEYS,
  timedOut,
} from "./step-limits.js";

export type NetworkStep = "fetch" | "checkout";

/** Builds, for one run of a step, the exec its git commands go through. */
export type GitNetwork = (step: NetworkStep, what: string) => Exec;

export interface GitNetworkOptions {
  exec: Exec;
  /** The variables git inherits: stall settings the person made themselves are kept. */
  env: Readonly<Record<string, string | undefined>>;
  /** Without limits (a library user who set none), the commands run as they are. */
  timeouts: StepTimeouts | undefined;
}

/** What git and ssh print when a transfer or a connection made no progress in time. */
const STALL_MESSAGES = [
  /Operation too slow[^\n]*/i,
  /Operation timed out[^\n]*/i,
  /Connection timed out[^\n]*/i,
  /Timeout, server [^\n]* not responding[^\n]*/i,
];

function stallIn(result: ExecResult): string | undefined {
  if (result.exitCode === 0) return undefined;
  for (const pattern of STALL_MESSAGES) {
    const found = pattern.exec(result.stderr);
    if (found) return found[0].trim();
  }
  return undefined;
}

/** A remote as messages show it: never with the user name and token an http(s) URL may carry (ssh's user stays). */
export function shownRemote(url: string): string {
  return url.replace(/^(https?:\/\/)[^/@]*@/i, "$1");
}

/** ssh that gives up on a host that does not answer, and never waits for a password nobody types. */
export function sshCommand(stallMs: number): string {
  const seconds = Math.max(1, Math.round(stallMs / 1000));
  const keepAlive = Math.max(1, Math.round(seconds / 3));
  return `ssh -o ConnectTimeout=${seconds} -o BatchMode=yes -o ServerAliveInterval=${keepAlive} -o ServerAliveCountMax=3`;
}

export function createGitNetwork({ exec, env, timeouts }: GitNetworkOptions): GitNetwork {
  if (timeouts === undefined) return () => exec;
  // GIT_SSH_COMMAND would override core.sshCommand too: a person's own ssh setting is left alone.
  let ownSsh: Promise<boolean> | undefined;
  const hasOwnSsh = () => {
    if (env.GIT_SSH_COMMAND || env.GIT_SSH) return Promise.resolve(true);
    ownSsh ??= exec("git", ["config", "--get", "core.sshCommand"], {
      cwd: tmpdir(),
      env: { GIT_CEILING_DIRECTORIES: tmpdir() },
    }).then((result) => result.exitCode === 0 && result.stdout.trim() !== "");
    return ownSsh;
  };
  const variables = async () => ({
    GIT_TERMINAL_PROMPT: "0",
    ...(env.GIT_HTTP_LOW_SPEED_LIMIT === undefined && {
      GIT_HTTP_LOW_SPEED_LIMIT: String(STALL_BYTES_PER_SECOND),
    }),
    ...(env.GIT_HTTP_LOW_SPEED_TIME === undefined && {
      GIT_HTTP_LOW_SPEED_TIME: String(Math.max(1, Math.round(timeouts.stallMs / 1000))),
    }),
    ...(!(await hasOwnSsh()) && { GIT_SSH_COMMAND: sshCommand(timeouts.stallMs) }),
  });
  const remoteOf = async (cwd: string | undefined) => {
    const url = await exec("git", ["config", "--get", "remote.origin.url"], { ...(cwd && { cwd }) });
    return url.exitCode === 0 ? shownRemote(url.stdout.trim()) : "its remote";
  };

  return (step, what) => {
    const limitMs = step === "fetch" ? timeouts.fetchMs : timeouts.checkoutMs;
    const limited = execWithin(exec, limitMs);
    return async (file, args, options = {}) => {
      const result = await limited(file, args, {
        ...options,
        env: { ...(await variables()), ...options.env },
      });
      const stalled = stallIn(result);
      if (!timedOut(result) && stalled === undefined) return result;
      const remote = await remoteOf(options.cwd);
      const fix = `check that ${remote} answers (git ls-remote ${remote}) and that this machine reaches it`;
      const key = stalled === undefined ? TIMEOUT_KEYS[step] : TIMEOUT_KEYS.stall;
      const shown = stalled === undefined ? limitMs : timeouts.stallMs;
      throw stepTimedOut({ what: `${what} from ${remote}`, key, limitMs: shown, fix }, stalled);
    };
  };
}
