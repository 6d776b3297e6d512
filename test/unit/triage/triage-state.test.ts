import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { addRootCauseEntry, loadRootCauseDb } from "../../../src/bugs/root-cause-file.js";
import {
  assignManually,
  closeBug,
  readTriageState,
  recordTriage,
  rerollAssignee,
} from "../../../src/bugs/triage-state.js";
import { isHmsError } from "../../../src/errors.js";
import { createStore } from "../../../src/store/store.js";
import { createRootCauseIndex } from "../../../src/triage/root-cause/index.js";
import { testStore, useTempDir } from "../support.js";
import { createEngine, NOW, report, SHIPPED_DB, TEAMS } from "./support.js";

const tempDir = useTempDir("triage");

function workspace() {
  const dir = tempDir();
  const file = join(dir, "state.json");
  return { dir, file, store: () => createStore({ ...testStore, file }) };
}

const smeReport = (n: number) => ({ text: `${report("sme-zeitwerk")}\nseen on run ${n}` });

describe("bugs, rotation and load in the store", () => {
  it("records each decision and keeps the rotation across restarts", async () => {
    const { file, store } = workspace();
    const engine = createEngine();
    const first = await recordTriage(store(), engine, smeReport(1), NOW);
    expect(first.bug).toMatchObject({
      id: "BUG-1",
      status: "open",
      team: "sme-team",
      assignee: "U01BO",
      assignedBy: "rotation",
      components: ["hms-sme"],
      needsTriage: false,
    });
    expect(first.decision.assignment.explanation).toBe(
      "next in sme-team rotation; skipped @ana (away until 2026-12-01)",
    );
    // A new store and a new engine: what a restarted process has.
    const second = await recordTriage(store(), createEngine(), smeReport(2), NOW);
    expect(second.bug.assignee).toBe("U01CY");
    const state = JSON.parse(readFileSync(file, "utf8"));
    expect(state.rotation["sme-team"]).toEqual({ lastAssigned: "U01CY", updatedAt: NOW.toISOString() });
    expect(state.bugs.map((bug: { id: string }) => bug.id)).toEqual(["BUG-1", "BUG-2"]);
  });

  it("counts open load from the records: capacity holds, closing frees it", async () => {
    const { store } = workspace();
    const engine = createEngine();
    const assignees: (string | null)[] = [];
    for (let n = 0; n < 5; n++)
      assignees.push((await recordTriage(store(), engine, smeReport(n), NOW)).bug.assignee);
    // Cy takes two at most; then only Bo is left (Ana is away).
    expect(assignees).toEqual(["U01BO", "U01CY", "U01BO", "U01CY", "U01BO"]);
    const { rotation } = readTriageState(await store().read(), "state.json");
    expect(rotation.openLoad).toEqual({ U01BO: 3, U01CY: 2 });
    const blocked = await recordTriage(store(), engine, smeReport(6), NOW);
    expect(blocked.decision.assignment.explanation).toBe(
      "next in sme-team rotation; skipped @cy (at capacity 2/2), @ana (away until 2026-12-01)",
    );
    await closeBug(store(), "BUG-2", NOW);
    expect((await recordTriage(store(), engine, smeReport(7), NOW)).bug.assignee).toBe("U01CY");
  });

  it("never gives the same turn to two reports recorded at once", async () => {
    const { store } = workspace();
    const [a, b] = await Promise.all([
      recordTriage(store(), createEngine(), smeReport(1), NOW),
      recordTriage(store(), createEngine(), smeReport(2), NOW),
    ]);
    expect(new Set([a.bug.id, b.bug.id])).toEqual(new Set(["BUG-1", "BUG-2"]));
    expect(new Set([a.bug.assignee, b.bug.assignee])).toEqual(new Set(["U01BO", "U01CY"]));
  });

  it("re-rolls to someone else, and never overrides a manual assignment", async () => {
    const { store } = workspace();
    await recordTriage(store(), createEngine(), smeReport(1), NOW);
    // Each re-roll moves the bug away from whoever has it (Ana is away, so Bo and Cy take turns).
    const assignees: (string | null)[] = [];
    for (let roll = 0; roll < 3; roll++)
      assignees.push((await rerollAssignee(store(), TEAMS, "BUG-1", NOW)).bug.assignee);
    expect(assignees).toEqual(["U01CY", "U01BO", "U01CY"]);
    const { rotation } = readTriageState(await store().read(), "state.json");
    expect(rotation).toEqual({ lastAssigned: { "sme-team": "U01CY" }, openLoad: { U01CY: 1 } });
    await assignManually(store(), "BUG-1", "U01ANA", NOW);
    const kept = await rerollAssignee(store(), TEAMS, "BUG-1", NOW);
    expect(kept.bug).toMatchObject({ assignee: "U01ANA", assignedBy: "manual" });
    expect(kept.assignment.explanation).toBe("assigned by hand to @ana; the rotation does not override it");
  });

  it("makes a recorded bug a duplicate candidate at once, and a closed one not", async () => {
    const { store } = workspace();
    const engine = createEngine();
    await recordTriage(store(), engine, { text: report("sys-protoc") }, NOW);
    const again = engine.decide({ text: report("sys-protoc") }, { lastAssigned: {}, openLoad: {} }, NOW);
    expect(again.duplicates[0]?.id).toBe("BUG-1");
    await closeBug(store(), "BUG-1", NOW, engine);
    expect(
      engine.decide({ text: report("sys-protoc") }, { lastAssigned: {}, openLoad: {} }, NOW).duplicates,
    ).toEqual([]);
  });

  it("stops at a bug record it cannot read, naming it, and leaves the file alone", async () => {
    const { file, store } = workspace();
    const text = `${JSON.stringify({ version: 1, bugs: [{ id: "BUG-1", status: "lost" }] })}\n`;
    writeFileSync(file, text);
    await expect(recordTriage(store(), createEngine(), smeReport(1), NOW)).rejects.toThrow(
      /state file .*state\.json: bugs\[0\] \(BUG-1\): .*status/,
    );
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("rejects an unknown bug", async () => {
    const { store } = workspace();
    await expect(closeBug(store(), "BUG-404", NOW)).rejects.toSatisfy((error) =>
      isHmsError(error, "NOT_FOUND"),
    );
  });
});

describe("adding to the root-cause database file", () => {
  const newEntry = {
    id: "RC-SME-900",
    component: "hms-sme",
    title: "Ward import stalls on the advisory lock",
    signatures: ["could not obtain ward import lock"],
    symptoms: ["the nightly ward import never finishes"],
    rootCause: "A previous import crashed and its session still holds the advisory lock.",
    fix: "Terminate the stale session (pg_terminate_backend) and rerun the import.",
    references: ["https://www.postgresql.org/docs/current/explicit-locking.html"],
  };
  const copy = () => {
    const dir = tempDir();
    const file = join(dir, "root_cause.json");
    copyFileSync(SHIPPED_DB, file);
    return { dir, file };
  };

  it("validates, writes the file durably, and the live index finds it without a rebuild", async () => {
    const { dir, file } = copy();
    const original = readFileSync(file);
    const before = JSON.parse(original.toString("utf8"));
    const index = createRootCauseIndex(loadRootCauseDb(file).entries);
    await addRootCauseEntry(file, newEntry, { holder: testStore.holder, index });
    const after = JSON.parse(readFileSync(file, "utf8"));
    expect(after.entries.slice(0, -1)).toEqual(before.entries);
    expect(after.entries.at(-1)).toMatchObject({ id: "RC-SME-900", occurrences: 0, lastSeen: null });
    expect(loadRootCauseDb(file).entries).toHaveLength(before.entries.length + 1);
    expect(index.rank("ERROR: could not obtain ward import lock")[0]?.id).toBe("RC-SME-900");
    // The previous version is kept as it was; no temporary file is left.
    expect(readdirSync(dir).sort()).toEqual(["root_cause.json", "root_cause.json.bak"]);
    expect(readFileSync(`${file}.bak`).equals(original)).toBe(true);
  });

  it("changes nothing when the entry is invalid or its id is taken", async () => {
    const { file } = copy();
    const original = readFileSync(file, "utf8");
    await expect(
      addRootCauseEntry(file, { ...newEntry, signatures: [{ regex: "(" }] }, { holder: testStore.holder }),
    ).rejects.toThrow(/root-cause entry RC-SME-900: signatures\.0\.regex: not a valid regular expression/);
    await expect(
      addRootCauseEntry(file, { ...newEntry, id: "RC-SME-001" }, { holder: testStore.holder }),
    ).rejects.toThrow(/root-cause entry RC-SME-001 already exists in .*root_cause\.json/);
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("keeps both of two additions made at once", async () => {
    const { file } = copy();
    await Promise.all([
      addRootCauseEntry(file, newEntry, { holder: testStore.holder }),
      addRootCauseEntry(
        file,
        { ...newEntry, id: "RC-SME-901", signatures: ["ward export lock"] },
        { holder: testStore.holder },
      ),
    ]);
    const ids = loadRootCauseDb(file).entries.map((item) => item.id);
    expect(ids).toContain("RC-SME-900");
    expect(ids).toContain("RC-SME-901");
  });
});
