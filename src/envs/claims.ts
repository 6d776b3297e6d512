import type { Clock } from "../clock.js";
import { holderGone, type LockHolder, startTicksOf } from "../store/lock-holder.js";
import type { Claim, EnvRecord } from "../store/schema.js";

export { processIsAlive } from "../store/lock-holder.js";

/**
 * The process making changes: cli.ts fills it in (its pid, host and /proc facts), so nothing else reads
 * process.pid or the host name. Its locks and claims name it.
 */
export interface ProcessIdentity extends LockHolder {
  /** Whether a process with this pid runs on this host (a signal 0 probe). */
  isAlive(pid: number): boolean;
}

export function newClaim(self: ProcessIdentity, now: Date, leaseMs: number, attempt: number): Claim {
  return {
    pid: self.pid,
    host: self.host,
    // What tells this process from a later one given the same pid (or one from before a restart).
    ...(self.bootId !== undefined && { bootId: self.bootId }),
    ...(self.pidNamespace !== undefined && { pidNamespace: self.pidNamespace }),
    ...(self.startTicks !== undefined && { startTicks: self.startTicks }),
    since: now.toISOString(),
    attempt,
    leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
  };
}

export function isOwnClaim(claim: Claim | undefined, mine: Claim): boolean {
  return (
    claim !== undefined && claim.pid === mine.pid && claim.host === mine.host && claim.since === mine.since
  );
}

/**
 * Whether nobody works on a claim any more, so another process may finish the job: on this host its
 * process is gone, as a lock's holder is judged (its pid does not run, or runs as a process started
 * later, or the machine restarted since); anywhere, its lease ran out (the holder renews it while it
 * works, so a slow provisioning on another host is never taken, while a holder that is frozen is). A
 * provisioning written before claims existed counts from its creation.
 */
export function claimIsDead(env: EnvRecord, self: ProcessIdentity, now: Date, leaseMs: number): boolean {
  const claim = env.claim;
  if (claim === undefined) return now.getTime() - Date.parse(env.createdAt) > leaseMs;
  if (holderGone(claim, self, { isAlive: self.isAlive, startTicks: startTicksOf }) !== undefined) return true;
  return Date.parse(claim.leaseUntil) <= now.getTime();
}

export function describeClaim(claim: Claim): string {
  return `pid ${claim.pid} on ${claim.host} since ${claim.since} (attempt ${claim.attempt})`;
}

export interface RetrySettings {
  maxAttempts: number;
  /** The wait after the first failed attempt; it doubles with each one after. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

/** Exponential backoff: the wait after `failures` failed attempts, capped. */
export function retryDelay(failures: number, settings: RetrySettings): number {
  const doubled = settings.retryDelayMs * 2 ** Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(doubled, settings.maxRetryDelayMs);
}

/**
 * Renews a claim's lease while its holder works (every third of the lease), so other hosts never take
 * over a live holder. `renew` writes the new lease if the claim is still this holder's.
 */
export function keepClaim(
  clock: Clock,
  leaseMs: number,
  renew: (leaseUntil: string) => Promise<unknown>,
): { release(): void } {
  const timer = clock.every(Math.max(1000, Math.floor(leaseMs / 3)), () => {
    renew(new Date(clock.now().getTime() + leaseMs).toISOString()).catch(() => undefined);
  });
  return { release: () => timer.cancel() };
}
