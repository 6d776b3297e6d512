import * as fs from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { writeMetadata } from "../../src/envs/metadata.js";
import { scanOrphans } from "../../src/envs/orphans.js";
import { testApp } from "../helpers/host.js";
import { envRecord, useTempDir } from "./support.js";

const recordAt = (path: string, id: string) => envRecord(id, { path });
/** The env root and a state file beside it, as a configuration names them. */
const place = (envRoot: string, stateFile = join(envRoot, "..", "state.json")) => ({ envRoot, stateFile });

// The stat calls are wrapped so a test can remove a folder at the exact moment it is looked at, as a
// cleanup in another process would.
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return { ...real, statSync: vi.fn(real.statSync), lstatSync: vi.fn(real.lstatSync) };
});

const tempDir = useTempDir("orphans");
const anHourAgo = () => new Date(Date.now() - 3600_000);

/** An env-named folder under `root`, an hour old, marked as hms-env's (naming itself) unless told otherwise. */
function folder(root: string, name: string, mark: "self" | "other" | "none" = "self"): string {
  const path = join(root, name);
  fs.mkdirSync(path, { recursive: true });
  if (mark !== "none")
    writeMetadata(
      recordAt(mark === "self" ? path : join(root, "elsewhere"), `env-${name.slice(-4)}`),
      place(root),
    );
  if (mark === "other") fs.renameSync(join(root, "elsewhere", ".hms-env"), join(path, ".hms-env"));
  fs.utimesSync(path, anHourAgo(), anHourAgo());
  return path;
}

describe("scanOrphans", () => {
  it("counts only old, unowned folders that carry hms-env's mark naming themselves", () => {
    const root = tempDir();
    const orphan = folder(root, "20260101_000000_hms-dev_aaaa");
    const owned = folder(root, "20260101_000000_hms-dev_bbbb");
    const byHand = folder(root, "20260101_000000_hms-dev_cccc", "none");
    const copied = folder(root, "20260101_000000_hms-dev_dddd", "other");
    const young = join(root, "20260101_000000_hms-dev_eeee");
    fs.mkdirSync(young);
    writeMetadata(recordAt(young, "env-eeee"), place(root));
    const linked = folder(root, "20260101_000000_hms-dev_ffff", "none");
    fs.symlinkSync(join(orphan, ".hms-env"), join(linked, ".hms-env"));
    fs.utimesSync(linked, anHourAgo(), anHourAgo());
    const scan = scanOrphans(place(root), [recordAt(owned, "env-bbbb")], new Date());
    expect(scan.orphans).toEqual([orphan]);
    expect(scan.unmarked.sort()).toEqual([byHand, copied, linked].sort());
  });

  it("leaves alone folders marked for another state file, or by an older hms-env that named none", () => {
    const root = tempDir();
    const ours = folder(root, "20260101_000000_hms-dev_aaaa");
    const theirs = join(root, "20260101_000000_hms-dev_bbbb");
    fs.mkdirSync(theirs);
    writeMetadata(recordAt(theirs, "env-bbbb"), place(root, join(root, "..", "other-state.json")));
    const legacy = join(root, "20260101_000000_hms-dev_cccc");
    fs.mkdirSync(join(legacy, ".hms-env"), { recursive: true });
    fs.writeFileSync(
      join(legacy, ".hms-env", "env.json"),
      JSON.stringify({ id: "env-cccc", path: legacy, envRoot: root }),
    );
    for (const path of [theirs, legacy]) fs.utimesSync(path, anHourAgo(), anHourAgo());
    // The same state file reached through a link is the same file.
    fs.symlinkSync(join(root, ".."), join(root, "up"));
    const scan = scanOrphans(place(root, join(root, "up", "state.json")), [], new Date());
    expect(scan.orphans).toEqual([ours]);
    expect(scan.foreign.sort()).toEqual([theirs, legacy].sort());
    expect(scan.unmarked).toEqual([]);
  });

  it("a folder removed by a concurrent cleanup between the listing and its stat does not abort reconcile", async () => {
    const dir = tempDir();
    fs.writeFileSync(join(dir, "hms.config.yaml"), "envRoot: ./envs\nstateFile: ./state.json\n");
    const app = testApp(loadConfig({ cwd: dir }));
    const vanishing = folder(join(dir, "envs"), "20260101_000000_hms-dev_gone");
    const stays = folder(join(dir, "envs"), "20260101_000000_hms-dev_stay");
    const removeFirst =
      <T extends (...args: never[]) => unknown>(real: T) =>
      (...args: Parameters<T>) => {
        if (args[0] === vanishing) fs.rmSync(vanishing, { recursive: true, force: true });
        return real(...args);
      };
    const realStat = vi.mocked(fs.statSync).getMockImplementation() as typeof fs.statSync;
    const realLstat = vi.mocked(fs.lstatSync).getMockImplementation() as typeof fs.lstatSync;
    vi.mocked(fs.statSync).mockImplementation(removeFirst(realStat) as typeof fs.statSync);
    vi.mocked(fs.lstatSync).mockImplementation(removeFirst(realLstat) as typeof fs.lstatSync);
    try {
      const report = await app.environments.reconcile({ removeOrphans: true });
      expect(report.removedOrphans).toEqual([stays]);
      expect(report.failures).toEqual([]);
    } finally {
      vi.mocked(fs.statSync).mockImplementation(realStat);
      vi.mocked(fs.lstatSync).mockImplementation(realLstat);
    }
  });
});
