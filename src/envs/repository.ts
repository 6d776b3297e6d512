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
