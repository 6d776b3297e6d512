import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { type RunningServer, startServer } from "../../src/main.js";
import type { EnvRecord } from "../../src/store/schema.js";
import { type ManualClock, manualClock } from "../helpers/manual-clock.js";
import { worktrees } from "../helpers/mirror.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

// Retries after 10 s, 20 s, 40 s ... (capped at 1 h); a person is asked for after the 4th failed attempt.
const CONFIG = `cleanup:
  retryDelay: 10s
  maxRetryDelay: 1h
  maxAttempts: 4
schedule:
  reconcileInterval: 1h
limits:
  maxEnvsPerOwner: 20`;

let ws: Workspace;
const immutable: string[] = [];
beforeAll(async () => {
  ws = await createWorkspace(CONFIG);
});
afterAll(async () => {
  for (const file of immutable) await execa("chattr", ["-i", file], { reject: false });
  ws.remove();
});

/** serve's own logger, writing into an array: what an operator would read, one JSON object a line. */
function recordingLog(clock: ManualClock) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ write: (line) => lines.push(JSON.parse(line)), now: () => clock.now() });
  return { log, lines };
}

/** Fake time goes on in 5 s steps; after each, whatever fell due is done before time moves again. */
async function letTimePass(clock: ManualClock, server: RunningServer, ms: number) {
  for (let passed = 0; passed < ms; passed += 5000) {
    clock.advance(5000);
    await server.idle();
  }
}

describe("an environment that cannot be removed (an immutable file in its checkout)", () => {
  it("is retried with backoff, says why, never holds up the others, and goes once freed", async () => {
    const provisioned = [];
    for (const component of ["hms-sme", "hms-dev", "hms-sys"]) {
      provisioned.push(await ws.provision(["--component", component, "--branch", "main"]));
    }
    const [stuck, other, third] = provisioned as [EnvRecord, EnvRecord, EnvRecord];
    const locked = join(stuck.workdir, "README.md");
    await execa("chattr", ["+i", locked]);
    immutable.push(locked);

    const clock = manualClock(new Date());
    const { log, lines } = recordingLog(clock);
    const app = ws.app(clock, log);
    const context = app.envs;
    const attention: string[] = [];
    app.onNeedsAttention((env) => attention.push(env.id));
    // All three expire one minute from (fake) now.
    await context.store.update((state) => {
      for (const env of state.environments)
        env.expiresAt = new Date(clock.now().getTime() + 60_000).toISOString();
    });
    const server = await startServer({ app, port: 0, host: "127.0.0.1" });
    try {
      // Ten minutes of fake time after the deadline: attempts at +0, +10, +30, +70, +150 and +310 s.
      await letTimePass(clock, server, 60_000 + 600_000);
      for (const env of [other, third]) {
        expect(ws.stored(env.id)).toMatchObject({ status: "cleaned", cleanReason: "expired" });
        expect(existsSync(env.path)).toBe(false);
      }
      const waiting = ws.stored(stuck.id);
      expect(waiting).toMatchObject({ status: "cleaning", attempts: 6, cleanReason: "expired" });
      expect(waiting.lastError).toContain(
        `cannot remove ${locked}: operation not permitted; an immutable file? try chattr -i ${locked}`,
      );
      expect(waiting.claim).toBeUndefined();
      expect(Date.parse(waiting.nextAttemptAt as string) - clock.now().getTime()).toBeGreaterThan(0);
      const audit = (await context.store.read()).audit.filter(
        (entry) => entry.action === "cleanup-failed" && entry.target === stuck.id,
      );
      expect(audit).toHaveLength(6);
      // Flagged for a person once, at the 4th attempt, however many follow.
      const flagged = lines.filter((line) => line.action === "needs-attention");
      expect(flagged).toHaveLength(1);
      expect(flagged[0]).toMatchObject({ level: "error", envId: stuck.id, attempt: 4 });
      expect(lines.filter((line) => line.action === "cleanup" && line.envId === stuck.id)).toHaveLength(6);
      expect(waiting.needsAttentionAt).toBeDefined();
      // ... and told once to whoever listens (the Slack side tells the owner and the admins).
      expect(attention).toEqual([stuck.id]);

      // A person sees why it is still there and when the next try is.
      const show = await ws.cli(["show", stuck.id]);
      expect(show.stdout).toMatch(/^status: {5}cleaning \(expired\)$/m);
      expect(show.stdout).toMatch(/^attempts: {3}6 failed cleanup attempts$/m);
      expect(show.stdout).toContain(`why still:  ${waiting.lastError}`);
      expect(show.stdout).toContain(`next try:   ${waiting.nextAttemptAt}`);
      expect(show.stdout).toMatch(/^attention: {2}since /m);
      const list = await ws.cli(["list"]);
      expect(list.stdout).toMatch(
        new RegExp(`${stuck.id}\\s+cleaning\\s+hms-sme.*retry .*\\(needs a person\\): `),
      );

      // Freed: the next attempt removes it, and nothing is tried again.
      await execa("chattr", ["-i", locked]);
      await letTimePass(clock, server, 330_000);
      const cleaned = ws.stored(stuck.id);
      expect(cleaned).toMatchObject({ status: "cleaned", attempts: 6 });
      expect(cleaned.lastError).toBeUndefined();
      expect(existsSync(stuck.path)).toBe(false);
      expect(await worktrees(stuck.mirror)).not.toContain(stuck.workdir);
      expect(server.timers.pending().has(stuck.id)).toBe(false);
    } finally {
      await server.close();
      app.close();
    }
  });

  it("is refused when moved outside the env root; `gc` tries it again only when its next attempt is due", async () => {
    const env = await ws.provision(["--component", "hms-esr", "--branch", "main"]);
    const outside = join(ws.dir, "moved-away");
    await execa("mv", [env.path, outside]);
    await ws.rewrite(env.id, (stored) => {
      Object.assign(stored, { path: outside, workdir: join(outside, "checkout") });
      stored.expiresAt = new Date(Date.now() - 1000).toISOString();
    });
    const first = await ws.cli(["gc"]);
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toContain(`could not clean ${env.id}: refusing to delete ${outside}`);
    expect(first.stdout).toContain("attempt 1");
    // Not due yet: the second gc only reports it, with the reason and the next try.
    const second = await ws.cli(["gc"]);
    expect(second.exitCode).toBe(1);
    expect(second.stdout).not.toContain("could not clean");
    expect(second.stdout).toMatch(
      new RegExp(
        `still waiting to be cleaned: ${env.id} \\(1 failed attempts; next try .*\\): refusing to delete`,
      ),
    );
    expect(ws.stored(env.id).attempts).toBe(1);
    expect(existsSync(join(outside, "checkout", "README.md"))).toBe(true);
    // `cleanup ID` tries at once, and says the same.
    const manual = await ws.cli(["cleanup", env.id]);
    expect(manual.exitCode).toBe(1);
    expect(manual.stderr).toContain(`refusing to delete ${outside}`);
    expect(manual.stderr).toContain("attempt 2");
    expect(manual.stderr).toContain("hms-env tries again at");
    // Moved back where it belongs, it is cleaned.
    await execa("mv", [outside, env.path]);
    await ws.rewrite(env.id, (stored) => {
      Object.assign(stored, { path: env.path, workdir: env.workdir });
    });
    writeFileSync(join(env.path, "note.txt"), "moved back");
    const done = await ws.cli(["cleanup", env.id]);
    expect(done.exitCode, done.stderr).toBe(0);
    expect(ws.stored(env.id)).toMatchObject({ status: "cleaned", attempts: 2 });
    expect(existsSync(env.path)).toBe(false);
  });
});

describe("`hms-env cleanup` of an environment with an immutable file", () => {
  it("names the file and the cause from the first attempt, and removes it once freed", async () => {
    const env = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
    const locked = join(env.workdir, "README.md");
    await execa("chattr", ["+i", locked]);
    immutable.push(locked);
    const first = await ws.cli(["cleanup", env.id]);
    expect(first.exitCode).toBe(1);
    expect(first.stderr).toContain(
      `cannot remove ${locked}: operation not permitted; an immutable file? try chattr -i ${locked}`,
    );
    expect(first.stderr).toContain("attempt 1");
    expect(first.stderr).not.toContain("ENOTDIR");

    await execa("chattr", ["-i", locked]);
    const freed = await ws.cli(["cleanup", env.id]);
    expect(freed.exitCode, freed.stderr).toBe(0);
    expect(ws.stored(env.id)).toMatchObject({ status: "cleaned", attempts: 1 });
    expect(existsSync(env.path)).toBe(false);
    expect(await worktrees(env.mirror)).not.toContain(env.workdir);
  });
});
