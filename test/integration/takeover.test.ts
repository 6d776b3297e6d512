import { existsSync } from "node:fs";
import { execa, type ResultPromise } from "execa";
import lockfile from "proper-lockfile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newClaim } from "../../src/envs/claims.js";
import type { Claim } from "../../src/store/schema.js";
import { testProcess } from "../helpers/host.js";
import { worktrees } from "../helpers/mirror.js";
import { eventually, startServe } from "../helpers/serve.js";
import { CLI, createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace('limits:\n  maxEnvsPerOwner: 20\nschedule:\n  reconcileInterval: "1h"');
});
afterAll(() => ws.remove());

/**
 * Holds the mirror's lock as another hms-env would: a teardown claims its environment, then waits here,
 * so a test can kill it at exactly that point.
 */
function holdMirror(mirror: string): Promise<() => Promise<void>> {
  return lockfile.lock(mirror, { realpath: false, stale: 10_000, update: 2000 });
}

function spawnCli(args: string[]): ResultPromise {
  return execa("node", [CLI, ...args], {
    cwd: ws.dir,
    env: { HMS_CONFIG: ws.configFile, USER: "tester" },
    reject: false,
    stdin: "ignore",
  });
}

/** Waits until `pid` holds the environment's cleanup claim. */
async function claimedBy(id: string, pid: number | undefined) {
  await eventually(async () => {
    const env = ws.stored(id);
    return env.status === "cleaning" && env.claim?.pid === pid;
  }, `the cleanup claim of pid ${pid}`);
}

const provision = (component: string) => ws.provision(["--component", component, "--branch", "main"]);

describe("a cleanup killed after its claim", () => {
  it("is finished by the next `hms-env cleanup`; a second cleanup meanwhile names the holder", async () => {
    const env = await provision("hms-dev");
    const release = await holdMirror(env.mirror);
    const first = spawnCli(["cleanup", env.id]);
    await claimedBy(env.id, first.pid);
    const meanwhile = await ws.cli(["cleanup", env.id]);
    expect(meanwhile.exitCode).toBe(2);
    expect(meanwhile.stderr).toContain(`is being cleaned up already by pid ${first.pid}`);
    first.kill("SIGKILL");
    await first;
    await release();
    expect(existsSync(env.path)).toBe(true);

    const again = await ws.cli(["cleanup", env.id]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(ws.stored(env.id)).toMatchObject({ status: "cleaned", cleanReason: "manual" });
    expect(existsSync(env.path)).toBe(false);
    expect(await worktrees(env.mirror)).not.toContain(env.workdir);
    // Twice is safe: a cleaned environment is cleaned.
    const twice = await ws.cli(["cleanup", env.id]);
    expect(twice.exitCode).toBe(0);
    expect(twice.stdout).toMatch(/^status: {5}cleaned \(manual\)$/m);
  });

  it("is finished by `hms-env gc`", async () => {
    const env = await provision("hms-sme");
    const release = await holdMirror(env.mirror);
    const first = spawnCli(["cleanup", env.id]);
    await claimedBy(env.id, first.pid);
    first.kill("SIGKILL");
    await first;
    await release();
    const gc = await ws.cli(["gc"]);
    expect(gc.exitCode, gc.stdout + gc.stderr).toBe(0);
    expect(gc.stdout).toContain(`interrupted or retried cleanup finished: ${env.id}`);
    expect(ws.stored(env.id)).toMatchObject({ status: "cleaned", cleanReason: "manual" });
    expect(existsSync(env.path)).toBe(false);
  });
});

describe("a claim whose pid was reused", () => {
  /** The environment's cleanup as claimed by the test runner's pid, with `changes` to that claim. */
  const claimAsTestRunner = (id: string, changes: Partial<Claim> = {}) =>
    ws.rewrite(id, (claimed) => {
      claimed.status = "cleaning";
      claimed.cleanReason = "manual";
      claimed.claim = { ...newClaim(testProcess(), new Date(), 3600_000, 1), ...changes };
    });

  it("(the pid runs again, as a process started later) is taken over by `hms-env cleanup` at once", async () => {
    const env = await provision("hms-dev");
    // Claimed by a process that is gone, its pid now the test runner's: alive by pid alone.
    await claimAsTestRunner(env.id, { startTicks: (testProcess().startTicks as number) - 1 });
    const taken = await ws.cli(["cleanup", env.id]);
    expect(taken.exitCode, taken.stderr).toBe(0);
    expect(ws.stored(env.id)).toMatchObject({ status: "cleaned", cleanReason: "manual" });
    expect(ws.stored(env.id).claim).toBeUndefined();
    expect(existsSync(env.path)).toBe(false);
  });

  it("(the very process that claimed it still runs) is left to it: `hms-env cleanup` names the holder", async () => {
    const env = await provision("hms-sme");
    await claimAsTestRunner(env.id);
    const refused = await ws.cli(["cleanup", env.id]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`is being cleaned up already by pid ${process.pid}`);
    expect(existsSync(env.path)).toBe(true);
    // Once the lease has run out, anyone may finish it.
    await claimAsTestRunner(env.id, { leaseUntil: new Date(Date.now() - 1000).toISOString() });
    expect((await ws.cli(["cleanup", env.id])).exitCode).toBe(0);
    expect(existsSync(env.path)).toBe(false);
  });
});

describe("serve stopped or killed in the middle of a teardown", () => {
  /** A serve whose expiry of a new environment has claimed it and now waits for the (held) mirror. */
  async function serveInTeardown(component: string) {
    const env = await provision(component);
    const release = await holdMirror(env.mirror);
    const serve = await startServe(ws);
    await ws.rewrite(env.id, (due) => {
      due.expiresAt = new Date(Date.now() + 500).toISOString();
    });
    await claimedBy(env.id, serve.process.pid);
    return { env, release, serve };
  }

  it("stops on the first SIGTERM although a teardown is waiting; gc finishes it", async () => {
    const { env, release, serve } = await serveInTeardown("hms-esr");
    // The teardown would wait minutes for the mirror: serve lets go of it and exits cleanly instead.
    expect(await serve.exitOn("SIGTERM"), serve.log()).toBe(0);
    expect(serve.log()).toContain(`"action":"stop","signal":"SIGTERM"`);
    expect(serve.log()).toContain(`"action":"stopped"`);
    await release();
    const gc = await ws.cli(["gc"]);
    expect(gc.stdout).toContain(`interrupted or retried cleanup finished: ${env.id}`);
    expect(ws.stored(env.id)).toMatchObject({ status: "cleaned", cleanReason: "expired" });
  });

  it("SIGKILL: the next serve finishes it at start", async () => {
    const { env, release, serve } = await serveInTeardown("hms-sys");
    serve.process.kill("SIGKILL");
    await serve.process;
    await release();
    expect(existsSync(env.path)).toBe(true);
    const restarted = await startServe(ws);
    try {
      await eventually(async () => ws.stored(env.id).status === "cleaned", "the restarted serve");
      expect(existsSync(env.path)).toBe(false);
      expect(ws.stored(env.id).claim).toBeUndefined();
    } finally {
      await restarted.stop();
    }
  });
});
