import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type ServeProcess, startServe } from "../helpers/serve.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  ws = await createWorkspace('schedule:\n  reconcileInterval: "1h"\n  maintenanceInterval: "1s"');
});
afterAll(async () => {
  await serve?.stop();
  ws.remove();
});

describe("serve maintains the mirrors", () => {
  it("writes the mirror's commit-graph on schedule.maintenanceInterval", async () => {
    const env = await ws.provision(["--component", "hms-dev", "--branch", "main", "--sparse"]);
    const graph = join(env.mirror, "objects", "info", "commit-graphs");
    expect(existsSync(graph)).toBe(false);
    serve = await startServe(ws);
    await eventually(() => existsSync(graph), "a commit-graph in the mirror");
    await eventually(
      () => serve?.log().includes("maintained 1 mirrors") ?? false,
      "the maintenance log line",
    );
    expect(serve.log()).not.toContain("could not maintain");
  });
});
