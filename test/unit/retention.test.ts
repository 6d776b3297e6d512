import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfigText } from "../../src/config/load.js";
import { firstDelivery } from "../../src/store/deliveries.js";
import { DEFAULT_RETENTION, pruneState } from "../../src/store/retention.js";
import { type EnvRecord, emptyState, type StateData } from "../../src/store/schema.js";
import { createStore } from "../../src/store/store.js";
import { envRecord, expectHmsError, testStore, useTempDir } from "./support.js";

const tempDir = useTempDir("retention");
const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date("2026-06-01T12:00:00Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

/** An old record with no folder unless the test gives it one. */
const record = (id: string, changes: Partial<EnvRecord>) =>
  envRecord(id, { path: "", createdAt: daysAgo(100), expiresAt: daysAgo(99), ...changes });

function stateWith(environments: EnvRecord[], deliveries: StateData["deliveries"] = []): StateData {
  return { ...emptyState(), environments, deliveries };
}

const ids = (state: StateData) => state.environments.map((env) => env.id);

describe("pruning records", () => {
  it("drops cleaned and failed records past retention.records, keeps everything else", () => {
    const dir = tempDir();
    const leftFolder = join(dir, "left-behind");
    mkdirSync(leftFolder);
    const state = stateWith([
      record("old-cleaned", { status: "cleaned", cleanedAt: daysAgo(31) }),
      record("recent-cleaned", { status: "cleaned", cleanedAt: daysAgo(29) }),
      // Created long ago but cleaned recently: its age counts from the cleanup.
      record("long-lived", { status: "cleaned", createdAt: daysAgo(90), cleanedAt: daysAgo(1) }),
      record("old-failed-no-folder", { status: "failed", createdAt: daysAgo(40) }),
      record("old-failed-folder-gone", { status: "failed", path: join(dir, "gone"), createdAt: daysAgo(40) }),
      // Its teardown failed too: the folder is still there, so the record that explains it stays.
      record("old-failed-folder-left", { status: "failed", path: leftFolder, createdAt: daysAgo(40) }),
      record("old-ready", { status: "ready" }),
      record("old-cleaning", { status: "cleaning" }),
      record("old-provisioning", { status: "provisioning" }),
    ]);
    expect(pruneState(state, NOW, DEFAULT_RETENTION)).toEqual({ records: 3, deliveries: 0 });
    expect(ids(state)).toEqual([
      "recent-cleaned",
      "long-lived",
      "old-failed-folder-left",
      "old-ready",
      "old-cleaning",
      "old-provisioning",
    ]);
  });

  it("drops delivery ids after 24 h, and keeps an entry whose time cannot be read", () => {
    const state = stateWith(
      [],
      [
        { source: "slack", id: "Ev-old", at: new Date(NOW.getTime() - DAY - 1).toISOString() },
        { source: "github", id: "gh-recent", at: new Date(NOW.getTime() - DAY + 60_000).toISOString() },
        { source: "github", id: "no-time" },
      ],
    );
    expect(pruneState(state, NOW, DEFAULT_RETENTION)).toEqual({ records: 0, deliveries: 1 });
    expect(state.deliveries.map((entry) => entry.id)).toEqual(["gh-recent", "no-time"]);
  });
});

describe("the store prunes on every write", () => {
  it("with its configured retention and clock", async () => {
    const file = join(tempDir(), "state.json");
    let now = NOW;
    const store = createStore({
      ...testStore,
      file,
      now: () => now,
      retention: { recordsMs: 7 * DAY, deliveriesMs: DAY },
    });
    await store.update((state) => {
      state.environments.push(
        record("week-old", { status: "cleaned", cleanedAt: daysAgo(8) }),
        record("day-old", { status: "cleaned", cleanedAt: daysAgo(1) }),
      );
    });
    expect(await firstDelivery(store, "slack", "Ev1", now)).toBe(true);
    expect(await firstDelivery(store, "slack", "Ev1", now)).toBe(false);
    let saved = JSON.parse(readFileSync(file, "utf8")) as StateData;
    expect(ids(saved)).toEqual(["day-old"]);
    expect(saved.deliveries).toHaveLength(1);
    // A day and a minute later the event id is forgotten: a new event with that id counts again.
    now = new Date(NOW.getTime() + DAY + 60_000);
    expect(await firstDelivery(store, "slack", "Ev2", now)).toBe(true);
    saved = JSON.parse(readFileSync(file, "utf8")) as StateData;
    expect(saved.deliveries.map((entry) => entry.id)).toEqual(["Ev2"]);
  });
});

describe("retention.records in the config", () => {
  it("defaults to 30 days", () => {
    expect(loadConfig({ cwd: tempDir() }).retention.recordsMs).toBe(30 * DAY);
  });

  it("takes a duration", () => {
    expect(parseConfigText("retention:\n  records: 2w\n", "hms.config.yaml").retention.records).toBe("2w");
  });

  it.each([
    ["not a duration", "retention:\n  records: forever\n", "retention.records"],
    ["an unknown key", "retention:\n  audit: 1d\n", "retention"],
  ])("refuses %s", async (_, text, where) => {
    await expectHmsError(() => parseConfigText(text, "hms.config.yaml"), "CONFIG_INVALID", where);
  });
});
