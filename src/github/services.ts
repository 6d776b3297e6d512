import type { BugPipeline } from "../bugs/pipeline.js";
import type { Config } from "../config/load.js";
import type { ProvisionRequest } from "../envs/plan.js";
import type { LockHolder } from "../store/file-lock.js";
import type { CleanReason, EnvRecord } from "../store/schema.js";
import type { Store } from "../store/store.js";
import type { GithubLog } from "./client.js";

/**
 * What the GitHub side needs from the rest of hms-env, passed in by the composition root so that
 * github/ imports no engine code directly and tests can see every call it makes.
 */
export interface GithubServices {
  config: Config;
  store: Store;
  /** This process, as the root-cause database's lock names it. */
  holder: LockHolder;
  now(): Date;
  log: GithubLog;
  provision(request: ProvisionRequest): Promise<EnvRecord>;
  cleanup(id: string, reason: CleanReason, actor: string): Promise<EnvRecord>;
  /** Every environment record, cleaned ones included (the comment shows how each one ended). */
  environments(): Promise<EnvRecord[]>;
  /**
   * The bug pipeline serve shares with Slack: issues become bugs through it, and its notifier list gets
   * the GitHub notifier. Absent: issues are not bugs here.
   */
  pipeline?: BugPipeline;
}
