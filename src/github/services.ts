import type { Config } from "../config/load.js";
import type { ProvisionRequest } from "../envs/plan.js";
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
  now(): Date;
  log: GithubLog;
  provision(request: ProvisionRequest): Promise<EnvRecord>;
  cleanup(id: string, reason: CleanReason, actor: string): Promise<EnvRecord>;
  /** Every environment record, cleaned ones included (the comment shows how each one ended). */
  environments(): Promise<EnvRecord[]>;
  /** Tells the PR's author in Slack that environments are ready; absent when Slack is not set up. */
  notifyAuthor?(message: AuthorNotice): Promise<void>;
}

export interface AuthorNotice {
  /** The author's Slack user ID, from `teams.*.members[].github`. */
  slackUser: string;
  pull: { number: number; title: string; url: string };
  environments: EnvRecord[];
}
