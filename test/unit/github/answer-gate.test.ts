import { describe, expect, it } from "vitest";
import { createAnswerGate, gatedStore } from "../../../src/github/answer-gate.js";
import { createStore } from "../../../src/store/store.js";
import { testStore, useTempDir } from "../support.js";

const tempDir = useTempDir("answer-gate");

/** Lets the event loop go round a few times (the write would start in any of them if it could). */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** A task that runs until `finish()` is called. */
function pendingTask() {
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { run: () => done, finish: () => finish() };
}

describe("createAnswerGate", () => {
  it("lets work through at once when nothing is being answered", async () => {
    const gate = createAnswerGate();
    await expect(gate.quiet()).resolves.toBeUndefined();
  });

  it("holds a state-file write until the last answer has gone out", async () => {
    const gate = createAnswerGate();
    const store = gatedStore(createStore({ ...testStore, file: `${tempDir()}/state.json` }), gate);
    const [one, two] = [pendingTask(), pendingTask()];
    const answers = [gate.answering(one.run), gate.answering(two.run)];
    const order: string[] = [];
    const write = store.update((state) => {
      state.deliveries.push({ source: "github", id: "d-1", at: new Date().toISOString() });
      order.push("write");
    });
    await turns(5);
    order.push("first answered");
    one.finish();
    await answers[0];
    await turns(5);
    order.push("second answered");
    two.finish();
    await Promise.all([...answers, write]);
    expect(order).toEqual(["first answered", "second answered", "write"]);
    expect((await store.read()).deliveries.map((entry) => entry.id)).toEqual(["d-1"]);
  });

  it("does not hold work for ever behind a stream that never pauses", async () => {
    const gate = createAnswerGate();
    const endless = pendingTask();
    const answering = gate.answering(endless.run);
    await expect(gate.quiet()).resolves.toBeUndefined();
    endless.finish();
    await answering;
  });
});
