import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { createTriageService, triageExtension } from "../../../src/bugs/triage-service.js";
import { closeBug, recordTriage } from "../../../src/bugs/triage-state.js";
import { loadConfig } from "../../../src/config/load.js";
import { createGit } from "../../../src/envs/git.js";
import { watchEnvironments } from "../../../src/store/env-changes.js";
import { createStore } from "../../../src/store/store.js";
import { createTriageMonorepo } from "../../helpers/triage-monorepo.js";
import { testStore, useTempDir } from "../support.js";
import { NO_ROTATION, NOW } from "./support.js";

const tempDir = useTempDir("triage-service");

const deadlock = `ActiveRecord::Deadlocked: PG::TRDeadlockDetected: ERROR:  deadlock detected
app/models/account.rb:22:in \`decrement_open_claims!'`;

async function setup(repo?: string) {
  const dir = tempDir();
  writeFileSync(
    join(dir, "hms.config.yaml"),
    `stateFile: ./state.json\nenvRoot: ./envs\n${repo ? `repo: ${JSON.stringify(repo)}\n` : ""}`,
  );
  const config = loadConfig({ explicitPath: join(dir, "hms.config.yaml"), envPath: undefined, cwd: dir });
  return {
    dir,
    config,
    store: createStore({ ...testStore, file: config.stateFile }),
    git: createGit({ holder: testStore.holder }),
  };
}

describe("the triage service", () => {
  it("follows the state file: bugs closed or deleted by another process leave the duplicate index", async () => {
    const { config, store, git } = await setup();
    const service = await createTriageService({ config, store, git });
    for (const n of [1, 2]) {
      await recordTriage(store, service.engine, { text: `Deadlock ${n}\n${deadlock}` }, NOW);
    }
    expect(service.engine.duplicates.size).toBe(2);

    const feed = watchEnvironments({
      file: store.file,
      read: () => store.read(),
      onChange: () => {},
      onRead: (state) => service.follow(state),
      onError: (error) => {
        throw error;
      },
    });
    await feed.start();
    try {
      // Another process (the CLI, a second serve) closes one bug and deletes the other.
      const elsewhere = createStore({ ...testStore, file: store.file });
      await closeBug(elsewhere, "BUG-1", NOW);
      await vi.waitFor(() => expect(service.engine.duplicates.size).toBe(1), { timeout: 5000 });
      expect(service.engine.decide({ text: deadlock }, NO_ROTATION, NOW).duplicates.map((d) => d.id)).toEqual(
        ["BUG-2"],
      );
      await elsewhere.update((state) => {
        state.bugs = state.bugs.filter((bug) => bug.id !== "BUG-2");
      });
      await vi.waitFor(() => expect(service.engine.duplicates.size).toBe(0), { timeout: 5000 });
      expect(service.engine.duplicates.documentFrequency("deadlock")).toBe(0);
    } finally {
      feed.stop();
    }
  });

  it("reads paths against the default branch once it has fetched it, and as before until then", async () => {
    const { dir } = await setup();
    const origin = await createTriageMonorepo(dir);
    const { config, store, git } = await setup(origin);
    const service = await createTriageService({ config, store, git });
    const text =
      "app/models/claim.rb:2:in `<class:Claim>': uninitialized constant Claim::Auditable (NameError)";
    expect(service.engine.decide({ text }, NO_ROTATION, NOW).outcome).toBe("needs-triage");
    expect(await service.refreshFiles()).toMatch(/^\d+ files of main at [0-9a-f]{12}$/);
    expect(service.engine.decide({ text }, NO_ROTATION, NOW)).toMatchObject({
      outcome: "routed",
      primaryComponent: "hms-sme",
    });
  });

  it("as serve's extension: a state it cannot read is logged, and each reconcile pass refetches", async () => {
    const { dir } = await setup();
    const origin = await createTriageMonorepo(dir);
    const { config, store, git } = await setup(origin);
    const service = await createTriageService({ config, store, git });
    const lines: string[] = [];
    const extension = triageExtension(service, { info: (m) => lines.push(m), error: (m) => lines.push(m) });
    const state = await store.read();
    extension.stateRead?.({ ...state, bugs: [{ id: "not a bug id" }] } as never);
    expect(lines[0]).toMatch(/^triage: the open bugs could not be read: .*bugs\[0\]/);
    extension.reconciled?.();
    await extension.stop?.();
    expect(lines[1]).toMatch(/^triage: \d+ files of main at [0-9a-f]{12}$/);
  });
});
