/**
 * The state lock under real faults, each with real processes: a read-only folder, a folder another user
 * owns, a lock held by another process, and a holder paused (SIGSTOP) past the stale time.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/store.js";
import { builtStoreModule } from "../helpers/built-store.js";
import {
  auditActors,
  HOLDER,
  pausedPastTakeover,
  script,
  seedState,
  UPDATER,
  waitForLine,
} from "../helpers/lock-children.js";
import { expectHmsError, testStore, useTempDir } from "./support.js";

const tempDir = useTempDir("store-locks");
const isRoot = process.getuid?.() === 0;

let storeUrl: string;
let lockUrl: string;
beforeAll(() => {
  storeUrl = builtStoreModule("store");
  lockUrl = builtStoreModule("file-lock");
});

/** The lock folder attempts (mkdir of `<file>.lock`) a traced process made. */
function lockAttempts(trace: string, file: string): number {
  return trace.split("\n").filter((line) => line.includes(`mkdir("${file}.lock"`)).length;
}

describe("a state folder that cannot be written fails at once, with its cause", () => {
  it.skipIf(!isRoot)(
    "read-only file system: one lock attempt, STATE_UNWRITABLE, file untouched",
    async () => {
      const dir = tempDir();
      const file = join(dir, "data", "state.json");
      await seedState(file);
      const before = readFileSync(file);
      const updater = script(dir, "updater.mjs", UPDATER);
      const trace = join(dir, "trace.txt");
      // A private mount namespace makes the folder a read-only bind mount for this one process tree.
      const data = join(dir, "data");
      const result = await execa(
        "unshare",
        [
          "-m",
          "sh",
          "-c",
          `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec strace -f -qq -e trace=mkdir,mkdirat -o "$2" "$3" "$4" "$5" "$6" w 15000 0`,
          "sh",
          data,
          trace,
          process.execPath,
          updater,
          storeUrl,
          file,
        ],
        { reject: false },
      );
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(/^failed STATE_UNWRITABLE: .*read-only file system/m);
      expect(result.stdout).toContain(`${dir}/data`);
      expect(result.stdout).not.toContain("locked");
      expect(lockAttempts(readFileSync(trace, "utf8"), file)).toBe(1);
      expect(readFileSync(file).equals(before)).toBe(true);
    },
  );

  it.skipIf(!isRoot)("a folder this user may not write: permission denied, named", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const file = join(dir, "data", "state.json");
    await seedState(file);
    chmodSync(join(dir, "data"), 0o555);
    const before = readFileSync(file);
    const updater = script(dir, "updater.mjs", UPDATER);
    // nobody: an ordinary user, for whom the folder's permissions hold (root passes them all).
    const result = await execa(process.execPath, [updater, storeUrl, file, "w", "15000", "0"], {
      uid: 65534,
      gid: 65534,
      reject: false,
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(
      new RegExp(`^failed STATE_UNWRITABLE: .*permission denied.*${dir}/data`, "m"),
    );
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe("a lock held by another process", () => {
  it("names the holder's pid and host when the wait runs out", async () => {
    const dir = tempDir();
    const file = join(dir, "data", "state.json");
    mkdirSync(join(dir, "data"));
    const stopFile = join(dir, "stop");
    const holder = execa(process.execPath, [script(dir, "holder.mjs", HOLDER), lockUrl, file, stopFile]);
    await waitForLine(holder, "holding");
    const store = createStore({ ...testStore, file, lock: { holdMs: 15_000, waitMs: 300 } });
    await expectHmsError(
      () => store.update(() => undefined),
      "STATE_LOCKED",
      file,
      `process ${holder.pid} on this host`,
    );
    writeFileSync(stopFile, "");
    await holder;
    expect(existsSync(`${file}.lock`)).toBe(false);
    await store.update(() => undefined);
  });
});

describe("a holder paused past the stale time (SIGSTOP, Ctrl-Z)", () => {
  // The stale time is shortened to proper-lockfile's minimum so the test waits seconds, not 15 s.
  const HOLD_MS = "2000";

  it("loses the lock to the next process and writes nothing; the newer holder's write stands", async () => {
    const dir = tempDir();
    const file = join(dir, "data", "state.json");
    await seedState(file);
    const updater = script(dir, "updater.mjs", UPDATER);
    // The next process waits, finds the lock stale, takes it over, and is inside its change when the
    // paused one resumes and reaches its write.
    const { resumed, next } = await pausedPastTakeover(
      () => execa(process.execPath, [updater, storeUrl, file, "paused", HOLD_MS, "1000"]),
      () => execa(process.execPath, [updater, storeUrl, file, "next", HOLD_MS, "1500"]),
      "inside",
    );
    expect(resumed.stdout).toMatch(
      new RegExp(`failed STATE_LOCK_LOST: .*lost before writing \\(it is now held by process ${next.pid}`),
    );
    // Releasing its lost lock must leave the new holder's lock alone: the new holder still writes.
    expect((await next).stdout).toContain("wrote");
    expect(auditActors(file)).toEqual(["seed", "next"]);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("refuses its write even when no one has taken the lock yet", async () => {
    const dir = tempDir();
    const file = join(dir, "data", "state.json");
    await seedState(file);
    const before = readFileSync(file);
    const paused = execa(process.execPath, [
      script(dir, "updater.mjs", UPDATER),
      storeUrl,
      file,
      "paused",
      HOLD_MS,
      "500",
    ]);
    await waitForLine(paused, "inside");
    paused.kill("SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, Number(HOLD_MS) + 500));
    paused.kill("SIGCONT");
    const resumed = await paused;
    expect(resumed.stderr).toBe("");
    expect(resumed.stdout).toMatch(/failed STATE_LOCK_LOST: .*this process was paused/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
