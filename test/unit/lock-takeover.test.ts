/**
 * A lock whose holder is gone is taken over at once, with real processes: a holder killed with kill -9,
 * a pid reused by a later process, several waiters racing for the dead holder's lock. A live holder (one
 * on another host, one whose pid still runs as the process that took the lock) is still waited for.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LockLog, setLockLog } from "../../src/store/file-lock.js";
import { type LockOwner, processIsAlive, startTicksOf } from "../../src/store/lock-holder.js";
import { createStore } from "../../src/store/store.js";
import { builtStoreModule } from "../helpers/built-store.js";
import { gitWrapper, withWrapper } from "../helpers/git-wrapper.js";
import {
  auditActors,
  childHolder,
  HOLDER,
  pausedPastTakeover,
  script,
  seedState,
  UPDATER,
  waitForLine,
} from "../helpers/lock-children.js";
import { expectHmsError, testStore, useTempDir } from "./support.js";

const tempDir = useTempDir("lock-takeover");

/**
 * Far shorter than the 15 s stale time: a waiter that gets in within it took the lock over because its
 * holder is gone, not because the lock went stale.
 */
const WAIT_MS = 3000;
const HOLD_MS = 15_000;

let storeUrl: string;
let lockUrl: string;
beforeAll(() => {
  storeUrl = builtStoreModule("store");
  lockUrl = builtStoreModule("file-lock");
});

const warnings: string[] = [];
const capture: LockLog = { warn: (_fields, message) => void warnings.push(message) };
afterEach(() => {
  warnings.length = 0;
});

/** A lock folder as another hms-env process leaves it: made now, its owner file naming `holder`. */
function forgeLock(file: string, holder: Partial<LockOwner>): void {
  mkdirSync(dirname(file), { recursive: true });
  mkdirSync(`${file}.lock`);
  const owner = { ...testStore.holder, since: new Date().toISOString(), token: "forged", ...holder };
  writeFileSync(join(`${file}.lock`, "owner.json"), JSON.stringify(owner));
}

const quickStore = (file: string) =>
  createStore({ ...testStore, file, lock: { holdMs: HOLD_MS, waitMs: WAIT_MS } });

/** A state file whose lock is still there after its holder was killed with kill -9 while holding it. */
async function lockOfKilledHolder() {
  const dir = tempDir();
  const file = join(dir, "data", "state.json");
  await seedState(file);
  const holder = execa(process.execPath, [script(dir, "holder.mjs", HOLDER), lockUrl, file, join(dir, "x")], {
    reject: false,
  });
  await waitForLine(holder, "holding");
  holder.kill("SIGKILL");
  await holder;
  return { dir, file, holderPid: holder.pid as number };
}

describe("a holder killed with kill -9", () => {
  it("is taken over by the next process at once, with a log line naming it", async () => {
    const { file, holderPid } = await lockOfKilledHolder();
    expect(readdirSync(dirname(file))).toContain("state.json.lock");

    setLockLog(capture);
    await quickStore(file).update((state) => {
      state.audit.push({ at: new Date().toISOString(), actor: "next", action: "test", target: "next" });
    });
    expect(auditActors(file)).toEqual(["seed", "next"]);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^took over the lock on the state file ${file} from process ${holderPid} on this host .*: process ${holderPid} is gone$`,
        ),
      ),
    ]);
    // Nothing is left behind: neither the lock nor the dead holder's moved-aside folder.
    expect(readdirSync(dirname(file)).filter((name) => name.includes(".lock"))).toEqual([]);
  });

  it("with several waiters racing for it, each gets the lock in turn and no update is lost", async () => {
    const { dir, file } = await lockOfKilledHolder();
    const updater = script(dir, "updater.mjs", UPDATER);
    const names = ["a", "b", "c", "d"];
    const results = await Promise.all(
      names.map((name) =>
        execa(process.execPath, [updater, storeUrl, file, name, String(HOLD_MS), "50", String(WAIT_MS * 3)]),
      ),
    );
    for (const result of results) {
      expect(result.stdout).toContain("wrote");
      // Only one of them took the dead holder's lock over; each reported at most that.
      expect(result.stderr).not.toContain("Error");
    }
    expect(results.filter((result) => result.stderr.includes("took over the lock")).length).toBe(1);
    expect(auditActors(file).sort()).toEqual(["a", "b", "c", "d", "seed"]);
  });
});

describe("a pid that runs again", () => {
  it("held by a later process than the one that locked: the lock is taken over", async () => {
    const dir = tempDir();
    const file = join(dir, "data", "state.json");
    await seedState(file);
    const other = execa("sleep", ["60"], { reject: false });
    try {
      const started = startTicksOf(other.pid as number) as number;
      // The lock names that pid, but a process that started earlier: the pid was reused since.
      forgeLock(file, { pid: other.pid, startTicks: started - 100 });
      setLockLog(capture);
      await quickStore(file).update(() => undefined);
      expect(warnings).toEqual([
        expect.stringContaining(
          `process ${other.pid} is gone (that pid now belongs to a process started later)`,
        ),
      ]);
    } finally {
      other.kill();
      await other;
    }
  });

  it("held by the very process that locked (alive, or paused with SIGSTOP): it is waited for", async () => {
    const dir = tempDir();
    const file = join(dir, "data", "state.json");
    await seedState(file);
    const before = readFileSync(file);
    const other = execa("sleep", ["60"], { reject: false });
    try {
      forgeLock(file, { pid: other.pid, startTicks: startTicksOf(other.pid as number) });
      other.kill("SIGSTOP");
      await expectHmsError(
        () => quickStore(file).update(() => undefined),
        "STATE_LOCKED",
        `process ${other.pid} on this host`,
      );
      expect(readFileSync(file).equals(before)).toBe(true);
    } finally {
      other.kill("SIGKILL");
      await other;
    }
  });
});

describe("a holder this process cannot judge is left to the stale time", () => {
  it("another host: a pid that does not run here proves nothing", async () => {
    const dir = tempDir();
    const file = join(dir, "data", "state.json");
    await seedState(file);
    forgeLock(file, { pid: 2 ** 22 + 1, host: "build-host-2" });
    await expectHmsError(
      () => quickStore(file).update(() => undefined),
      "STATE_LOCKED",
      "process 4194305 on host build-host-2",
    );
  });

  it("another pid namespace (a container sharing the folder): its pids are not this one's", async () => {
    const dir = tempDir();
    const file = join(dir, "data", "state.json");
    await seedState(file);
    forgeLock(file, { pid: 2 ** 22 + 1, pidNamespace: "pid:[1]" });
    await expectHmsError(() => quickStore(file).update(() => undefined), "STATE_LOCKED", "process 4194305");
  });

  it("a lock from before this machine restarted is taken over, whatever runs under its pid now", async () => {
    const dir = tempDir();
    const file = join(dir, "data", "state.json");
    await seedState(file);
    forgeLock(file, { pid: process.pid, bootId: "00000000-0000-0000-0000-000000000000" });
    setLockLog(capture);
    await quickStore(file).update(() => undefined);
    expect(warnings).toEqual([expect.stringContaining("it was taken before this machine restarted")]);
  });
});

/**
 * Takes the mirror lock of `mirror` (its stale time shortened to proper-lockfile's minimum) and runs a
 * `git fetch` under it (the PATH's wrapper makes it last), from this process (`here`) or from the helper
 * process `serve` runs git in (`helper`); prints `holding`, then `done EXIT` or `failed CODE: message`.
 */
const MIRROR_WORKER = `
const [lockUrl, gitUrl, mirror, runIn] = process.argv.slice(2);
${childHolder("lockUrl")}
const { withFileLock } = await import(lockUrl);
const { git, MIRROR_LOCK } = await import(gitUrl);
const { createExecHelper, execHere } = await import(new URL("./exec.js", gitUrl).href);
const helper = runIn === "helper" ? createExecHelper() : undefined;
try {
  const result = await withFileLock(mirror, { ...MIRROR_LOCK, holdMs: 2000, holder }, async () => {
    process.stdout.write("holding\\n");
    const run = await git(["fetch"], process.cwd(), helper?.exec ?? execHere);
    if (run.exitCode !== 0) throw new Error("git stopped: " + (run.signal ?? run.exitCode));
    return run.exitCode;
  });
  process.stdout.write("done " + result + "\\n");
} catch (error) {
  process.stdout.write("failed " + error.code + ": " + error.message + "\\n");
} finally {
  helper?.close();
}
`;

describe("a mirror lock lost while held (its holder paused past the stale time)", () => {
  it.each(["here", "helper"])(
    "stops the git command in progress (run %s) and fails with MIRROR_LOCK_LOST, never an uncaught exception",
    async (runIn) => {
      const dir = tempDir();
      const mirror = join(dir, "cache", "repo.git");
      mkdirSync(mirror, { recursive: true });
      const gitUrl = builtStoreModule("git");
      const worker = script(dir, "worker.mjs", MIRROR_WORKER);
      const sleeps = join(dir, "sleeps");
      // Its fetch becomes the wrapper's sleep (exec: the very process git's caller stops), which notes
      // its pid first, so the test can tell it was stopped rather than left running.
      const slowFetch = (seconds: number) => ({
        cwd: dir,
        reject: false,
        env: {
          PATH: withWrapper(
            gitWrapper(join(dir, `git-${seconds}`), {
              before: `echo $$ >> ${sleeps}; exec sleep ${seconds}`,
            }),
          ),
        },
      });
      // Past the stale time, the next holder takes the lock over (its holder runs, so not at once).
      const { resumed, next } = await pausedPastTakeover(
        () => execa(process.execPath, [worker, lockUrl, gitUrl, mirror, runIn], slowFetch(60)),
        () => execa(process.execPath, [worker, lockUrl, gitUrl, mirror, runIn], slowFetch(1)),
        "holding",
        2500,
      );
      expect(resumed.stdout).toMatch(
        new RegExp(
          `failed MIRROR_LOCK_LOST: the lock on the mirror ${mirror} was lost while this process worked on it`,
        ),
      );
      const finished = await next;
      expect(finished.stdout).toContain("done 0");
      expect(finished.stderr).toBe("");
      // The paused holder's 60 s fetch was stopped, not left to run on beside the new holder.
      const [pausedFetch] = readFileSync(sleeps, "utf8").trim().split("\n").map(Number);
      expect(processIsAlive(pausedFetch as number)).toBe(false);
    },
  );
});
