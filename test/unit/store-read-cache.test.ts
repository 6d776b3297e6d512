/**
 * Reads of an unchanged state file cost a stat: the parsed, validated state is kept (frozen) until the
 * file on disk changes, whoever changes it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/store.js";
import { builtStoreModule } from "../helpers/built-store.js";
import { script, UPDATER } from "../helpers/lock-children.js";
import { testStore, useTempDir } from "./support.js";

const tempDir = useTempDir("store-read-cache");

let storeUrl: string;
beforeAll(() => {
  storeUrl = builtStoreModule("store");
});

/** Past the time a file system's coarse timestamps need before a file is kept (SETTLED_MS). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1100));

/** A state file written more than a second ago: its reads are kept. */
async function seeded() {
  const dir = tempDir();
  const file = join(dir, "data", "state.json");
  const store = createStore({ ...testStore, file });
  await store.audit({ actor: "seed", action: "test", target: "seed" });
  await settle();
  return { dir, file, store };
}

const actors = (state: { audit: { actor: string }[] }) => state.audit.map((entry) => entry.actor);

describe("the kept read", () => {
  it("is the same frozen object while the file is unchanged: changing it throws", async () => {
    const { store } = await seeded();
    const first = await store.read();
    expect(await store.read()).toBe(first);
    expect(Object.isFrozen(first.audit[0])).toBe(true);
    expect(() => {
      first.audit.push({ at: "", actor: "x", action: "x", target: "x" });
    }).toThrow(TypeError);
  });

  it("is not kept for a file changed within the last second: it could change again under the same stamp", async () => {
    const dir = tempDir();
    const store = createStore({ ...testStore, file: join(dir, "state.json") });
    await store.audit({ actor: "seed", action: "test", target: "seed" });
    const first = await store.read();
    expect(Object.isFrozen(first)).toBe(true);
    expect(await store.read()).not.toBe(first);
    await settle();
    const settled = await store.read();
    expect(await store.read()).toBe(settled);
  });

  it("gives way to a write by another process", async () => {
    const { dir, file, store } = await seeded();
    const before = await store.read();
    const other = await execa(process.execPath, [
      script(dir, "updater.mjs", UPDATER),
      storeUrl,
      file,
      "other",
      "15000",
      "0",
    ]);
    expect(other.stdout).toContain("wrote");
    const after = await store.read();
    expect(after).not.toBe(before);
    expect(actors(after)).toEqual(["seed", "other"]);
  });

  it("gives way to an edit in place by hand (same file, same size)", async () => {
    const { file, store } = await seeded();
    const kept = await store.read();
    expect(await store.read()).toBe(kept);
    writeFileSync(file, readFileSync(file, "utf8").replace('"seed"', '"deed"'));
    expect(actors(await store.read())).toEqual(["deed"]);
  });

  it("is never what an update changes: the update works on its own copy, and the next read sees it", async () => {
    const { store } = await seeded();
    const kept = await store.read();
    await store.update((state) => {
      expect(state).not.toBe(kept);
      state.audit.push({ at: new Date().toISOString(), actor: "mine", action: "test", target: "mine" });
    });
    expect(actors(kept)).toEqual(["seed"]);
    expect(actors(await store.read())).toEqual(["seed", "mine"]);
  });
});
