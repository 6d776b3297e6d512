import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateData } from "../../src/store/schema.js";
import { createWorkspace, PROJECT_ROOT, type Workspace } from "../helpers/workspace.js";

type Op =
  | { kind: "provision"; component: string }
  | { kind: "extend" | "cleanup" | "expire"; pick: number }
  | { kind: "reconcile" };

/** A second (and third) hms-env process that runs lifecycle operations on request. */
function startWorker(ws: Workspace) {
  // Without nix on PATH the Nix step is skipped: this test is about records and folders.
  const child: ResultPromise = execa(
    "node",
    [join(PROJECT_ROOT, "test", "helpers", "lifecycle-worker.mjs"), ws.configFile, "/usr/bin:/bin"],
    { cwd: ws.dir, stdin: "pipe", stdout: "pipe", reject: false, buffer: false },
  );
  const waiting = new Map<number, (answer: Answer) => void>();
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      const answer = JSON.parse(buffered.slice(0, end)) as Answer;
      buffered = buffered.slice(end + 1);
      waiting.get(answer.id)?.(answer);
    }
  });
  let next = 0;
  return {
    run(op: Record<string, unknown>): Promise<Answer> {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        child.stdin?.write(`${JSON.stringify({ id, op })}\n`);
      });
    },
    async stop() {
      child.stdin?.end();
      await child;
    },
  };
}

interface Answer {
  id: number;
  ok: boolean;
  result?: string | null;
  code?: string;
  message?: string;
}

/** Refusals the lifecycle gives on purpose when a request does not fit the status it finds. */
const EXPECTED_REFUSALS = new Set(["INVALID_TRANSITION", "INVALID_INPUT", "NOT_FOUND"]);

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("provision" as const), component: fc.constantFrom("hms-dev", "hms-sme") }),
  fc.record({
    kind: fc.constantFrom("extend" as const, "cleanup" as const, "expire" as const),
    pick: fc.nat(7),
  }),
  fc.record({ kind: fc.constant("reconcile" as const) }),
);

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace("limits:\n  maxEnvsPerOwner: 100");
});
afterAll(() => ws.remove());

describe("the transition table under two processes", () => {
  it("random interleavings end with live or final records, each folder owned and each live record's folder there", async () => {
    const first = startWorker(ws);
    const second = startWorker(ws);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(opArbitrary, opArbitrary), { minLength: 1, maxLength: 5 }),
          async (rounds) => {
            const ids: string[] = [];
            const toRequest = (op: Op) =>
              "pick" in op ? { kind: op.kind, id: ids[op.pick % Math.max(ids.length, 1)] ?? "env-none" } : op;
            for (const [forFirst, forSecond] of rounds) {
              const answers = await Promise.all([
                first.run(toRequest(forFirst)),
                second.run(toRequest(forSecond)),
              ]);
              for (const [index, answer] of answers.entries()) {
                const op = index === 0 ? forFirst : forSecond;
                if (answer.ok && op.kind === "provision" && answer.result) ids.push(answer.result);
                if (!answer.ok)
                  expect(EXPECTED_REFUSALS, `${op.kind}: ${answer.code} ${answer.message}`).toContain(
                    answer.code,
                  );
              }
            }
            // Whatever was left half-way is finished by a reconcile, as serve's would.
            const settled = await first.run({ kind: "reconcile" });
            expect(settled.ok, settled.message).toBe(true);

            // Reconciles alone (no provision yet) write nothing, so the file may not exist yet.
            const state = existsSync(ws.stateFile)
              ? (JSON.parse(readFileSync(ws.stateFile, "utf8")) as StateData)
              : { environments: [] };
            for (const env of state.environments) {
              expect(["ready", "cleaned", "failed"], `${env.id} ended ${env.status}`).toContain(env.status);
              expect(env.claim).toBeUndefined();
              if (env.path !== "")
                expect(existsSync(env.path), `${env.id} (${env.status}) folder`).toBe(env.status === "ready");
            }
            const owned = new Set(
              state.environments.filter((env) => env.status === "ready").map((env) => env.path),
            );
            const folders = existsSync(ws.envRoot)
              ? readdirSync(ws.envRoot).filter((name) => /^\d{8}_\d{6}_/.test(name))
              : [];
            for (const name of folders)
              expect(owned, `folder ${name} has no record`).toContain(join(ws.envRoot, name));
            // The next run starts from nothing live.
            for (const env of state.environments.filter((candidate) => candidate.status === "ready")) {
              const removed = await first.run({ kind: "cleanup", id: env.id });
              expect(removed.ok, removed.message).toBe(true);
            }
          },
        ),
        { numRuns: 12, endOnFailure: true },
      );
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
