import type { EnvContext, ProgressListener } from "../envs/context.js";
import type { ProvisionRequest } from "../envs/plan.js";
import { provision } from "../envs/provision.js";
import type { EnvRecord } from "../store/schema.js";
import type { TriageEngine } from "../triage/engine.js";
import { loadTriageEngine } from "./engine.js";
import { type BugPipeline, createBugPipeline, type PipelineLog } from "./pipeline.js";

/** The triage engine and the bug pipeline of one process: the Slack and GitHub sides share them. */
export interface BugServices {
  engine: TriageEngine;
  pipeline: BugPipeline;
  provision(request: ProvisionRequest, progress?: ProgressListener): Promise<EnvRecord>;
}

export async function createBugServices(context: EnvContext, log: PipelineLog): Promise<BugServices> {
  const engine = await loadTriageEngine(context.config, context.store);
  const provisionFor: BugServices["provision"] = (request, progress) =>
    provision(context, request, { ...(progress && { progress }) });
  const pipeline = createBugPipeline({
    store: context.store,
    engine,
    config: context.config,
    provision: provisionFor,
    log,
    now: () => context.clock.now(),
  });
  return { engine, pipeline, provision: provisionFor };
}
