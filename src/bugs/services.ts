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
  /** The first listing of the repository's files, under way in the background (never rejects). */
  listed: Promise<void>;
}

/** How long a report waits for the first listing of the repository's files before triage goes without. */
const FIRST_LISTING_WAIT_MS = 20_000;

/** A wait that keeps nothing alive: a stopping process does not wait for it. */
function waitUnref(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export async function createBugServices(app: App, log: PipelineLog): Promise<BugServices> {
  // The repository's files let triage resolve pasted paths; without them it still routes by globs.
  // Listed in the background: a repository that does not answer must not keep serve from listening.
  // Reports wait for it, up to FIRST_LISTING_WAIT_MS, then triage routes by globs until it is there.
  const triage = await app.triage();
  log.info("triage: listing the repository's files (fetching its default branch)");
  const listed = triage
    .refreshFiles()
    .then((source) => log.info(`triage: ${source}`))
    .catch((error: unknown) => {
      log.error(`triage: the repository's files could not be listed: ${describeError(error)}`);
    });
  const filesListed = Promise.race([listed, waitUnref(FIRST_LISTING_WAIT_MS)]);
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
    filesListed,
  });
  return { engine, triage, pipeline, provision: provisionFor, listed };
}
