import { describe, expect, it } from "vitest";
import { runPeriodically } from "../../src/schedule/periodic.js";
import { manualClock } from "../helpers/manual-clock.js";

/** A pass that stays running until the test finishes it, counting how often it started. */
function heldPass() {
  let started = 0;
  const finishers: (() => void)[] = [];
  const pass = () => {
    started++;
    return new Promise<number>((done) => finishers.push(() => done(started)));
  };
  return { pass, started: () => started, finish: () => finishers.shift()?.() };
}

describe("runPeriodically", () => {
  it("runs a pass on every interval, and a pass asked for while one runs joins it", async () => {
    const clock = manualClock();
    const held = heldPass();
    const periodic = runPeriodically(clock, 1000, held.pass);
    clock.advance(1000);
    expect(held.started()).toBe(1);
    // Another tick and a manual run while the first pass runs: no second pass beside it.
    clock.advance(1000);
    const joined = periodic.runOnce();
    expect(held.started()).toBe(1);
    held.finish();
    expect(await joined).toBe(1);
    // Once it is over, the next one starts.
    const next = periodic.runOnce();
    expect(held.started()).toBe(2);
    held.finish();
    expect(await next).toBe(2);
    periodic.stop();
  });

  it("stops: no pass after stop()", () => {
    const clock = manualClock();
    const held = heldPass();
    runPeriodically(clock, 1000, held.pass).stop();
    clock.advance(5000);
    expect(held.started()).toBe(0);
    expect(clock.scheduled()).toBe(0);
  });
});
