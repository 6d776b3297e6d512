/**
 * The whole state folder removed (`rm -rf data/`): the marker and the backup beside the file go with it,
 * so the records the env root and the mirror cache keep are what tell a new process that the file
 * existed. Each new store here is what a new process builds: it has never read the file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createStore } from "../../src/store/store.js";
import { WITNESS_DIR, witnessFile } from "../../src/store/witness.js";
import { expectHmsError, testStore, useTempDir } from "./support.js";

const tempDir = useTempDir("state-witness");
const now = () => new Date("2026-03-04T05:06:07Z");

/** A configuration's folders: the state file's own, the env root and the mirror cache. */
function layout() {
  const dir = tempDir();
  const paths = {
    data: join(dir, "data"),
    file: join(dir, "data", "state.json"),
    envRoot: join(dir, "envs"),
    cache: join(dir, "cache"),
  };
  const store = () =>
    createStore({ ...testStore, file: paths.file, now, witnesses: [paths.envRoot, paths.cache] });
  return { ...paths, store };
}

const addAudit = (store: ReturnType<typeof createStore>, target: string) =>
  store.audit({ actor: "test", action: "test", target });

describe("first use on a clean machine", () => {
  it("no folder and no record anywhere: the file is made, then recorded in each root that exists", async () => {
    const at = layout();
    mkdirSync(at.envRoot);
    expect((await at.store().read()).environments).toEqual([]);
    await addAudit(at.store(), "first");
    expect(existsSync(at.file)).toBe(true);
    const record = JSON.parse(readFileSync(witnessFile(at.envRoot, at.file), "utf8"));
    expect(record).toEqual({ stateFile: at.file, createdAt: now().toISOString() });
    // The cache did not exist yet: nothing was made for it; it is recorded once it exists.
    expect(existsSync(at.cache)).toBe(false);
    mkdirSync(at.cache);
    await at.store().read();
    expect(existsSync(witnessFile(at.cache, at.file))).toBe(true);
  });

  it("roots serving two state files keep one record each", async () => {
    const at = layout();
    mkdirSync(at.envRoot);
    await addAudit(at.store(), "one");
    const other = join(at.data, "other.json");
    await createStore({ ...testStore, file: other, now, witnesses: [at.envRoot] }).audit({
      actor: "t",
      action: "t",
      target: "t",
    });
    expect(readdirSync(join(at.envRoot, WITNESS_DIR))).toHaveLength(2);
  });
});

describe("the whole state folder removed between two commands", () => {
  it("a new process refuses to start an empty file, says what vanished and both ways on", async () => {
    const at = layout();
    mkdirSync(at.envRoot);
    mkdirSync(at.cache);
    await addAudit(at.store(), "one");
    await addAudit(at.store(), "two");
    rmSync(at.data, { recursive: true });

    const recordPath = witnessFile(at.envRoot, at.file);
    const error = await expectHmsError(
      () => at.store().read(),
      "STATE_MISSING",
      `state file ${at.file} has disappeared (its folder ${at.data} is gone too)`,
      `${recordPath} records that it was created on ${now().toISOString()}`,
      `restore the folder ${at.data} from your backups`,
      "hms-env doctor --restore-state",
      `To start over on purpose, remove ${recordPath} and ${witnessFile(at.cache, at.file)}`,
    );
    expect(error.exitCode).toBe(1);
    const writer = at.store();
    await expectHmsError(() => writer.update(() => undefined), "STATE_MISSING", at.file);
    expect(writer.health()).toMatchObject({ ok: false, code: "STATE_MISSING" });
    // Nothing was made: not the folder, not an empty file.
    expect(existsSync(at.data)).toBe(false);
  });

  it("one record left (the mirror cache) is enough", async () => {
    const at = layout();
    mkdirSync(at.envRoot);
    mkdirSync(at.cache);
    await addAudit(at.store(), "one");
    rmSync(at.data, { recursive: true });
    rmSync(at.envRoot, { recursive: true });
    await expectHmsError(
      () => at.store().update(() => undefined),
      "STATE_MISSING",
      witnessFile(at.cache, at.file),
    );
    expect(existsSync(at.data)).toBe(false);
  });

  it("the folder restored from a backup is read as it was", async () => {
    const at = layout();
    mkdirSync(at.envRoot);
    await addAudit(at.store(), "one");
    const saved = readFileSync(at.file);
    rmSync(at.data, { recursive: true });
    await expectHmsError(() => at.store().read(), "STATE_MISSING");
    mkdirSync(at.data);
    writeFileSync(at.file, saved);
    expect((await at.store().read()).audit.map((entry) => entry.target)).toEqual(["one"]);
  });

  it("removing the records it names is how a person starts over on purpose", async () => {
    const at = layout();
    mkdirSync(at.envRoot);
    mkdirSync(at.cache);
    await addAudit(at.store(), "one");
    rmSync(at.data, { recursive: true });
    for (const root of [at.envRoot, at.cache]) rmSync(witnessFile(root, at.file));
    await addAudit(at.store(), "fresh");
    expect(
      JSON.parse(readFileSync(at.file, "utf8")).audit.map((entry: { target: string }) => entry.target),
    ).toEqual(["fresh"]);
    // The new file is recorded again.
    expect(existsSync(witnessFile(at.envRoot, at.file))).toBe(true);
  });
});
