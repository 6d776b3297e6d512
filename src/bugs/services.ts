import type { App } from "../app.js";
import type { ProgressListener } from "../envs/context.js";
import type { ProvisionRequest } from "../envs/plan.js";
import { defaultBranchOf } from "../envs/repository.js";
import { describeError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import type { TriageEngine } from "../triage/engine.js";

import { type BugPipeline, createBugPipeline, type PipelineLog } from "./pipeline.js";
import type { TriageService } from "./triage-service.js";

/** The triage engine and the bug pipeline of one process: the Slack and GitHub sides share them. */
export interface BugServices {
  engine: TriageEngine;
  /** The engine with its inputs from disk; serve keeps it following the state file (triageExtension). */
  triage: TriageService;
  pipeline: BugPipeline;
  provision(request: ProvisionRequest, progress?: ProgressListener): Promise<EnvRecord>;
}

export async function createBugServices(app: App, log: PipelineLog): Promise<BugServices> {
  // The repository's files let triage resolve pasted paths; without them it still routes by globs.
  const triage = await app.triage();
  await triage
    .refreshFiles()
    .then((source) => log.info(`triage: ${source}`))
    .catch((error: unknown) => {
      log.error(`triage: the repository's files could not be listed: ${describeError(error)}`);
    });
  const { engine } = triage;
  const provisionFor: BugServices["provision"] = (request, progress) =>
    app.environments.provision(request, { ...(progress && { progress }) });
  const pipeline = createBugPipeline({
    store: app.store,
    engine,
    config: app.config,
    provision: provisionFor,
    defaultBranch: () => defaultBranchOf(app.config, app.git),
    log,
    now: () => app.clock.now(),
  });
  return { engine, triage, pipeline, provision: provisionFor };
}
