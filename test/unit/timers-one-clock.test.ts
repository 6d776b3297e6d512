/**
 * serve's deadlines hold one clock timer, at the earliest of them, however many environments there
 * are: a start-up with thousands of live environments makes one node-schedule job, not thousands.
 */
import { describe, expect, it } from "vitest";
import { noLog } from "../../src/envs/context.js";
import { createTimers } from "../../src/schedule/timers.js";
import { type EnvRecord, emptyState, type StateData } from "../../src/store/schema.js";
import { manualClock } from "../helpers/manual-clock.js";
import { envRecord } from "./support.js";

const NOW = new Date("2026-11-27T10:00:00.000Z");
const MINUTE = 60_000;

const readyIn = (id: string, minutes: number): EnvRecord =>
  envRecord(id, {
    createdAt: NOW.toISOString(),
    expiresAt: new Date(NOW.getTime() + minutes * MINUTE).toISOString(),
  });

const stateOf = (...environments: EnvRecord[]): StateData => ({ ...emptyState(), environments });

function setup() {
  const clock = manualClock(NOW);
  const passes: number[] = [];
  let current = stateOf();
  const timers = createTimers({
    store: { read: async () => current },
    clock,
    log: noLog,
    onDue: () => passes.push(clock.now().getTime() - NOW.getTime()),
  });
  const show = (state: StateData) => {
    current = state;
    return timers.sync(state);
  };
  return { clock, passes, timers, show };
}

describe("one clock timer for every deadline", () => {
  it("5,000 environments (deadlines in any order): one timer, and every one of them pending", async () => {
    const { clock, timers, show } = setup();
    const envs = Array.from({ length: 5000 }, (_, index) =>
      readyIn(`env-${index}`, 60 + ((index * 7919) % 1440)),
    );
    await show(stateOf(...envs));
    expect(timers.pending().size).toBe(5000);
    expect(clock.scheduled()).toBe(1);
    timers.stop();
    expect(clock.scheduled()).toBe(0);
  });

  it("fires each deadline at its moment, one pass for deadlines that share it, then arms the next", async () => {
    const { clock, passes, timers, show } = setup();
    await show(stateOf(readyIn("env-c", 30), readyIn("env-a", 10), readyIn("env-b", 10)));
    clock.advance(9 * MINUTE);
    expect(passes).toEqual([]);
    clock.advance(MINUTE);
    expect(passes).toEqual([10 * MINUTE]);
    expect([...timers.pending().keys()]).toEqual(["env-c"]);
    expect(clock.scheduled()).toBe(1);
    clock.advance(20 * MINUTE);
    expect(passes).toEqual([10 * MINUTE, 30 * MINUTE]);
    expect(clock.scheduled()).toBe(0);
  });

  it("an earlier deadline moves the timer forward; a later one or a dropped one leaves it be", async () => {
    const { clock, passes, show } = setup();
    await show(stateOf(readyIn("env-a", 30)));
    await show(stateOf(readyIn("env-a", 30), readyIn("env-b", 5)));
    expect(clock.scheduled()).toBe(1);
    clock.advance(5 * MINUTE);
    expect(passes).toEqual([5 * MINUTE]);
    // env-a extended by an hour: nothing fires at its old deadline.
    await show(stateOf(readyIn("env-a", 90)));
    clock.advance(30 * MINUTE);
    expect(passes).toEqual([5 * MINUTE]);
    clock.advance(60 * MINUTE);
    expect(passes).toEqual([5 * MINUTE, 90 * MINUTE]);
  });

  it("an environment whose deadline fired and that is still due then is left to the reconciler", async () => {
    const { clock, passes, timers, show } = setup();
    await show(stateOf(readyIn("env-a", 10)));
    clock.advance(10 * MINUTE);
    expect(passes).toHaveLength(1);
    // The pass failed to take it down: the same deadline is not fired again.
    await show(stateOf(readyIn("env-a", 10)));
    clock.advance(MINUTE);
    expect(passes).toHaveLength(1);
    expect(timers.pending().size).toBe(0);
    expect(clock.scheduled()).toBe(0);
  });
});
