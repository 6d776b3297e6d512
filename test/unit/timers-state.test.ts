/** serve's timers against a state file that goes wrong: they are kept until a record says otherwise. */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { noLog } from "../../src/envs/context.js";
import { systemClock } from "../../src/schedule/system-clock.js";
import { createTimers, type Timers } from "../../src/schedule/timers.js";
import { emptyState } from "../../src/store/schema.js";
import { createStore } from "../../src/store/store.js";
import { envRecord, expectHmsError, testStore, useTempDir } from "./support.js";

const tempDir = useTempDir("timers-state");
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

const ready = (id: string) => envRecord(id, { createdAt: new Date().toISOString(), expiresAt: inAnHour() });

let timers: Timers | undefined;
afterEach(() => timers?.stop());

async function armed(ids: string[]) {
  const file = join(tempDir(), "state.json");
  const store = createStore({ ...testStore, file });
  await store.update((state) => {
    state.environments.push(...ids.map(ready));
  });
  timers = createTimers({ store, clock: systemClock(), onDue: () => undefined, log: noLog });
  await timers.sync();
  expect([...timers.pending().keys()].sort()).toEqual(ids);
  return { file, store, timers };
}

describe("timers keep what they hold when the state goes wrong", () => {
  it("a vanished state file: the sync fails with STATE_MISSING and every timer stays", async () => {
    const { file, timers } = await armed(["env-a", "env-b"]);
    rmSync(file);
    await expectHmsError(() => timers.sync(), "STATE_MISSING", file);
    expect([...timers.pending().keys()].sort()).toEqual(["env-a", "env-b"]);
  });

  it("a corrupt state file: the same", async () => {
    const { file, timers } = await armed(["env-a"]);
    writeFileSync(file, '{"version": 1, "environ');
    await expectHmsError(() => timers.sync(), "STATE_CORRUPT");
    expect([...timers.pending().keys()]).toEqual(["env-a"]);
  });

  it("a file emptied by hand keeps its timers; a record that says cleaned drops its timer", async () => {
    const { file, store, timers } = await armed(["env-a", "env-b"]);
    writeFileSync(file, JSON.stringify(emptyState()));
    await timers.sync();
    expect([...timers.pending().keys()].sort()).toEqual(["env-a", "env-b"]);
    await store.update((state) => {
      state.environments.push({ ...ready("env-a"), status: "cleaned", cleanedAt: new Date().toISOString() });
    });
    await timers.sync();
    expect([...timers.pending().keys()]).toEqual(["env-b"]);
  });
});
