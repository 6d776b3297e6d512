import { readFileSync, readlinkSync } from "node:fs";

/**
 * The process taking a lock or a claim, as the composition root is given it (src/cli.ts describes the
 * real one). The /proc facts let a waiter on the same machine tell a holder that is gone (killed with
 * kill -9, its machine rebooted, its pid reused) from one that is only slow or paused; they are absent
 * where /proc is.
 */
export interface LockHolder {
  pid: number;
  host: string;
  /** The kernel's boot id: a holder from before a reboot is gone, whatever its pid is now. */
  bootId?: string | undefined;
  /** The pid namespace: a pid means the same process only to a waiter in the same namespace. */
  pidNamespace?: string | undefined;
  /** The process's start, in clock ticks after boot (/proc/PID/stat): tells a reused pid apart. */
  startTicks?: number | undefined;
}

/** What a lock's owner file holds: the holder, since when, and the token that makes this hold unique. */
export interface LockOwner extends LockHolder {
  since: string;
  token: string;
}

/** The facts /proc gives about one process, beside its pid and host. */
export type ProcessFacts = Pick<LockHolder, "bootId" | "pidNamespace" | "startTicks">;

function readOrUndefined(read: () => string): string | undefined {
  try {
    return read().trim();
  } catch {
    return undefined;
  }
}

/**
 * Field 22 of a /proc stat line (starttime), counted after the command name, which sits in parentheses
 * and may itself hold spaces or parentheses.
 */
function startTicksIn(stat: string | undefined): number | undefined {
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[19]);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
}

/** When process `pid` started (clock ticks after boot), or undefined when it does not run or /proc is absent. */
export function startTicksOf(pid: number): number | undefined {
  return startTicksIn(readOrUndefined(() => readFileSync(`/proc/${pid}/stat`, "utf8")));
}

/**
 * This process's /proc facts, read through /proc/self (the composition root adds them to the pid and
 * host it is given): the boot id, the pid namespace and the start time.
 */
export function currentProcessFacts(): ProcessFacts {
  return {
    bootId: readOrUndefined(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8")),
    pidNamespace: readOrUndefined(() => readlinkSync("/proc/self/ns/pid")),
    startTicks: startTicksIn(readOrUndefined(() => readFileSync("/proc/self/stat", "utf8"))),
  };
}

/** How a holder's process is looked at: whether its pid runs here, and since when (injectable for tests). */
export interface ProcessProbe {
  isAlive(pid: number): boolean;
  startTicks(pid: number): number | undefined;
}

/** Signal 0 checks without sending anything; EPERM means it runs, as another user. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export const LOCAL_PROBE: ProcessProbe = { isAlive: processIsAlive, startTicks: startTicksOf };

/**
 * Why the holder is certainly gone, or undefined when it may still run. Only a holder `me` can see is
 * judged: the same host, boot and pid namespace. A holder elsewhere (another host sharing the folder,
 * another container) is left to the lock's stale time or the claim's lease, as is one whose pid runs as
 * the very process that took it: a holder paused with SIGSTOP runs, so it is never taken over here.
 */
export function holderGone(
  holder: LockHolder,
  me: LockHolder,
  probe: ProcessProbe = LOCAL_PROBE,
): string | undefined {
  if (holder.host !== me.host) return undefined;
  if (holder.bootId !== undefined && me.bootId !== undefined && holder.bootId !== me.bootId) {
    return "it was taken before this machine restarted";
  }
  // One that does not name its namespace (written by an older version) is taken to share this one's.
  if (holder.pidNamespace !== undefined && holder.pidNamespace !== me.pidNamespace) return undefined;
  if (!Number.isSafeInteger(holder.pid) || holder.pid <= 0) return undefined;
  if (!probe.isAlive(holder.pid)) return `process ${holder.pid} is gone`;
  if (holder.startTicks === undefined) return undefined;
  const now = probe.startTicks(holder.pid);
  if (now !== undefined && now !== holder.startTicks) {
    return `process ${holder.pid} is gone (that pid now belongs to a process started later)`;
  }
  return undefined;
}
