/** Small helpers shared by the unit tests: real temporary folders and checks on HmsError. */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect } from "vitest";
import { type HmsError, type HmsErrorCode, isHmsError } from "../../src/errors.js";
import type { EnvRecord } from "../../src/store/schema.js";
import { testProcess } from "../helpers/host.js";

/** A fresh real folder per test (its real path, so comparisons with realpath/pwd -P hold), removed after. */
export function useTempDir(prefix: string): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), `hms-${prefix}-`)));
    made.push(dir);
    return dir;
  };
}

/** The HmsError thrown (or rejected) by `run`, checked for its code and for each fragment of its message. */
export async function expectHmsError(
  run: () => unknown,
  code: HmsErrorCode,
  ...fragments: string[]
): Promise<HmsError> {
  let thrown: unknown;
  try {
    await run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "expected an HmsError to be thrown").toBeDefined();
  expect(isHmsError(thrown), `expected an HmsError, got ${String(thrown)}`).toBe(true);
  const error = thrown as HmsError;
  expect(error.code, error.message).toBe(code);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}

/** A plausible ready environment record, with the fields a test cares about changed. */
export function envRecord(id: string, changes: Partial<EnvRecord> = {}): EnvRecord {
  return {
    id,
    path: `/envs/${id}`,
    workdir: `/envs/${id}/checkout`,
    component: "hms-dev",
    components: ["hms-dev"],
    repo: "/repo",
    mirror: "/mirror",
    branch: "main",
    pr: null,
    commit: "abc",
    owner: "U1",
    createdAt: "2026-11-27T10:00:00.000Z",
    expiresAt: "2026-11-28T10:00:00.000Z",
    status: "ready",
    ...changes,
  };
}

/** What createStore needs besides its file: this test process as the lock's holder, and wall time. */
export const testStore = { holder: testProcess(), now: () => new Date() };
