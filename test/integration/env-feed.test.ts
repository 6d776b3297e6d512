import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { eventually } from "../helpers/serve.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace();
});
afterAll(() => ws.remove());

describe("app.onEnvChange", () => {
  it("reports changes made by another process and by this one, each once, and stops when unsubscribed", async () => {
    const app = ws.app();
    const seen: { id: string; before: string | undefined; after: string; expiresAt: string }[] = [];
    const unsubscribe = app.onEnvChange((before, after) => {
      seen.push({ id: after.id, before: before?.status, after: after.status, expiresAt: after.expiresAt });
    });
    // A listener that throws is logged and never keeps the others from hearing.
    app.onEnvChange(() => {
      throw new Error("a broken listener");
    });
    await app.watchChanges();
    try {
      // Another process: the CLI.
      const env: EnvRecord = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
      await eventually(
        () => seen.some((change) => change.id === env.id && change.after === "ready"),
        "ready",
      );
      // This process.
      const extended = await app.environments.extend(env.id, "1h", "tester");
      await eventually(
        () => seen.some((change) => change.expiresAt === extended.expiresAt),
        "the extension in this process",
      );
      const cleanup = await ws.cli(["cleanup", env.id]);
      expect(cleanup.exitCode, cleanup.stderr).toBe(0);
      await eventually(
        () => seen.some((change) => change.id === env.id && change.after === "cleaned"),
        "cleaned",
      );
      // Never the same state twice in a row for one environment.
      const mine = seen.filter((change) => change.id === env.id);
      for (let index = 1; index < mine.length; index++) expect(mine[index]).not.toEqual(mine[index - 1]);
      unsubscribe();
      const count = seen.length;
      await ws.provision(["--component", "hms-sme", "--branch", "main"]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seen).toHaveLength(count);
    } finally {
      app.close();
    }
  });
});
