import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { type EnvContext, noLog } from "../../src/envs/context.js";
import { createEnvironments } from "../../src/envs/environments.js";
import type { Runner, StateStore } from "../../src/envs/ports.js";
import { emptyState, type StateData } from "../../src/store/schema.js";
import type { Store } from "../../src/store/store.js";
import { manualClock } from "../helpers/manual-clock.js";
import { useTempDir } from "./support.js";

const tempDir = useTempDir("ports");

/**
 * The StateStore port over memory, as a database would hold it: every change runs on a copy of what is
 * stored and replaces it only when the change returns, so a change that throws writes nothing.
 */
function memoryStore(): Store & StateStore & { stored(): StateData } {
  let state = emptyState();
  const copy = () => structuredClone(state);
  return {
    file: "memory:",
    read: async () => copy(),
    async update(change) {
      const next = copy();
      const result = change(next);
      state = next;
      return result;
    },
    audit: async () => undefined,
    health: () => ({ ok: true }),
    watch: () => ({ ready: Promise.resolve(), check: async () => undefined, stop: () => undefined }),
    stored: copy,
  };
}

/** The Runner port without git, Nix or folders: workspaces are names in a set, every call is noted. */
function recordingRunner() {
  const calls: string[] = [];
  const workspaces = new Set<string>();
  const runner: Runner = {
    async check() {
      calls.push("check");
      return { repo: "https://git.example/hms.git" };
    },
    async fetch(record) {
      calls.push("fetch");
      Object.assign(record, { mirror: "pods", commit: "0123456789abcdef0123456789abcdef01234567" });
    },
    place(plan, taken) {
      calls.push("place");
      const path = `pod/${plan.dirName}`;
      expect(taken.has(path)).toBe(false);
      return { path, workdir: `${path}/src` };
    },
    async reserve(record) {
      calls.push("reserve");
      workspaces.add(record.path);
    },
    async prepare(record) {
      calls.push("prepare");
      record.shell = "/pod/shell";
    },
    mark: () => void calls.push("mark"),
    enter: (env) => ({ cwd: env.path, command: ["kubectl", "exec", "-it", env.id, "--", "bash"] }),
    exists: (env) => workspaces.has(env.path),
    async widen() {
      calls.push("widen");
    },
    async tearDown(env) {
      calls.push(`tearDown ${env.id}`);
      workspaces.delete(env.path);
    },
    strays: () => ({ orphans: ["pod/left-behind"], unmarked: [], foreign: [] }),
    async removeStrays(orphans) {
      calls.push(`removeStrays ${orphans.join(",")}`);
      return { removed: [...orphans], failures: [] };
    },
  };
  return { runner, calls, workspaces };
}

/** Git and Nix that fail the test on any use: the lifecycle must reach them only through the runner. */
const untouchable = (what: string) =>
  new Proxy(
    {},
    {
      get: (_target, property) => {
        throw new Error(`the lifecycle used ${what}.${String(property)} directly`);
      },
    },
  ) as never;

describe("the lifecycle over other StateStore and Runner implementations", () => {
  it("provisions, extends, expires and cleans, and reconciles strays, without git, Nix or a state file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "hms.config.yaml"), "envRoot: ./envs\nstateFile: ./state.json\n");
    const config = loadConfig({ explicitPath: join(dir, "hms.config.yaml"), cwd: dir });
    const clock = manualClock();
    const store = memoryStore();
    const { runner, calls, workspaces } = recordingRunner();
    const context: EnvContext = {
      config,
      store,
      runner,
      git: untouchable("git"),
      nix: untouchable("nix"),
      clock,
      self: { pid: 7, host: "replica-a", isAlive: () => true },
      log: noLog,
    };
    const environments = createEnvironments(context);

    const env = await environments.provision({
      component: "hms-dev",
      branch: "main",
      owner: "ana",
      timeout: "1h",
    });
    expect(env).toMatchObject({ status: "ready", shell: "/pod/shell" });
    expect(env.path).toMatch(/^pod\/\d{8}_\d{6}_hms-dev_/);
    expect(calls).toEqual(["check", "fetch", "place", "reserve", "prepare", "mark"]);
    expect(workspaces.has(env.path)).toBe(true);
    expect(store.stored().environments[0]?.claim).toBeUndefined();

    const extended = await environments.extend(env.id, "2h", "ana");
    expect(Date.parse(extended.expiresAt)).toBe(Date.parse(env.expiresAt) + 2 * 3_600_000);

    clock.advance(3 * 3_600_000 + 1000);
    const { done } = await environments.settleDue();
    expect(done.expired.map((expired) => expired.id)).toEqual([env.id]);
    expect(calls).toContain(`tearDown ${env.id}`);
    expect(workspaces.size).toBe(0);
    expect(store.stored().environments[0]).toMatchObject({ id: env.id, status: "cleaned" });

    const report = await environments.reconcile({ removeOrphans: true });
    expect(report.removedOrphans).toEqual(["pod/left-behind"]);
    expect(calls.at(-1)).toBe("removeStrays pod/left-behind");
    // Cleaned already: a second cleanup changes nothing and tears nothing down again.
    await environments.cleanup(env.id, "manual", "ana");
    expect(calls.filter((call) => call.startsWith("tearDown"))).toHaveLength(1);
  });

  it("a workspace gone from the runner is noticed by the reconciler and its record cleaned", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "hms.config.yaml"), "envRoot: ./envs\nstateFile: ./state.json\n");
    const config = loadConfig({ explicitPath: join(dir, "hms.config.yaml"), cwd: dir });
    const { runner, workspaces } = recordingRunner();
    const context: EnvContext = {
      config,
      store: memoryStore(),
      runner,
      git: untouchable("git"),
      nix: untouchable("nix"),
      clock: manualClock(),
      self: { pid: 7, host: "replica-a", isAlive: () => true },
      log: noLog,
    };
    const environments = createEnvironments(context);
    const env = await environments.provision({ component: "hms-sme", branch: "main", owner: "bo" });
    workspaces.delete(env.path);
    const report = await environments.reconcile();
    expect(report.missing.map((missing) => missing.id)).toEqual([env.id]);
  });
});
