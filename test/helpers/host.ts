import { hostname } from "node:os";
import { type App, createApp } from "../../src/app.js";
import type { Clock } from "../../src/clock.js";
import type { Config } from "../../src/config/load.js";
import { type ProcessIdentity, processIsAlive } from "../../src/envs/claims.js";
import { type Log, noLog } from "../../src/envs/context.js";
import { systemClock } from "../../src/schedule/system-clock.js";
import { currentProcessFacts } from "../../src/store/lock-holder.js";

/** The test process, as src/cli.ts describes the real one: its claims name it. */
export function testProcess(): ProcessIdentity {
  return {
    pid: process.pid,
    host: hostname(),
    ...currentProcessFacts(),
    isAlive: processIsAlive,
  };
}

/** What runCli needs of the process it runs in, for in-process command tests. */
export function testHost(clock: Clock = systemClock()) {
  return { self: testProcess(), clock, nodeBinary: process.execPath };
}

/** The app the CLI would build for `config`, in this process, on `clock` (the real one by default). */
export function testApp(config: Config, clock?: Clock, log: Log = noLog): App {
  return createApp({ config, env: process.env, log, ...testHost(clock) });
}
