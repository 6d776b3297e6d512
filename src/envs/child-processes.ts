/**
 * The git and Nix commands this process runs. Each one starts in a process group of its own
 * (`detached`), so a signal to the group reaches what the command started too: git fetch's index-pack,
 * nix-build's builders, the shell of a wrapper script. Otherwise a killed command's children would keep
 * its output pipes open, and the process waiting on it would wait for them.
 *
 * Their own group also keeps a terminal's Ctrl-C from reaching them directly: the process decides.
 * The CLI passes a stop on to them at once (`signalChildren` in src/cli/run.ts), and ends them when it
 * exits; `serve` lets the pass under way finish within its grace and then ends them (src/main.ts).
 */
const running = new Set<RunningChild>();

/**
 * A command that runs until its promise settles, in the process group `pid`: one this process started
 * (execa's ResultPromise), or one `serve`'s helper process started for it (src/envs/exec.ts).
 */
export type RunningChild = PromiseLike<unknown> & { readonly pid?: number | undefined };

/** The execa options that put a command in a group of its own. */
export const OWN_PROCESS_GROUP = { detached: true } as const;

/** Remembers a command started with OWN_PROCESS_GROUP until it ends. */
export function tracked<T extends RunningChild>(child: T): T {
  running.add(child);
  const forget = () => running.delete(child);
  child.then(forget, forget);
  return child;
}

/** How many tracked commands are still running. */
export function runningChildren(): number {
  return running.size;
}

/** Sends `signal` to every running command's whole process group; returns how many groups it reached. */
export function signalChildren(signal: NodeJS.Signals): number {
  let reached = 0;
  for (const child of running) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, signal);
      reached += 1;
    } catch {
      // The group is gone already (ESRCH): it ended between the check and the signal.
    }
  }
  return reached;
}

/**
 * Ends every running command: SIGTERM to each group (git removes its lock files on it), then SIGKILL to
 * whatever still runs after `graceMs`. Resolves once they have all ended, or right after the SIGKILL.
 */
export async function endChildren(graceMs: number): Promise<void> {
  if (running.size === 0) return;
  const children = [...running];
  signalChildren("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const ended = Promise.allSettled(children).then(() => "ended" as const);
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), graceMs);
  });
  const outcome = await Promise.race([ended, late]);
  clearTimeout(timer);
  if (outcome === "late") signalChildren("SIGKILL");
}
