import { hostname } from "node:os";
import type { Clock } from "../../src/clock.js";
import { type ProcessIdentity, processIsAlive } from "../../src/envs/claims.js";
import { systemClock } from "../../src/schedule/system-clock.js";

/** The test process, as src/cli.ts describes the real one: its claims name it. */
export function testProcess(): ProcessIdentity {
  return {
    pid: process.pid,
    host: hostname(),
    isAlive: processIsAlive,
  };
}

/** What runCli needs of the process it runs in, for in-process command tests. */
export function testHost(clock: Clock = systemClock()) {
  return { self: testProcess(), clock, nodeBinary: process.execPath };
}
