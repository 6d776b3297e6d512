import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { claimIsDead, newClaim, type ProcessIdentity, retryDelay } from "../../src/envs/claims.js";
import { noLog } from "../../src/envs/context.js";
import { canTransition, countsTowardLimit, TRANSITIONS, transition } from "../../src/envs/transitions.js";
import { createTimers } from "../../src/schedule/timers.js";
import { startTicksOf } from "../../src/store/lock-holder.js";
import {
  type Claim,
  type EnvRecord,
  type EnvStatus,
  envStatus,
  type StateData,
} from "../../src/store/schema.js";
import { testProcess } from "../helpers/host.js";
import { manualClock } from "../helpers/manual-clock.js";
import { envRecord, expectHmsError } from "./support.js";

const NOW = new Date("2026-11-27T10:00:00.000Z");
const MINUTE = 60_000;

/** Created at NOW, due an hour later. */
const record = (changes: Partial<EnvRecord> = {}) =>
  envRecord("env-0000aaaa", {
    createdAt: NOW.toISOString(),
    expiresAt: new Date(NOW.getTime() + 60 * MINUTE).toISOString(),
    ...changes,
  });

describe("the transition table", () => {
  const allowed = new Set([
    "provisioning>ready",
    "provisioning>failed",
    "provisioning>cleaning",
    "ready>cleaning",
    "failed>cleaning",
    "cleaning>cleaning",
    "cleaning>cleaned",
    "cleaning>failed",
  ]);

  it("allows exactly the listed changes, and nothing out of cleaned", () => {
    for (const from of envStatus.options) {
      for (const to of envStatus.options) {
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(allowed.has(`${from}>${to}`));
      }
    }
    expect(TRANSITIONS.cleaned).toEqual([]);
  });

  it("refuses any other change with INVALID_TRANSITION, naming both ends and the reason, and changes nothing", async () => {
    const env = record({ status: "cleaned" });
    await expectHmsError(
      () => transition(env, "ready", "its build finished"),
      "INVALID_TRANSITION",
      "env-0000aaaa is cleaned and cannot become ready (its build finished)",
    );
    expect(env.status).toBe("cleaned");
    const ready = record();
    transition(ready, "cleaning", "cleanup");
    expect(ready.status).toBe("cleaning");
  });

  it("counts only environments being made or in use toward the owner limit", () => {
    const counted = envStatus.options.filter((status: EnvStatus) => countsTowardLimit(record({ status })));
    expect(counted).toEqual(["provisioning", "ready"]);
  });
});

describe("claims", () => {
  const alive = new Set([100]);
  const self: ProcessIdentity = { pid: 100, host: "here", isAlive: (pid) => alive.has(pid) };
  const lease = 10 * MINUTE;

  it("are dead on this host once their process is gone, and anywhere once the lease ran out", () => {
    const mine = record({ status: "cleaning", claim: newClaim(self, NOW, lease, 1) });
    expect(claimIsDead(mine, self, NOW, lease)).toBe(false);
    expect(claimIsDead(mine, self, new Date(NOW.getTime() + lease), lease)).toBe(true);
    const gone = record({ status: "cleaning", claim: { ...newClaim(self, NOW, lease, 2), pid: 101 } });
    expect(claimIsDead(gone, self, NOW, lease)).toBe(true);
    // Another host's pid means nothing here: only its lease counts, so a slow holder there is left alone.
    const elsewhere = record({
      status: "provisioning",
      claim: { ...newClaim(self, NOW, lease, 1), pid: 101, host: "there" },
    });
    expect(claimIsDead(elsewhere, self, new Date(NOW.getTime() + lease - 1), lease)).toBe(false);
    expect(claimIsDead(elsewhere, self, new Date(NOW.getTime() + lease), lease)).toBe(true);
  });

  it("on this host, are dead once their pid runs as a later process, or the machine restarted", async () => {
    const here = testProcess();
    const other = execa("sleep", ["60"], { reject: false });
    try {
      const pid = other.pid as number;
      const started = startTicksOf(pid) as number;
      const claimOf = (changes: Partial<Claim>) =>
        record({ status: "cleaning", claim: { ...newClaim(here, NOW, lease, 1), ...changes } });
      // The very process that claimed it runs (a live holder, or one paused with SIGSTOP): alive.
      expect(claimIsDead(claimOf({ pid, startTicks: started }), here, NOW, lease)).toBe(false);
      // That pid, but a process started since: the claimer is gone, whatever its lease says.
      expect(claimIsDead(claimOf({ pid, startTicks: started - 100 }), here, NOW, lease)).toBe(true);
      expect(claimIsDead(claimOf({ pid: process.pid, startTicks: 1 }), here, NOW, lease)).toBe(true);
      // Taken before this machine restarted: gone, even if a process runs under its pid now.
      expect(
        claimIsDead(claimOf({ pid, bootId: "00000000-0000-0000-0000-000000000000" }), here, NOW, lease),
      ).toBe(true);
      // Written by an older version (no start recorded): its pid runs, so it counts as alive.
      expect(claimIsDead(claimOf({ pid, startTicks: undefined }), here, NOW, lease)).toBe(false);
      // In another pid namespace (a container sharing the state file), its pid means nothing here.
      expect(claimIsDead(claimOf({ pid: 2 ** 22 + 1, pidNamespace: "pid:[1]" }), here, NOW, lease)).toBe(
        false,
      );
    } finally {
      other.kill();
      await other;
    }
  });

  it("treat a provisioning written before claims existed as dead once a lease has passed since it began", () => {
    const old = record({ status: "provisioning" });
    expect(claimIsDead(old, self, new Date(NOW.getTime() + lease - 1), lease)).toBe(false);
    expect(claimIsDead(old, self, new Date(NOW.getTime() + lease + 1), lease)).toBe(true);
  });
});

describe("retry backoff", () => {
  it("doubles from the first delay and stops at the cap", () => {
    const settings = { maxAttempts: 5, retryDelayMs: MINUTE, maxRetryDelayMs: 10 * MINUTE };
    expect([1, 2, 3, 4, 5, 6, 200].map((failures) => retryDelay(failures, settings) / MINUTE)).toEqual([
      1, 2, 4, 8, 10, 10, 10,
    ]);
  });
});

describe("timers on a fake clock", () => {
  const state = (...environments: EnvRecord[]): StateData => ({
    version: 1,
    environments,
    bugs: [],
    rotation: {},
    deliveries: [],
    audit: [],
  });

  it("fire at each environment's next due moment: deadline, next attempt, end of lease", async () => {
    const clock = manualClock(NOW);
    let fired = 0;
    const timers = createTimers({
      store: { read: async () => state() },
      clock,
      log: noLog,
      onDue: () => fired++,
    });
    const claim = {
      pid: 1,
      host: "there",
      since: NOW.toISOString(),
      attempt: 1,
      leaseUntil: new Date(NOW.getTime() + 3 * MINUTE).toISOString(),
    };
    await timers.sync(
      state(
        record({ id: "env-a" }),
        record({
          id: "env-b",
          status: "cleaning",
          nextAttemptAt: new Date(NOW.getTime() + 2 * MINUTE).toISOString(),
        }),
        record({ id: "env-c", status: "provisioning", claim }),
        record({ id: "env-d", status: "cleaned" }),
      ),
    );
    expect([...timers.pending().keys()].sort()).toEqual(["env-a", "env-b", "env-c"]);
    clock.advance(2 * MINUTE);
    expect(fired).toBe(1);
    clock.advance(MINUTE);
    expect(fired).toBe(2);
    clock.advance(57 * MINUTE);
    expect(fired).toBe(3);
    timers.stop();
  });

  it("fire a moment that has passed once, and never again at once for the same moment (no hot loop)", async () => {
    const clock = manualClock(NOW);
    let fired = 0;
    const overdue = state(record({ expiresAt: new Date(NOW.getTime() - MINUTE).toISOString() }));
    const timers = createTimers({
      store: { read: async () => overdue },
      clock,
      log: noLog,
      onDue: () => fired++,
    });
    await timers.sync();
    clock.advance(0);
    expect(fired).toBe(1);
    // The pass could not change it (the state file was locked, say): syncing again arms nothing.
    for (let round = 0; round < 100; round++) {
      await timers.sync();
      clock.advance(1000);
    }
    expect(fired).toBe(1);
    expect(timers.pending().size).toBe(0);
    // A new deadline is a new moment.
    await timers.sync(state(record({ expiresAt: new Date(clock.now().getTime() + MINUTE).toISOString() })));
    clock.advance(MINUTE);
    expect(fired).toBe(2);
  });
});
