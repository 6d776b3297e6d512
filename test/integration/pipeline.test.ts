import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { branchFromText } from "../../src/bugs/branch-in-text.js";
import { loadTriageEngine } from "../../src/bugs/engine.js";
import { type BugEvent, createBugPipeline } from "../../src/bugs/pipeline.js";
import { provision } from "../../src/envs/provision.js";
import type { EnvRecord } from "../../src/store/schema.js";
import { PEOPLE, SME_REPORT, TEAMS_CONFIG, VAGUE_REPORT } from "../helpers/teams.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

const workspaces: Workspace[] = [];
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.remove();
});

/** `made`: runs once an environment is ready in the state file, before provision returns to the pipeline. */
async function setup(extraConfig = "", made?: (env: EnvRecord) => Promise<void>) {
  const ws = await createWorkspace(`${TEAMS_CONFIG}${extraConfig}`);
  workspaces.push(ws);
  const context = ws.context();
  const events: BugEvent[] = [];
  const errors: string[] = [];
  const pipeline = createBugPipeline({
    store: context.store,
    engine: await loadTriageEngine(context.config, context.store),
    config: context.config,
    provision: async (request, progress) => {
      const env = await provision(context, request, { ...(progress && { progress }) });
      await made?.(env);
      return env;
    },
    notifiers: [{ name: "recorder", notify: async (event) => void events.push(event) }],
    log: { info: () => undefined, error: (message) => errors.push(message) },
    now: () => new Date(),
  });
  return { ws, context, pipeline, events, errors };
}

describe("the bug pipeline", () => {
  it("records, triages, provisions for the assignee at the named branch, and tells the notifiers in order", async () => {
    const { ws, pipeline, events } = await setup();
    const result = await pipeline.file({
      text: `${SME_REPORT}\nbranch: feature/new-feature`,
      reporter: PEOPLE.ana,
      origin: { source: "slack", link: "https://example.slack.com/archives/C0BUGS/p1" },
    });
    expect(result?.bug).toMatchObject({
      id: "BUG-1",
      components: ["hms-sme"],
      team: "sme-team",
      // Ana reported it, so she is skipped.
      assignee: PEOPLE.bo,
      branch: "feature/new-feature",
    });
    expect((await pipeline.get("BUG-1")).environment).toBe(result?.env?.id);
    const env = result?.env;
    expect(env).toMatchObject({ owner: PEOPLE.bo, component: "hms-sme", branch: "feature/new-feature" });
    expect(existsSync(join(env?.path ?? "", "launch.sh"))).toBe(true);
    await pipeline.idle();
    expect(events.map((event) => event.kind)).toEqual(["filed", "provisioning", "ready"]);
    expect(events[0]?.bug.triage?.rootCauses[0]?.title).toBeTruthy();
    const state = JSON.parse(readFileSync(ws.stateFile, "utf8"));
    expect(state.bugs[0].origin.link).toContain("slack.com");
  });

  it("finds the bug of an environment as soon as it is ready in the state file: the bug recorded it when it was reserved", async () => {
    let pipeline: Awaited<ReturnType<typeof setup>>["pipeline"] | undefined;
    const seen: (string | undefined)[] = [];
    // What serve's follower of the state file asks when it sees the environment ready.
    const ready = await setup("", async (env) => {
      seen.push((await pipeline?.get("BUG-1"))?.environment ?? "not recorded yet");
      seen.push((await pipeline?.bugOfEnvironment(env.id))?.id);
    });
    pipeline = ready.pipeline;
    const result = await pipeline.file({
      text: SME_REPORT,
      reporter: PEOPLE.ana,
      origin: { source: "slack" },
    });
    expect(seen).toEqual([result?.env?.id, "BUG-1"]);
    expect((await pipeline.bugOfEnvironment(result?.env?.id ?? ""))?.id).toBe("BUG-1");
  });

  it("does nothing for a second delivery of the same report, even from a new process", async () => {
    const { ws, pipeline, events } = await setup("slack:\n  autoProvision: false\n");
    const report = {
      text: SME_REPORT,
      origin: { source: "slack" as const },
      delivery: { source: "slack" as const, id: "Ev0001" },
    };
    expect(await pipeline.file(report)).not.toBeNull();
    expect(await pipeline.file(report)).toBeNull();
    // New services over the same state file: what a restarted serve has.
    const context = ws.context();
    const restarted = createBugPipeline({
      store: context.store,
      engine: await loadTriageEngine(context.config, context.store),
      config: context.config,
      provision: async () => {
        throw new Error("must not provision");
      },
      log: { info: () => undefined, error: () => undefined },
      now: () => new Date(),
    });
    expect(await restarted.file(report)).toBeNull();
    await pipeline.idle();
    expect(events.filter((event) => event.kind === "filed")).toHaveLength(1);
    expect(await pipeline.list()).toHaveLength(1);
  });

  it("leaves a needs-triage bug with the fallback team until a component is chosen, then provisions", async () => {
    const { pipeline, events } = await setup();
    const filed = await pipeline.file({
      text: VAGUE_REPORT,
      reporter: PEOPLE.ana,
      origin: { source: "slack" },
    });
    expect(filed?.bug).toMatchObject({ needsTriage: true, team: "platform", assignee: PEOPLE.ivy });
    expect(filed?.env).toBeNull();
    const chosen = await pipeline.chooseComponent(filed?.bug.id ?? "", "hms-dev", PEOPLE.ivy);
    expect(chosen.bug).toMatchObject({ needsTriage: false, team: "dev-team", assignee: PEOPLE.dee });
    expect(chosen.env).toMatchObject({ owner: PEOPLE.dee, component: "hms-dev", branch: "main" });
    await pipeline.idle();
    expect(events.map((event) => event.kind)).toEqual(["filed", "updated", "provisioning", "ready"]);
  });

  it("records a failed provisioning with its reason and provisions again on retry", async () => {
    const { pipeline, events, errors } = await setup();
    const filed = await pipeline.file({
      text: `${SME_REPORT}\nbranch: no-such-branch`,
      origin: { source: "slack" },
    });
    expect(filed?.env).toBeNull();
    expect(filed?.bug.provisionError ?? (await pipeline.get("BUG-1")).provisionError).toMatch(
      /no-such-branch/,
    );
    await pipeline.idle();
    expect(events.at(-1)).toMatchObject({ kind: "failed", error: expect.stringMatching(/no-such-branch/) });
    expect(errors.join("\n")).toContain("BUG-1");
    await expect(pipeline.provision("BUG-1")).resolves.toBeNull();
  });

  it("keeps going when a notifier fails: the environment is made and the failure is logged with the bug id", async () => {
    const { context, errors } = await setup();
    const pipeline = createBugPipeline({
      store: context.store,
      engine: await loadTriageEngine(context.config, context.store),
      config: context.config,
      provision: (request) => provision(context, request),
      notifiers: [
        {
          name: "slack",
          notify: async () => {
            throw new Error("connect ECONNREFUSED");
          },
        },
      ],
      log: { info: () => undefined, error: (message) => errors.push(message) },
      now: () => new Date(),
    });
    const result = await pipeline.file({ text: SME_REPORT, origin: { source: "cli" } });
    expect(result?.env?.status).toBe("ready");
    expect(existsSync(join(result?.env?.path ?? "", "launch.sh"))).toBe(true);
    await pipeline.idle();
    expect(errors.some((line) => line.includes("BUG-1") && line.includes("ECONNREFUSED"))).toBe(true);
  });

  it("reads the branch from `branch: x` in a report", () => {
    expect(branchFromText("broken\nbranch: feature/x\nmore")).toBe("feature/x");
    expect(branchFromText("see `branch=release/2.1`")).toBe("release/2.1");
    expect(branchFromText("no branch named here")).toBeUndefined();
  });
});
