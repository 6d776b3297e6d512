/**
 * The state file going wrong under a real CLI and a real `hms-env serve`: truncated with a good backup,
 * deleted while serve runs, its whole folder deleted. Nothing is reset; the error names the way back.
 */
import { cpSync, existsSync, readFileSync, rmSync, truncateSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { witnessFile } from "../../src/store/witness.js";
import { eventually, type ServeProcess, startServe } from "../helpers/serve.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
let env: EnvRecord;

beforeAll(async () => {
  // The reconciler is slow here: what serve notices, it notices by following the state file.
  ws = await createWorkspace('schedule:\n  reconcileInterval: "1h"');
  env = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
  // One more write, so the backup (one write behind) already holds the environment as ready.
  expect((await ws.cli(["extend", env.id, "1h"])).exitCode).toBe(0);
});
afterAll(() => ws.remove());

interface Health {
  ok: boolean;
  code?: string;
  error?: string;
  timers: number;
}

async function health(serve: ServeProcess): Promise<Health> {
  return (await (await fetch(`${serve.url}/healthz`)).json()) as Health;
}

describe("a truncated state file with a good backup", () => {
  it("every command stops naming the backup; doctor restores it and keeps the damaged file", async () => {
    const size = readFileSync(ws.stateFile).length;
    truncateSync(ws.stateFile, Math.floor(size / 3));
    const damaged = readFileSync(ws.stateFile);

    const list = await ws.cli(["list"]);
    expect(list.exitCode).toBe(1);
    expect(list.stderr).toContain(`${ws.stateFile}.bak`);
    expect(list.stderr).toContain("hms-env doctor --restore-state");

    const doctor = await ws.cli(["doctor"]);
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout).toMatch(/FAIL {2}state .*not valid JSON/);
    expect(doctor.stdout).toContain("fix: hms-env doctor --restore-state");

    const restore = await ws.cli(["doctor", "--restore-state"]);
    expect(restore.stderr).toContain(`restored ${ws.stateFile} from ${ws.stateFile}.bak (1 environments)`);
    const aside = /kept as (\S+)/.exec(restore.stderr)?.[1] as string;
    expect(readFileSync(aside).equals(damaged)).toBe(true);
    expect(restore.stdout).toMatch(/pass {2}state .*1 environments recorded/);

    const shown = JSON.parse((await ws.cli(["show", env.id, "--json"])).stdout) as EnvRecord;
    expect(shown.status).toBe("ready");
  });

  it("a second restore refuses to replace the now valid file", async () => {
    const before = readFileSync(ws.stateFile);
    const again = await ws.cli(["doctor", "--restore-state"]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("would lose what was written since");
    expect(readFileSync(ws.stateFile).equals(before)).toBe(true);
  });
});

describe("the state file deleted while serve runs", () => {
  let serve: ServeProcess;
  beforeAll(async () => {
    serve = await startServe(ws);
    await eventually(async () => (await health(serve)).timers === 1, "the environment's timer");
  });
  afterAll(() => serve.stop());

  it("healthz says why, the timers stay, nothing starts a new file, and the backup brings it back", async () => {
    rmSync(ws.stateFile);
    await eventually(async () => (await health(serve)).ok === false, "healthz to report the lost file");
    const response = await fetch(`${serve.url}/healthz`);
    expect(response.status).toBe(503);
    const reported = (await response.json()) as Health;
    expect(reported).toMatchObject({ ok: false, code: "STATE_MISSING", timers: 1 });
    expect(reported.error).toContain(`${ws.stateFile} has disappeared`);
    expect(serve.log()).toContain(`${ws.stateFile} has disappeared`);

    const list = await ws.cli(["list"]);
    expect(list.exitCode).toBe(1);
    expect(list.stdout).not.toContain("No environments");
    expect(list.stderr).toContain("has disappeared");
    const provision = await ws.cli(["provision", "--component", "hms-sme", "--branch", "main"]);
    expect(provision.exitCode).toBe(1);
    expect(provision.stderr).toContain("has disappeared");
    expect(existsSync(ws.stateFile)).toBe(false);
    expect((await health(serve)).timers).toBe(1);

    const restore = await ws.cli(["doctor", "--restore-state"]);
    expect(restore.stderr).toContain(`restored ${ws.stateFile}`);
    await eventually(async () => (await health(serve)).ok, "healthz to recover once the file is back");
    expect((await health(serve)).timers).toBe(1);
    expect((await ws.cli(["list"])).stdout).toContain(env.id);
  });
});

describe("the whole state folder deleted, while serve runs and between two commands", () => {
  let fresh: Workspace;
  let serve: ServeProcess;
  let kept: EnvRecord;
  const dataDir = () => dirname(fresh.stateFile);
  beforeAll(async () => {
    fresh = await createWorkspace('schedule:\n  reconcileInterval: "1h"');
    // First use on a clean machine: no state folder, no record of one anywhere; it just works.
    expect(existsSync(dataDir())).toBe(false);
    kept = await fresh.provision(["--component", "hms-dev", "--branch", "main"]);
    serve = await startServe(fresh);
    await eventually(async () => (await health(serve)).timers === 1, "the environment's timer");
  });
  afterAll(async () => {
    await serve.stop();
    fresh.remove();
  });

  it("is refused by every new process with what vanished and the ways on; restoring the folder brings it back", async () => {
    const saved = join(fresh.dir, "saved-data");
    cpSync(dataDir(), saved, { recursive: true });
    rmSync(dataDir(), { recursive: true });

    await eventually(async () => (await health(serve)).ok === false, "healthz to report the lost folder");
    expect(await health(serve)).toMatchObject({ ok: false, code: "STATE_MISSING", timers: 1 });

    // A new process never read the file: the env root's record is what tells it the file existed.
    const record = witnessFile(fresh.envRoot, fresh.stateFile);
    const list = await fresh.cli(["list"]);
    expect(list.exitCode).toBe(1);
    expect(list.stdout).not.toContain("No environments");
    expect(list.stderr).toContain(`${fresh.stateFile} has disappeared (its folder ${dataDir()} is gone too)`);
    expect(list.stderr).toContain(`${record} records that it was created`);
    expect(list.stderr).toContain(`restore the folder ${dataDir()} from your backups`);
    expect(list.stderr).toContain(`To start over on purpose, remove ${record}`);
    const provision = await fresh.cli(["provision", "--component", "hms-sme", "--branch", "main"]);
    expect(provision.exitCode).toBe(1);
    expect(provision.stderr).toContain("has disappeared");
    const doctor = await fresh.cli(["doctor"]);
    expect(doctor.stdout).toMatch(/FAIL {2}state .*has disappeared/);
    expect(existsSync(dataDir())).toBe(false);
    // The environment is no orphan: gc leaves its folder alone while its record is lost.
    const gc = await fresh.cli(["gc", "--orphans"]);
    expect(gc.exitCode).toBe(1);
    expect(existsSync(kept.path)).toBe(true);

    cpSync(saved, dataDir(), { recursive: true });
    await eventually(async () => (await health(serve)).ok, "healthz to recover once the folder is back");
    expect((await fresh.cli(["list"])).stdout).toContain(kept.id);
  });
});
