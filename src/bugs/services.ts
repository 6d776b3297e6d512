import type { EnvContext, ProgressListener } from "../envs/context.js";
import type { ProvisionRequest } from "../envs/plan.js";
import { provision } from "../envs/provision.js";
import { describeError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import type { TriageEngine } from "../triage/engine.js";
import { loadTriageEngine } from "./engine.js";
import { type BugPipeline, createBugPipeline, type PipelineLog } from "./pipeline.js";
import { createRepositoryFiles } from "./repository-files.js";

/** The triage engine and the bug pipeline of one process: the Slack and GitHub sides share them. */
export interface BugServices {
  engine: TriageEngine;
  pipeline: BugPipeline;
  provision(request: ProvisionRequest, progress?: ProgressListener): Promise<EnvRecord>;
}

export async function createBugServices(context: EnvContext, log: PipelineLog): Promise<BugServices> {
  // The repository's files let triage resolve pasted paths; without them it still routes by globs.
  const files = await createRepositoryFiles(context)
    .refresh()
    .then((repository) => {
      log.info(`triage: ${repository.source}`);
      return repository.index;
    })
    .catch((error: unknown) => {
      log.error(`triage: the repository's files could not be listed: ${describeError(error)}`);
      return undefined;
    });
  const engine = await loadTriageEngine(context.config, context.store, files);
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
