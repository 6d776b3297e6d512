import { describe, expect, it } from "vitest";
import { createDeliveryRecorder, firstDelivery, forgetDelivery } from "../../src/store/deliveries.js";
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

describe("createDeliveryRecorder", () => {
  /** A store that counts its writes. */
  function countingStore(file: string) {
    const store = createStore({ ...testStore, file });
    let writes = 0;
    return {
      store: {
        ...store,
        update: <T>(change: Parameters<typeof store.update<T>>[0]) => {
          writes++;
          return store.update(change);
        },
      },
      writes: () => writes,
    };
  }

  it("records a burst of ids in one write, each resolving once it is on disk", async () => {
    const file = `${tempDir()}/state.json`;
    const { store, writes } = countingStore(file);
    const record = createDeliveryRecorder(store, "github", () => new Date());
    const ids = Array.from({ length: 20 }, (_, index) => `d-${index}`);
    const firsts = await Promise.all([...ids, "d-3"].map((id) => record(id)));
    expect(firsts).toEqual([...ids.map(() => true), false]);
    expect(writes()).toBe(1);
    // A restart (a new store on the same file) recognises every one of them.
    const restarted = createStore({ ...testStore, file });
    expect(await firstDelivery(restarted, "github", "d-19", new Date())).toBe(false);
    expect(await record("d-0")).toBe(false);
  });

  it("records ids given while a write waits for the lock in that write, and later ones in the next", async () => {
    const inner = createStore({ ...testStore, file: `${tempDir()}/state.json` });
    let writes = 0;
    let late: Promise<boolean>[] = [];
    const store = {
      ...inner,
      update: <T>(change: Parameters<typeof inner.update<T>>[0]) => {
        writes++;
        return inner.update((state) => {
          const result = change(state);
          // Given while this write is under way, after it took its ids.
          if (writes === 1) late = ["d", "e"].map((id) => record(id));
          return result;
        });
      },
    };
    const record = createDeliveryRecorder(store, "github", () => new Date());
    const first = record("a");
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = ["b", "c"].map((id) => record(id));
    expect(await Promise.all([first, ...waiting])).toEqual([true, true, true]);
    expect(await Promise.all(late)).toEqual([true, true]);
    expect(writes).toBe(2);
  });

  it("rejects the ids of a write that failed, and a forgotten id counts as new again", async () => {
    const dir = tempDir();
    const store = createStore({ ...testStore, file: `${dir}/state.json` });
    const record = createDeliveryRecorder(store, "github", () => new Date());
    expect(await record("x")).toBe(true);
    await forgetDelivery(store, "github", "x");
    expect(await record("x")).toBe(true);
    const broken = createDeliveryRecorder(
      { ...store, update: () => Promise.reject(new Error("disk full")) },
      "github",
      () => new Date(),
    );
    await expect(Promise.all([broken("y"), broken("z")])).rejects.toThrow("disk full");
    expect(await record("y")).toBe(true);
  });
});
