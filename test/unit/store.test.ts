import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { emptyState, type StateData } from "../../src/store/schema.js";
import { createStore } from "../../src/store/store.js";
import { builtStoreModule } from "../helpers/built-store.js";
import { expectHmsError, testStore, useTempDir } from "./support.js";

const tempDir = useTempDir("store");

function stateFileIn(dir: string): string {
  return join(dir, "data", "state.json");
}

function writeState(file: string, text: string): Buffer {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
  return readFileSync(file);
}

function readState(file: string): StateData {
  return JSON.parse(readFileSync(file, "utf8"));
}

function auditEntry(actor: string, target: string) {
  return { at: new Date(0).toISOString(), actor, action: "test", target };
}

const WRITER = `
import { hostname } from "node:os";
const [storeUrl, file, worker, count] = process.argv.slice(2);
const { createStore } = await import(storeUrl);
const store = createStore({ holder: { pid: process.pid, host: hostname() }, now: () => new Date(), file });
await Promise.all(
  Array.from({ length: Number(count) }, (_, index) =>
    store.update((state) => {
      state.audit.push({ at: new Date().toISOString(), actor: worker, action: "test", target: String(index) });
    }),
  ),
);
`;

/** Reads the file as fast as it can until the stop file appears; reports what it saw. */
const READER = `
import { existsSync, readFileSync } from "node:fs";
const [file, stopFile] = process.argv.slice(2);
let reads = 0, invalid = 0, shrank = 0, last = 0, sample = "";
while (!existsSync(stopFile)) {
  const text = readFileSync(file, "utf8");
  reads++;
  try {
    const length = JSON.parse(text).audit.length;
    if (length < last) shrank++;
    last = length;
  } catch {
    invalid++;
    sample ||= text.slice(0, 200);
  }
}
process.stdout.write(JSON.stringify({ reads, invalid, shrank, last, sample }));
`;

describe("reading", () => {
  it("a missing file reads as the empty state and is not created", async () => {
    const file = stateFileIn(tempDir());
    expect(await createStore({ ...testStore, file }).read()).toEqual(emptyState());
    expect(existsSync(file)).toBe(false);
  });

  it("fills collections a file leaves out and keeps ones it does not know", async () => {
    const file = stateFileIn(tempDir());
    writeState(file, JSON.stringify({ version: 1, future: { kept: true } }));
    const store = createStore({ ...testStore, file });
    expect(await store.read()).toMatchObject({ ...emptyState(), future: { kept: true } });
    await store.audit({ actor: "a", action: "test", target: "t" });
    expect(readState(file)).toMatchObject({ future: { kept: true } });
  });
});

describe("a corrupt state file stops with STATE_CORRUPT naming it, and is kept byte for byte", () => {
  it.each([
    ["not JSON", "{ this is not json", "not valid JSON"],
    ["empty", "", "not valid JSON"],
    ["a JSON array", "[]", "not an hms-env state file"],
    ["JSON null", "null", "not an hms-env state file"],
    ["another version", JSON.stringify({ version: 2, environments: [] }), "version"],
    ["a wrong collection", JSON.stringify({ version: 1, environments: "none" }), "environments"],
    ["a bad record", JSON.stringify({ version: 1, environments: [{ id: "x" }] }), "environments.0"],
  ])("%s", async (_, text, reason) => {
    const file = stateFileIn(tempDir());
    const before = writeState(file, text);
    const store = createStore({ ...testStore, file });
    let changed = false;
    await expectHmsError(() => store.read(), "STATE_CORRUPT", file, reason);
    await expectHmsError(
      () =>
        store.update(() => {
          changed = true;
        }),
      "STATE_CORRUPT",
      file,
    );
    expect(changed).toBe(false);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});

describe("updates in one process", () => {
  it("creates the file and its folder on the first update", async () => {
    const file = stateFileIn(tempDir());
    const result = await createStore({ ...testStore, file }).update((state) => {
      state.audit.push(auditEntry("a", "first"));
      return "done";
    });
    expect(result).toBe("done");
    expect(readState(file).audit).toEqual([auditEntry("a", "first")]);
  });

  it("100 concurrent updates each keep their entry", async () => {
    const file = stateFileIn(tempDir());
    const store = createStore({ ...testStore, file });
    await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        store.update((state) => state.audit.push(auditEntry("a", String(index)))),
      ),
    );
    const targets = readState(file).audit.map((entry) => Number(entry.target));
    expect(targets.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, index) => index));
  });

  it("a change that throws writes nothing and does not block the next update", async () => {
    const file = stateFileIn(tempDir());
    const store = createStore({ ...testStore, file });
    await store.update((state) => state.audit.push(auditEntry("a", "kept")));
    const before = readFileSync(file);
    await expect(
      store.update((state) => {
        state.audit.push(auditEntry("a", "lost"));
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(readFileSync(file).equals(before)).toBe(true);
    await store.update((state) => state.audit.push(auditEntry("a", "next")));
    expect(readState(file).audit.map((entry) => entry.target)).toEqual(["kept", "next"]);
  });

  it("audit stamps entries with the store's clock and keeps the newest 2000", async () => {
    const file = stateFileIn(tempDir());
    const old = Array.from({ length: 2000 }, (_, index) => auditEntry("old", String(index)));
    writeState(file, JSON.stringify({ ...emptyState(), audit: old }));
    const store = createStore({ ...testStore, file, now: () => new Date("2026-01-02T03:04:05Z") });
    await store.audit({ actor: "b", action: "extend", target: "env-1" });
    const { audit } = readState(file);
    expect(audit).toHaveLength(2000);
    expect(audit[0]?.target).toBe("1");
    expect(audit.at(-1)).toEqual({
      at: "2026-01-02T03:04:05.000Z",
      actor: "b",
      action: "extend",
      target: "env-1",
    });
  });
});

describe("updates from several processes", () => {
  let storeUrl: string;
  beforeAll(() => {
    storeUrl = builtStoreModule("store");
  });

  function writers(dir: string, file: string, workers: number, each: number) {
    const script = join(dir, "writer.mjs");
    writeFileSync(script, WRITER);
    return Array.from({ length: workers }, (_, worker) =>
      execa(process.execPath, [script, storeUrl, file, `w${worker}`, String(each)]),
    );
  }

  it("4 processes doing 25 updates each leave exactly 100 entries, none lost", async () => {
    const dir = tempDir();
    const file = stateFileIn(dir);
    await Promise.all(writers(dir, file, 4, 25));
    const seen = readState(file).audit.map((entry) => `${entry.actor}/${entry.target}`);
    const expected = ["w0", "w1", "w2", "w3"].flatMap((worker) =>
      Array.from({ length: 25 }, (_, index) => `${worker}/${index}`),
    );
    expect(seen.sort()).toEqual(expected.sort());
  });

  it("a reader polling while they write never sees invalid JSON or a shorter log", async () => {
    const dir = tempDir();
    const file = stateFileIn(dir);
    writeState(file, JSON.stringify(emptyState()));
    const stopFile = join(dir, "stop");
    writeFileSync(join(dir, "reader.mjs"), READER);
    const reader = execa(process.execPath, [join(dir, "reader.mjs"), file, stopFile]);
    await Promise.all(writers(dir, file, 4, 25));
    writeFileSync(stopFile, "");
    const report = JSON.parse((await reader).stdout);
    expect(report.invalid, `invalid JSON seen: ${report.sample}`).toBe(0);
    expect(report.shrank).toBe(0);
    expect(report.reads).toBeGreaterThan(100);
    expect(readState(file).audit).toHaveLength(100);
  });
});
