import type { BugPipeline } from "../bugs/pipeline.js";
import type { Config } from "../config/load.js";
import type { ProgressListener } from "../envs/context.js";
import type { ProvisionRequest } from "../envs/plan.js";
import type { EnvRecord } from "../store/schema.js";
import type { Store } from "../store/store.js";
import type { TriageDecision } from "../triage/types.js";

export interface SlackLog {
  info(message: string): void;
  error(message: string): void;
  /** What is worth a line only when looking closely (`serve --verbose`). */
  debug?(message: string): void;
}

/**
 * What the Slack app needs of the rest of hms-env, handed in by whoever composes the process: the app
 * never builds an engine, a store or a provisioner itself, so it runs the same against real ones in
 * serve and in the tests.
 */
export interface SlackServices {
  config: Config;
  store: Store;
  pipeline: BugPipeline;
  log: SlackLog;
  now(): Date;
  provision(request: ProvisionRequest, progress?: ProgressListener): Promise<EnvRecord>;
  /** Live environments. */
  listEnvironments(): Promise<EnvRecord[]>;
  findEnvironment(key: string): Promise<EnvRecord>;
  extend(key: string, duration: string, actor: string): Promise<EnvRecord>;
  cleanup(key: string, actor: string): Promise<EnvRecord>;
  /** The triage decision for a text, recording nothing (`/hms-env triage`). */
  triage(text: string, reporter: string): Promise<TriageDecision>;
}
