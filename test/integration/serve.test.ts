import { existsSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { eventually, type ServeProcess, startServe } from "../helpers/serve.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  // The reconciler is slow here, so what these tests see is the timers following the state file.
  ws = await createWorkspace('schedule:\n  reconcileInterval: "1h"\nlimits:\n  maxEnvsPerOwner: 20');
});
afterAll(async () => {
  await serve?.stop();
  ws.remove();
});

const provision = (component: string) => ws.provision(["--component", component, "--branch", "main"]);

async function show(id: string): Promise<EnvRecord> {
  return JSON.parse((await ws.cli(["show", id, "--json"])).stdout) as EnvRecord;
}

/** Moves a deadline as another process would: through the shared, locked state file. */
async function setDeadline(id: string, at: Date) {
  await ws.rewrite(id, (env) => {
    env.expiresAt = at.toISOString();
  });
}

async function health(): Promise<{ ok: boolean; timers: number; nextDeadline: string | null }> {
  const response = await fetch(`${serve?.url}/healthz`);
  expect(response.status).toBe(200);
  return (await response.json()) as { ok: boolean; timers: number; nextDeadline: string | null };
}

describe("hms-env serve", () => {
  let expiredWhileStopped: EnvRecord;

  beforeAll(async () => {
    expiredWhileStopped = await provision("hms-sme");
    await setDeadline(expiredWhileStopped.id, new Date(Date.now() - 60_000));
    serve = await startServe(ws);
  });

  it("cleans at start what expired while nothing ran", async () => {
    await eventually(
      async () => (await show(expiredWhileStopped.id)).status === "cleaned",
      "startup cleanup",
    );
    expect((await show(expiredWhileStopped.id)).cleanReason).toBe("expired");
    expect(existsSync(expiredWhileStopped.path)).toBe(false);
  });

  it("answers /healthz with its timers, and 404 elsewhere", async () => {
    const env = await provision("hms-dev");
    await eventually(async () => (await health()).timers >= 1, "a timer for the new environment");
    expect((await health()).ok).toBe(true);
    expect((await fetch(`${serve?.url}/nowhere`)).status).toBe(404);
    await ws.cli(["cleanup", env.id]);
  });

  it("follows a deadline moved by another process and cleans at the new deadline", async () => {
    const env = await provision("hms-esr");
    await setDeadline(env.id, new Date(Date.now() + 1500));
    await eventually(async () => (await show(env.id)).status === "cleaned", "cleanup at the moved deadline");
    expect((await show(env.id)).cleanReason).toBe("expired");
    expect(existsSync(env.path)).toBe(false);
  });

  it("moves its timer when the CLI extends, and keeps the environment past the old deadline", async () => {
    const env = await provision("hms-sys");
    // Long enough for the extend below to come first on a loaded machine; waited out in full after it.
    const oldDeadline = new Date(Date.now() + 8000);
    await setDeadline(env.id, oldDeadline);
    await eventually(
      async () => (await health()).nextDeadline === (await show(env.id)).expiresAt,
      "the short timer",
    );
    const extended = await ws.cli(["extend", env.id, "1h", "--json"]);
    expect(extended.exitCode, extended.stderr).toBe(0);
    const newDeadline = (JSON.parse(extended.stdout) as EnvRecord).expiresAt;
    await eventually(
      async () => (await health()).nextDeadline === newDeadline,
      "the timer at the new deadline",
    );
    await new Promise((resolve) => setTimeout(resolve, oldDeadline.getTime() - Date.now() + 500));
    const after = await show(env.id);
    expect(after.status).toBe("ready");
    expect(existsSync(env.path)).toBe(true);
    await ws.cli(["cleanup", env.id]);
  });

  it("drops the timer of an environment cleaned up from the CLI", async () => {
    const ready = async () => (JSON.parse((await ws.cli(["list", "--json"])).stdout) as EnvRecord[]).length;
    const env = await provision("hms-dev");
    const withIt = await ready();
    await eventually(async () => (await health()).timers === withIt, "a timer for every ready environment");
    await ws.cli(["cleanup", env.id]);
    expect(await ready()).toBe(withIt - 1);
    await eventually(
      async () => (await health()).timers === withIt - 1,
      "the cleaned environment's timer to go",
    );
  });

  it("reconciles an environment whose folder was deleted by hand", async () => {
    const quick = await createWorkspace('schedule:\n  reconcileInterval: "1s"');
    const quickServe = await startServe(quick);
    try {
      const result = await quick.cli(["provision", "--component", "hms-sme", "--branch", "main", "--json"]);
      const env = JSON.parse(result.stdout) as EnvRecord;
      rmSync(env.path, { recursive: true, force: true });
      const status = async () =>
        JSON.parse((await quick.cli(["show", env.id, "--json"])).stdout) as EnvRecord;
      await eventually(async () => (await status()).status === "cleaned", "the reconciler");
      expect((await status()).cleanReason).toBe("missing");
    } finally {
      await quickServe.stop();
      quick.remove();
    }
  });
});
