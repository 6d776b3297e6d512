import type { Config } from "../config/load.js";
import type { Git } from "./git.js";

/** The repository environments are made from, and what to tell people about how it was chosen. */
export interface RepositoryChoice {
  repo: string;
  /** Empty, or a remark (with its leading space) for the line that names `repo`. */
  note: string;
}

/**
 * `repo` from the configuration; without it, the repository the current checkout was cloned from
 * (its `origin`), since branches and PRs are pushed there and a clone's own branches may be stale or
 * missing. A checkout without an origin is used itself, and the note says so. Undefined outside one.
 */
export async function chooseRepository(
  config: Pick<Config, "repo" | "cwd">,
  git: Pick<Git, "repositoryOf">,
): Promise<RepositoryChoice | undefined> {
  if (config.repo !== undefined) return { repo: config.repo, note: "" };
  const found = await git.repositoryOf(config.cwd);
  if (found === undefined) return undefined;
  return {
    repo: found.repo,
    note: found.origin ? " (origin)" : " (this checkout has no origin remote: its own branches are used)",
  };
}

/** What an unset `defaultBranch` means when the repository cannot be asked and never was. */
export const FALLBACK_BRANCH = "main";
/** The last answer per repository: offline, it still names the branch the triage ref was fetched as. */
const remoteHeads = new Map<string, string>();

/**
 * `defaultBranch` from the configuration; without it, the branch the repository's HEAD names (GitHub's
 * default branch: `main`, `master`, `trunk`...), asked each time (a rename is seen), else the last
 * answer, else `main`.
 */
export async function defaultBranchOf(
  config: Pick<Config, "repo" | "cwd" | "defaultBranch">,
  git: Pick<Git, "repositoryOf" | "remoteHead">,
): Promise<string> {
  if (config.defaultBranch !== undefined) return config.defaultBranch;
  const repo = (await chooseRepository(config, git))?.repo;
  if (repo === undefined) return FALLBACK_BRANCH;
  const head = await git.remoteHead(repo);
  if (head !== undefined) remoteHeads.set(repo, head);
  return head ?? remoteHeads.get(repo) ?? FALLBACK_BRANCH;
}
