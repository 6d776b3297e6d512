/**
 * One `serve` per state file, with real serve processes: a second is refused at start-up naming the
 * first, a first killed with kill -9 is taken over at once, and a first paused past the lock's stale
 * time finds it taken over when it resumes and stops.
 */
import { cpSync, existsSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVE_LOCK } from "../../src/serve-lock.js";
import { eventually, type ServeProcess, startServe } from "../helpers/serve.js";
import { CLI, createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace();
});
afterAll(() => ws.remove());

const healthy = async (serve: ServeProcess) => (await fetch(`${serve.url}/healthz`)).status === 200;

describe("one serve per state file", () => {
  it("refuses a second serve on the same state file with exit 1, naming the first, which goes on", async () => {
    const first = await startServe(ws);
    try {
      const second = await ws.cli(["serve", "--port", "0"]);
      expect(second.exitCode).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(
          `another hms-env serve already runs on the state file ${ws.stateFile}: pid ${first.process.pid} on this host \\(${hostname()}\\) since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(lock ${ws.stateFile}\\.serve\\.lock\\)\\. .*stop it first \\(kill -TERM ${first.process.pid}\\), or give this one a configuration with another stateFile`,
        ),
      );
      expect(second.stderr).not.toContain("listening on");
      expect(await healthy(first)).toBe(true);
    } finally {
      await first.stop();
    }
    // Stopped cleanly, it left the lock: the next one starts.
    const next = await startServe(ws);
    await next.stop();
  });

  it("lets exactly one of two started together run", async () => {
    const start = () =>
      execa("node", [CLI, "serve", "--port", "0"], {
        cwd: ws.dir,
        env: { HMS_CONFIG: ws.configFile },
        reject: false,
        stdin: "ignore",
        buffer: false,
      });
    const both = [start(), start()];
    const output = ["", ""];
    for (const [index, child] of both.entries()) {
      child.stderr?.on("data", (chunk: Buffer) => {
        output[index] += chunk.toString();
      });
    }
    const refused = await Promise.race(both.map((child, index) => child.then(() => index)));
    const running = both[1 - refused];
    expect((await both[refused])?.exitCode).toBe(1);
    expect(output[refused]).toContain("another hms-env serve already runs on the state file");
    await eventually(() => (output[1 - refused] ?? "").includes("listening on"), "the other to listen");
    running?.kill("SIGTERM");
    expect((await running)?.exitCode).toBe(0);
  });

  it("takes over at once from a serve killed with kill -9", async () => {
    const first = await startServe(ws);
    first.process.kill("SIGKILL");
    await first.process;
    const second = await startServe(ws);
    try {
      expect(second.log()).toContain(
        `took over the lock on the single-serve file ${ws.stateFile}.serve from process ${first.process.pid} on this host`,
      );
      expect(await healthy(second)).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it("keeps serving when its state folder vanishes, and takes its lock again once the folder is back", async () => {
    await ws.provision(["--component", "hms-dev", "--branch", "main"]);
    const serve = await startServe(ws);
    const data = dirname(ws.stateFile);
    const saved = join(ws.dir, "saved-data");
    try {
      cpSync(data, saved, { recursive: true });
      rmSync(data, { recursive: true });
      await eventually(() => serve.log().includes("single-serve lock of"), "the lost lock to be noticed");
      expect(serve.log()).toContain("vanished (with the state folder?): serve goes on");
      expect(existsSync(data)).toBe(false);
      const health = await fetch(`${serve.url}/healthz`);
      expect(((await health.json()) as { ok: boolean }).ok).toBe(false);
      // Restored with a copy of serve's own lock in it: that copy is serve's, taken again.
      cpSync(saved, data, { recursive: true });
      await eventually(
        () => serve.log().includes("took the single-serve lock of"),
        "the lock to be taken again",
      );
      const second = await ws.cli(["serve", "--port", "0"]);
      expect(second.exitCode).toBe(1);
      expect(second.stderr).toContain(`pid ${serve.process.pid} on this host`);
    } finally {
      await serve.stop();
    }
  });

  it("a serve paused past the lock's stale time finds it taken over when it resumes, and stops with exit 1", async () => {
    const first = await startServe(ws);
    first.process.kill("SIGSTOP");
    let second: ServeProcess | undefined;
    try {
      // A paused process still runs, so it is not taken over as a dead one: its lock goes stale.
      expect((await ws.cli(["serve", "--port", "0"])).exitCode).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, SERVE_LOCK.holdMs + 1000));
      second = await startServe(ws);
      first.process.kill("SIGCONT");
      const ended = await first.process;
      expect(ended.exitCode).toBe(1);
      expect(first.log()).toContain("another serve took over the state file");
      expect(await healthy(second)).toBe(true);
    } finally {
      first.process.kill("SIGCONT");
      await second?.stop();
    }
  });
});
