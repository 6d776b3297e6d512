/**
 * Child processes that take the state lock, for tests of the lock between real processes: they import
 * the built store (test/helpers/built-store.ts) and report on stdout.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Result, ResultPromise } from "execa";
import { expect } from "vitest";
import { createStore } from "../../src/store/store.js";
import { testStore } from "../unit/support.js";

/**
 * A child's own identity, as src/cli.ts builds it: its pid, host and /proc facts (read by the built
 * lock-holder module beside the module the child was given as `url`).
 */
export const childHolder = (url: string) => `
import { hostname } from "node:os";
const { currentProcessFacts } = await import(new URL("./lock-holder.js", ${url}).href);
const holder = { pid: process.pid, host: hostname(), ...currentProcessFacts() };
`;

/**
 * One locked update that prints `inside` from within its change, then blocks for `blockMs` (so the test
 * can pause it there), and prints how it ended: `wrote`, or `failed CODE: message`.
 * Arguments: storeUrl file name holdMs blockMs [waitMs].
 */
export const UPDATER = `
const [storeUrl, file, name, holdMs, blockMs, waitMs = "20000"] = process.argv.slice(2);
${childHolder("storeUrl")}
const { createStore } = await import(storeUrl);
const store = createStore({ file, holder, now: () => new Date(), lock: { holdMs: Number(holdMs), waitMs: Number(waitMs) } });
try {
  await store.update((state) => {
    process.stdout.write("inside\\n");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(blockMs));
    state.audit.push({ at: new Date().toISOString(), actor: name, action: "test", target: name });
  });
  process.stdout.write("wrote\\n");
} catch (error) {
  process.stdout.write("failed " + error.code + ": " + error.message + "\\n");
}
`;

/** Holds the lock of `file` until the stop file appears. Arguments: lockUrl file stopFile. */
export const HOLDER = `
import { existsSync } from "node:fs";
const [lockUrl, file, stopFile] = process.argv.slice(2);
${childHolder("lockUrl")}
const { withFileLock } = await import(lockUrl);
await withFileLock(file, { holdMs: 15000, waitMs: 1000, holder }, async () => {
  process.stdout.write("holding\\n");
  while (!existsSync(stopFile)) await new Promise((resolve) => setTimeout(resolve, 20));
});
`;

/** Writes a child's script into `dir` and returns its path. */
export function script(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Resolves when the child has printed `line`. */
export function waitForLine(child: ResultPromise, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split("\n").includes(line)) resolve();
    });
    child.on("exit", () => reject(new Error(`exited before printing ${line}: ${seen}`)));
  });
}

/**
 * A lock holder paused (SIGSTOP) once it prints `line` while `startNext` takes the lock over (after
 * `waitMs`, when the stale time is what frees it), then resumed once the next holder printed `line`
 * too. Returns how the paused one ended (it must end cleanly: no uncaught exception) and the next one.
 */
export async function pausedPastTakeover(
  start: () => ResultPromise,
  startNext: () => ResultPromise,
  line: string,
  waitMs = 0,
): Promise<{ resumed: Result; next: ResultPromise }> {
  const paused = start();
  await waitForLine(paused, line);
  paused.kill("SIGSTOP");
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  const next = startNext();
  await waitForLine(next, line);
  paused.kill("SIGCONT");
  const resumed = await paused;
  expect(resumed.stderr).toBe("");
  expect(resumed.exitCode).toBe(0);
  return { resumed, next };
}

/** Who wrote the state file's audit entries, in order. */
export function auditActors(file: string): string[] {
  return JSON.parse(readFileSync(file, "utf8")).audit.map((entry: { actor: string }) => entry.actor);
}

/** A state file with one audit entry, by `seed`. */
export async function seedState(file: string): Promise<void> {
  await createStore({ ...testStore, file }).update((state) => {
    state.audit.push({ at: new Date(0).toISOString(), actor: "seed", action: "test", target: "seed" });
  });
}
