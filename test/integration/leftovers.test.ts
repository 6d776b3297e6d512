import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, statfsSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mirrorPathFor } from "../../src/envs/git.js";
import type { MirrorLeftovers } from "../../src/envs/leftovers.js";
import type { MirrorPass } from "../../src/envs/mirror-maintenance.js";
import type { ReconcileReport } from "../../src/envs/reconcile.js";
import { readOwner } from "../../src/store/file-lock.js";
import { gitWrapper, REAL_GIT, withWrapper } from "../helpers/git-wrapper.js";
import { eventually } from "../helpers/serve.js";
import { CLI, createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace("limits:\n  maxEnvsPerOwner: 20");
});
afterAll(() => ws.remove());

const anHourAgo = () => new Date(Date.now() - 3600_000);
const git = (cwd: string, args: string[]) => execa("git", args, { cwd });
const envRefs = async (mirror: string) =>
  (await git(mirror, ["for-each-ref", "--format=%(refname)", "refs/hms-env/"])).stdout
    .split("\n")
    .filter(Boolean);
/** What `gc --json` prints. */
type GcReport = ReconcileReport & { leftovers: MirrorPass<MirrorLeftovers> };
const gcIn = async (workspace: Workspace, args: string[] = []) => {
  const result = await workspace.cli(["gc", "--json", ...args]);
  return { exitCode: result.exitCode, stderr: result.stderr, report: JSON.parse(result.stdout) as GcReport };
};
const gcReport = (args: string[] = []) => gcIn(ws, args);
const prunedRefs = (report: GcReport) => report.leftovers.done.flatMap((mirror) => mirror.prunedRefs);
const removedFiles = (report: GcReport) => report.leftovers.done.flatMap((mirror) => mirror.removedFiles);

describe("gc --orphans", () => {
  it("removes only folders that carry hms-env's mark, and one it cannot remove stops none of the others", async () => {
    const [lost, stuck, kept] = [
      await ws.provision(["--component", "hms-dev", "--branch", "main"]),
      await ws.provision(["--component", "hms-sme", "--branch", "main"]),
      await ws.provision(["--component", "hms-esr", "--branch", "main"]),
    ];
    // Their records lost (as with a state file restored from an old backup): hms-env's own folders, orphaned.
    await ws.context().store.update((state) => {
      state.environments = state.environments.filter((env) => env.id !== lost.id && env.id !== stuck.id);
    });
    const immutable = join(stuck.path, "data", "root_cause.json");
    execFileSync("chattr", ["+i", immutable]);
    // Named like an environment, but made by a person: no mark, or a mark naming another folder.
    const byHand = join(ws.envRoot, "20200101_000000_hms-dev_notes");
    mkdirSync(byHand);
    writeFileSync(join(byHand, "notes.txt"), "mine");
    const copied = join(ws.envRoot, "20200101_000001_hms-dev_copy");
    execFileSync("cp", ["-a", kept.path, copied]);
    for (const path of [lost.path, stuck.path, byHand, copied]) utimesSync(path, anHourAgo(), anHourAgo());
    try {
      const { exitCode, report } = await gcReport(["--orphans"]);
      expect(exitCode).toBe(1);
      expect(report.removedOrphans).toEqual([lost.path]);
      expect(report.failures).toEqual([
        { id: stuck.path, error: expect.stringContaining("could not remove the orphan folder") },
      ]);
      expect(existsSync(lost.path)).toBe(false);
      expect(existsSync(join(byHand, "notes.txt"))).toBe(true);
      expect(existsSync(copied)).toBe(true);
      expect(report.unmarked.sort()).toEqual([byHand, copied].sort());
      expect(existsSync(kept.path)).toBe(true);
    } finally {
      execFileSync("chattr", ["-i", immutable]);
    }
    // Freed, it goes on the next pass (once it is old again: the failed attempt emptied part of it).
    utimesSync(stuck.path, anHourAgo(), anHourAgo());
    expect((await gcReport(["--orphans"])).report.removedOrphans).toEqual([stuck.path]);
    await ws.cli(["cleanup", kept.id]);
  });
});

describe("refs and partial objects in the mirror", () => {
  it("a provisioning killed (kill -9) during its fetch leaks refs/hms-env/<id>: one gc takes the mirror lock over at once and prunes it", async () => {
    const live = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
    // The real fetch writes the ref, then its provisioning is killed while git still runs under the
    // mirror lock, before it can write its record.
    const killAfterFetch = gitWrapper(join(ws.dir, "kill-after-fetch"), { after: "kill -9 $PPID" });
    const before = await envRefs(live.mirror);
    const killed = await ws.cli(["provision", "--component", "hms-sme", "--branch", "main"], {
      env: { PATH: withWrapper(killAfterFetch) },
    });
    expect(killed.exitCode).not.toBe(0);
    const leaked = (await envRefs(live.mirror)).filter((ref) => !before.includes(ref));
    expect(leaked).toHaveLength(1);
    const leakedRef = leaked[0] as string;
    expect(
      JSON.parse((await ws.cli(["list", "--all", "--json"])).stdout).map((e: { id: string }) => e.id),
    ).not.toContain(leakedRef.slice("refs/hms-env/".length));
    // The dead provisioning's lock is still there, fresh: not stale for another 15 s.
    const owner = readOwner(`${live.mirror}.lock`);
    expect(owner?.pid).toBeGreaterThan(0);

    // The ref is fresh, but the process that fetched it is gone: no record will ever name it.
    const { report, stderr } = await gcReport();
    expect(stderr).toContain(
      `hms-env: took over the lock on the mirror ${live.mirror} from process ${owner?.pid} on this host`,
    );
    expect(stderr).toContain(`process ${owner?.pid} is gone`);
    expect(prunedRefs(report)).toEqual([leakedRef]);
    expect(await envRefs(live.mirror)).toContain(`refs/hms-env/${live.id}`);
    expect(await envRefs(live.mirror)).not.toContain(leakedRef);
    await ws.cli(["cleanup", live.id]);
  });

  it("a fresh ref without a record is kept while the process that fetched it runs, pruned once it is old", async () => {
    const live = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
    // Paused right after its fetch (once the mirror lock is released): between its fetch and its record.
    const paused = join(ws.dir, "paused");
    const pauseAfterFetch = join(ws.dir, "pause-after-fetch");
    mkdirSync(pauseAfterFetch, { recursive: true });
    writeFileSync(
      join(pauseAfterFetch, "git"),
      `#!/usr/bin/env bash\nif [ "$1 $2" = "rev-parse --verify" ]; then touch '${paused}'; kill -STOP $PPID; fi\nexec ${REAL_GIT} "$@"\n`,
      { mode: 0o755 },
    );
    const before = await envRefs(live.mirror);
    const provisioning = execa("node", [CLI, "provision", "--component", "hms-sme", "--branch", "main"], {
      cwd: ws.dir,
      env: { HMS_CONFIG: "", USER: "tester", PATH: withWrapper(pauseAfterFetch) },
      reject: false,
      stdin: "ignore",
    });
    try {
      await eventually(() => existsSync(paused), "the provisioning to pause after its fetch", 60_000);
      const fresh = (await envRefs(live.mirror)).filter((ref) => !before.includes(ref));
      expect(fresh).toHaveLength(1);
      expect(prunedRefs((await gcReport()).report)).toEqual([]);
      expect(await envRefs(live.mirror)).toContain(fresh[0]);

      // Old, it is pruned whoever fetched it (a process on another host, or an older version's ref).
      utimesSync(join(live.mirror, fresh[0] as string), anHourAgo(), anHourAgo());
      utimesSync(join(live.mirror, "refs", "hms-env", live.id), anHourAgo(), anHourAgo());
      expect(prunedRefs((await gcReport()).report)).toEqual([fresh[0]]);
      expect(await envRefs(live.mirror)).toContain(`refs/hms-env/${live.id}`);
    } finally {
      provisioning.kill("SIGKILL");
      await provisioning;
    }
    await ws.cli(["cleanup", live.id]);
  });

  it("a ref that git fails to delete fails the cleanup instead of leaking, and the cleanup works once it can", async () => {
    const env = await ws.provision(["--component", "hms-sys", "--branch", "main"]);
    const lock = join(env.mirror, "refs", "hms-env", `${env.id}.lock`);
    writeFileSync(lock, "");
    const blocked = await ws.cli(["cleanup", env.id]);
    expect(blocked.exitCode).toBe(1);
    expect(blocked.stderr).toContain(`cannot delete refs/hms-env/${env.id}`);
    expect(await envRefs(env.mirror)).toContain(`refs/hms-env/${env.id}`);
    rmSync(lock);
    const done = await ws.cli(["cleanup", env.id]);
    expect(done.exitCode, done.stderr).toBe(0);
    expect(await envRefs(env.mirror)).not.toContain(`refs/hms-env/${env.id}`);
  });
});

describe("the mirror lock", () => {
  it("a provisioning killed (kill -9) while it holds the lock is taken over at once by the next one", async () => {
    const mirror = mirrorPathFor(ws.repo.path, ws.context().config.cacheDir);
    const fetching = join(ws.dir, "fetching");
    const hang = gitWrapper(join(ws.dir, "hang-in-fetch"), { before: `touch '${fetching}'; sleep 600` });
    const env = { HMS_CONFIG: "", USER: "tester" };
    const holder = execa("node", [CLI, "provision", "--component", "hms-dev", "--branch", "main"], {
      cwd: ws.dir,
      env: { ...env, PATH: withWrapper(hang) },
      detached: true,
      reject: false,
      stdin: "ignore",
    });
    await eventually(() => existsSync(fetching), "the fetch to start, under the mirror lock", 60_000);
    expect(existsSync(`${mirror}.lock`)).toBe(true);
    process.kill(-(holder.pid as number), "SIGKILL");
    await holder;
    // The dead holder's lock is still there; the next provisioning must take it over, not wait it out.
    expect(existsSync(`${mirror}.lock`)).toBe(true);
    const next = await execa(
      "node",
      [CLI, "provision", "--component", "hms-dev", "--branch", "main", "--json"],
      {
        cwd: ws.dir,
        env,
        reject: false,
        stdin: "ignore",
        timeout: 60_000,
      },
    );
    expect(next.timedOut).toBe(false);
    expect(next.exitCode, next.stderr).toBe(0);
    // Taken over because its holder is gone, not waited out until it went stale.
    expect(next.stderr).toContain(
      `hms-env: took over the lock on the mirror ${mirror} from process ${holder.pid} on this host`,
    );
    expect(next.stderr).toContain(`process ${holder.pid} is gone`);
    await ws.cli(["cleanup", JSON.parse(next.stdout).id]);
  });
});

describe("a full disk during the fetch", () => {
  let disk: Workspace;
  let cache: string;
  let mounted = false;
  beforeAll(async () => {
    disk = await createWorkspace("cacheDir: ./cache");
    // A branch too big for the mirror's 2 MiB disk: 150 files of random (incompressible) bytes.
    const repo = disk.repo.path;
    await git(repo, ["checkout", "--quiet", "-b", "big"]);
    mkdirSync(join(repo, "blobs"));
    for (let i = 0; i < 150; i++) writeFileSync(join(repo, "blobs", `${i}.bin`), randomBytes(20_000));
    await git(repo, ["add", "blobs"]);
    await execa(
      "git",
      ["-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "--quiet", "-m", "big"],
      {
        cwd: repo,
      },
    );
    await git(repo, ["checkout", "--quiet", "main"]);
    cache = join(disk.dir, "cache");
    mkdirSync(cache);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", cache], { stdio: "ignore" });
      mounted = true;
    } catch {
      mounted = false; // not permitted here (not root): the test says so and is skipped
    }
  });
  afterAll(() => {
    if (mounted) execFileSync("umount", [cache]);
    disk.remove();
  });

  const tmpFiles = (mirror: string) =>
    readdirSync(join(mirror, "objects"), { recursive: true, encoding: "utf8" }).filter((name) =>
      /(^|\/)tmp_/.test(name),
    );
  const freeBytes = () => {
    const stats = statfsSync(cache);
    return stats.bavail * stats.bsize;
  };

  it("leaves partial objects that gc reclaims, and the mirror works again", async (test) => {
    if (!mounted) test.skip("mounting a tmpfs is not permitted here");
    const failed = await disk.cli(["provision", "--component", "hms-dev", "--branch", "big"]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain("No space left on device");
    const mirror = mirrorPathFor(disk.repo.path, cache);
    const partial = tmpFiles(mirror);
    expect(partial.length).toBeGreaterThan(0);

    // Fresh ones may be a fetch still writing: left alone.
    expect(removedFiles((await gcIn(disk)).report)).toEqual([]);
    for (const name of partial) utimesSync(join(mirror, "objects", name), anHourAgo(), anHourAgo());
    const before = freeBytes();
    const { exitCode, stderr, report } = await gcIn(disk);
    expect(exitCode, stderr).toBe(0);
    expect(removedFiles(report).sort()).toEqual(partial.map((name) => join("objects", name)).sort());
    expect(tmpFiles(mirror)).toEqual([]);
    expect(freeBytes()).toBeGreaterThan(before);
    const env = await disk.provision(["--component", "hms-dev", "--branch", "main"]);
    expect(env.status).toBe("ready");
  });
});
