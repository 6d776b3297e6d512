import { describe, expect, it } from "vitest";
import { firstDelivery } from "../../src/store/deliveries.js";
import { diffEnvironments } from "../../src/store/env-changes.js";
import { type EnvRecord, emptyState, type StateData } from "../../src/store/schema.js";
import { createStore } from "../../src/store/store.js";
import { envRecord, testStore, useTempDir } from "./support.js";

const tempDir = useTempDir("env-changes");

const record = envRecord;

function stateWith(...environments: EnvRecord[]): StateData {
  return { ...emptyState(), environments };
}

describe("diffEnvironments", () => {
  it("reports new records and changed ones, and nothing for unchanged ones", () => {
    const before = stateWith(record("a"), record("b"));
    const after = stateWith(record("a"), record("b", { expiresAt: "2026-11-29T10:00:00.000Z" }), record("c"));
    const changes = diffEnvironments(before, after);
    expect(changes.map((change) => [change.after.id, change.before?.expiresAt ?? null])).toEqual([
      ["b", "2026-11-28T10:00:00.000Z"],
      ["c", null],
    ]);
  });

  it("treats every record as new without an earlier state, and ignores records that were pruned", () => {
    expect(diffEnvironments(undefined, stateWith(record("a"))).map((change) => change.after.id)).toEqual([
      "a",
    ]);
    expect(diffEnvironments(stateWith(record("a")), stateWith())).toEqual([]);
  });
});

describe("firstDelivery", () => {
  it("says true once per source and id, also across store instances (a restart)", async () => {
    const file = `${tempDir()}/state.json`;
    const now = new Date("2026-11-27T10:00:00.000Z");
    const store = createStore({ ...testStore, file });
    expect(await firstDelivery(store, "slack", "Ev01", now)).toBe(true);
    expect(await firstDelivery(store, "slack", "Ev01", now)).toBe(false);
    expect(await firstDelivery(store, "github", "Ev01", now)).toBe(true);
    const restarted = createStore({ ...testStore, file });
    expect(await firstDelivery(restarted, "slack", "Ev01", now)).toBe(false);
  });

  it("lets only one of two concurrent deliveries of the same id through", async () => {
    const store = createStore({ ...testStore, file: `${tempDir()}/state.json` });
    const now = new Date();
    const results = await Promise.all([1, 2, 3].map(() => firstDelivery(store, "github", "d-1", now)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
