/**
 * What survives a power cut or a person's mistake: fsync before the rename, the previous good copy as
 * `.bak`, its restore, and a vanished state file refused rather than started again empty.
 */
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { restoreStateBackup } from "../../src/store/restore.js";
import { createStore } from "../../src/store/store.js";
import { builtStoreModule } from "../helpers/built-store.js";
import { expectHmsError, testStore, useTempDir } from "./support.js";

const tempDir = useTempDir("store-durable");
const now = () => new Date("2026-03-04T05:06:07Z");

function stateFileIn(dir: string): string {
  return join(dir, "data", "state.json");
}

async function addAudit(file: string, target: string): Promise<void> {
  await createStore({ ...testStore, file }).audit({ actor: "test", action: "test", target });
}

function targets(text: string): string[] {
  return JSON.parse(text).audit.map((entry: { target: string }) => entry.target);
}

let storeUrl: string;
beforeAll(() => {
  storeUrl = builtStoreModule("store");
});

describe("each write", () => {
  it("fsyncs the new file before renaming it into place, then fsyncs the folder", async () => {
    const dir = tempDir();
    const file = stateFileIn(dir);
    await addAudit(file, "first");
    const writer = join(dir, "writer.mjs");
    writeFileSync(
      writer,
      `import { hostname } from "node:os";
const { createStore } = await import(${JSON.stringify(storeUrl)});
await createStore({ holder: { pid: process.pid, host: hostname() }, now: () => new Date(), file: ${JSON.stringify(file)} }).audit({ actor: "w", action: "test", target: "second" });`,
    );
    const trace = join(dir, "trace.txt");
    // -y names each file descriptor's path, so the trace shows which file each fsync was for.
    await execa("strace", [
      "-f",
      "-qq",
      "-y",
      "-e",
      "trace=fsync,fdatasync,rename,renameat,renameat2,link,linkat",
      "-o",
      trace,
      process.execPath,
      writer,
    ]);
    const calls = readFileSync(trace, "utf8")
      .split("\n")
      .filter((line) => line.includes(dir))
      .map((line) => line.replace(/^\d+\s+/, ""));
    const at = (pattern: RegExp) => calls.findIndex((call) => pattern.test(call));
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const [state, folder] = [literal(file), literal(join(dir, "data"))];
    const tmp = `${state}\\.\\d+`;
    const backup = at(new RegExp(`^rename(at2?)?\\(.*"${state}\\.bak\\.tmp", .*"${state}\\.bak"`));
    const fsyncTmp = at(new RegExp(`^f(data)?sync\\(\\d+<${tmp}>\\) = 0`));
    const rename = at(new RegExp(`^rename(at2?)?\\(.*"${tmp}", .*"${state}"`));
    const fsyncFolder = at(new RegExp(`^fsync\\(\\d+<${folder}>\\) = 0`));
    expect(backup, calls.join("\n")).toBeGreaterThanOrEqual(0);
    expect(fsyncTmp, calls.join("\n")).toBeGreaterThan(backup);
    expect(rename, calls.join("\n")).toBeGreaterThan(fsyncTmp);
    expect(fsyncFolder, calls.join("\n")).toBeGreaterThan(rename);
    expect(targets(readFileSync(file, "utf8"))).toEqual(["first", "second"]);
  });

  it("keeps the previous version as .bak, and no temporary files", async () => {
    const file = stateFileIn(tempDir());
    await addAudit(file, "one");
    expect(existsSync(`${file}.bak`)).toBe(false);
    await addAudit(file, "two");
    await addAudit(file, "three");
    expect(targets(readFileSync(`${file}.bak`, "utf8"))).toEqual(["one", "two"]);
    expect(targets(readFileSync(file, "utf8"))).toEqual(["one", "two", "three"]);
    expect(readdirSync(join(file, "..")).sort()).toEqual([
      "state.json",
      "state.json.bak",
      "state.json.created",
    ]);
  });
});

describe("writes that cannot happen, and a symlinked file", () => {
  it.skipIf(process.getuid?.() !== 0)(
    "an immutable state file: STATE_UNWRITABLE with the cause, nothing changed",
    async () => {
      const file = stateFileIn(tempDir());
      await addAudit(file, "one");
      const before = readFileSync(file);
      await execa("chattr", ["+i", file]);
      try {
        await expectHmsError(
          () => addAudit(file, "two"),
          "STATE_UNWRITABLE",
          file,
          "not permitted",
          "unchanged",
        );
      } finally {
        await execa("chattr", ["-i", file]);
      }
      expect(readFileSync(file).equals(before)).toBe(true);
      expect(
        readdirSync(join(file, "..")).filter((name) => name.includes(".tmp") || /\.json\.\d+$/.test(name)),
      ).toEqual([]);
    },
  );

  it("a symlinked state file is written where it points, and its backup holds the old content", async () => {
    const dir = tempDir();
    const real = join(dir, "real", "state.json");
    await addAudit(real, "one");
    const file = join(dir, "state.json");
    symlinkSync(real, file);
    await addAudit(file, "two");
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(targets(readFileSync(real, "utf8"))).toEqual(["one", "two"]);
    expect(lstatSync(`${file}.bak`).isSymbolicLink()).toBe(false);
    expect(targets(readFileSync(`${file}.bak`, "utf8"))).toEqual(["one"]);
  });
});

describe("a truncated state file with a good backup", () => {
  async function truncated() {
    const file = stateFileIn(tempDir());
    await addAudit(file, "one");
    await addAudit(file, "two");
    const size = readFileSync(file).length;
    truncateSync(file, Math.floor(size / 2));
    return { file, damaged: readFileSync(file) };
  }

  it("stops reads and writes with an error naming the backup and the restore command", async () => {
    const { file, damaged } = await truncated();
    const store = createStore({ ...testStore, file });
    await expectHmsError(() => store.read(), "STATE_CORRUPT", file, `${file}.bak`, "doctor --restore-state");
    await expectHmsError(() => store.update(() => undefined), "STATE_CORRUPT", `${file}.bak`);
    expect(store.health()).toMatchObject({ ok: false, code: "STATE_CORRUPT" });
    expect(readFileSync(file).equals(damaged)).toBe(true);
  });

  it("is restored from the backup, the damaged file kept aside", async () => {
    const { file, damaged } = await truncated();
    const restored = await restoreStateBackup(file, { now, holder: testStore.holder });
    expect(restored).toMatchObject({ file, backup: `${file}.bak`, environments: 0 });
    expect(restored.keptAside).toBe(`${file}.corrupt-2026-03-04T05-06-07-000Z`);
    expect(readFileSync(restored.keptAside ?? "").equals(damaged)).toBe(true);
    expect(targets(readFileSync(file, "utf8"))).toEqual(["one"]);
    const store = createStore({ ...testStore, file });
    await store.update(() => undefined);
    expect(store.health()).toEqual({ ok: true });
  });

  it("a valid state file is never replaced by its backup", async () => {
    const file = stateFileIn(tempDir());
    await addAudit(file, "one");
    await addAudit(file, "two");
    const before = readFileSync(file);
    await expectHmsError(
      () => restoreStateBackup(file, { now, holder: testStore.holder }),
      "INVALID_INPUT",
      "would lose",
    );
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it("a damaged backup is refused and nothing moves", async () => {
    const { file, damaged } = await truncated();
    writeFileSync(`${file}.bak`, "{ nope");
    await expectHmsError(
      () => restoreStateBackup(file, { now, holder: testStore.holder }),
      "STATE_CORRUPT",
      "damaged too",
    );
    expect(readFileSync(file).equals(damaged)).toBe(true);
    expect(readdirSync(join(file, "..")).some((name) => name.includes("corrupt"))).toBe(false);
  });

  it("no backup at all says so", async () => {
    const file = stateFileIn(tempDir());
    await addAudit(file, "one");
    writeFileSync(file, "");
    await expectHmsError(
      () => createStore({ ...testStore, file }).read(),
      "STATE_CORRUPT",
      "there is no backup",
    );
    await expectHmsError(
      () => restoreStateBackup(file, { now, holder: testStore.holder }),
      "NOT_FOUND",
      `${file}.bak`,
    );
  });
});

describe("a vanished state file", () => {
  it("first use: a missing file reads as empty; the first write creates it and its marker", async () => {
    const file = stateFileIn(tempDir());
    const store = createStore({ ...testStore, file });
    expect((await store.read()).environments).toEqual([]);
    expect(existsSync(`${file}.created`)).toBe(false);
    await store.update(() => undefined);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(`${file}.created`, "utf8"))).toMatchObject({ pid: process.pid });
  });

  it("readers polling during the first write never see it as vanished", async () => {
    const dir = tempDir();
    const file = stateFileIn(dir);
    const reader = join(dir, "reader.mjs");
    // Reads until the file exists and a few reads after; prints every error code it met.
    writeFileSync(
      reader,
      `import { existsSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
const [storeUrl, file, ready] = process.argv.slice(2);
const { createStore } = await import(storeUrl);
const store = createStore({ holder: { pid: process.pid, host: hostname() }, now: () => new Date(), file });
const errors = [];
let after = 0;
writeFileSync(ready, "");
while (after < 50) {
  try { await store.read(); } catch (error) { errors.push(error.code); }
  if (existsSync(file)) after++;
}
process.stdout.write(JSON.stringify(errors));`,
    );
    const readers = [0, 1, 2].map((index) => {
      const ready = join(dir, `ready-${index}`);
      return { ready, child: execa(process.execPath, [reader, storeUrl, file, ready]) };
    });
    await vi.waitFor(() => expect(readers.every(({ ready }) => existsSync(ready))).toBe(true), {
      timeout: 10_000,
    });
    await addAudit(file, "first");
    for (const { child } of readers) expect(JSON.parse((await child).stdout)).toEqual([]);
  });

  it("once it existed, its disappearance is STATE_MISSING and no empty file is started", async () => {
    const file = stateFileIn(tempDir());
    await addAudit(file, "one");
    await addAudit(file, "two");
    rmSync(file);
    // A new process: only the marker beside the file remembers it.
    const store = createStore({ ...testStore, file });
    await expectHmsError(
      () => store.read(),
      "STATE_MISSING",
      file,
      `${file}.created`,
      "doctor --restore-state",
    );
    await expectHmsError(() => store.update(() => undefined), "STATE_MISSING");
    expect(existsSync(file)).toBe(false);
    expect(store.health()).toMatchObject({ ok: false, code: "STATE_MISSING" });
    // The backup brings it back (one write behind), and the store is healthy again.
    await restoreStateBackup(file, { now, holder: testStore.holder });
    expect(targets(readFileSync(file, "utf8"))).toEqual(["one"]);
    await store.read();
    expect(store.health()).toEqual({ ok: true });
  });

  it("a process that read it notices even when the whole folder went, and does not remake it", async () => {
    const dir = tempDir();
    const file = stateFileIn(dir);
    const store = createStore({ ...testStore, file });
    await store.update(() => undefined);
    rmSync(join(dir, "data"), { recursive: true });
    await expectHmsError(() => store.read(), "STATE_MISSING", "this process read it before", "folder");
    await expectHmsError(() => store.update(() => undefined), "STATE_MISSING");
    expect(existsSync(join(dir, "data"))).toBe(false);
  });

  it("a file from before markers gets one when it is read", async () => {
    const file = stateFileIn(tempDir());
    await addAudit(file, "one");
    rmSync(`${file}.created`);
    await createStore({ ...testStore, file }).read();
    expect(existsSync(`${file}.created`)).toBe(true);
  });

  it("removing the marker (and the backup) is how a person starts over on purpose", async () => {
    const file = stateFileIn(tempDir());
    await addAudit(file, "one");
    await addAudit(file, "two");
    for (const path of [file, `${file}.created`, `${file}.bak`]) rmSync(path);
    await addAudit(file, "fresh");
    expect(targets(readFileSync(file, "utf8"))).toEqual(["fresh"]);
  });
});
