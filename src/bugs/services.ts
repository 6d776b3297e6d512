import type { EnvContext, ProgressListener } from "../envs/context.js";
import type { ProvisionRequest } from "../envs/plan.js";
import { provision } from "../envs/provision.js";
import { describeError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import type { TriageEngine } from "../triage/engine.js";

import { type BugPipeline, createBugPipeline, type PipelineLog } from "./pipeline.js";
import { createTriageService, type TriageService } from "./triage-service.js";

/** The triage engine and the bug pipeline of one process: the Slack and GitHub sides share them. */
export interface BugServices {
  engine: TriageEngine;
  /** The engine with its inputs from disk; serve keeps it following the state file (triageExtension). */
  triage: TriageService;
  pipeline: BugPipeline;
  provision(request: ProvisionRequest, progress?: ProgressListener): Promise<EnvRecord>;
}

export async function createBugServices(context: EnvContext, log: PipelineLog): Promise<BugServices> {
  // The repository's files let triage resolve pasted paths; without them it still routes by globs.
  const triage = await createTriageService(context);
  await triage
    .refreshFiles()
    .then((source) => log.info(`triage: ${source}`))
    .catch((error: unknown) => {
      log.error(`triage: the repository's files could not be listed: ${describeError(error)}`);
    });
  const { engine } = triage;
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
  return { engine, triage, pipeline, provision: provisionFor };
}
