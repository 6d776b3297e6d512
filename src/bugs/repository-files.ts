import type { Config } from "../config/load.js";
import type { Git } from "../envs/git.js";
import { chooseRepository, defaultBranchOf, FALLBACK_BRANCH } from "../envs/repository.js";
import { createFileIndex, type FileIndex } from "../triage/file-index.js";
import { createFileOwnership } from "../triage/paths.js";

/**
 * The file index of the repository's default branch, listed from the shared mirror (`git ls-tree`), for
 * triage to resolve the paths people paste. The branch is fetched into a ref of triage's own; the index
 * is kept for the commit it was listed from and rebuilt only when a fetch moves the branch.
 */
export interface RepositoryFiles {
  index: FileIndex | undefined;
  /** Where the paths are resolved from, in words: the CLI prints it, the server logs it. */
  source: string;
}

export type RepositoryFilesLoader = ReturnType<typeof createRepositoryFiles>;

const shortCommit = (commit: string) => commit.slice(0, 12);

export function triageRefFor(defaultBranch: string): string {
  return `refs/hms-triage/${defaultBranch}`;
}

export function createRepositoryFiles({ config, git }: { config: Config; git: Git }) {
  const ownerOf = createFileOwnership(config.components);
  // Set by each refresh when the configuration leaves the default branch to the repository's HEAD.
  let branch = config.defaultBranch ?? FALLBACK_BRANCH;
  let kept: FileIndex | undefined;

  const mirrorOf = async (): Promise<string | undefined> => {
    const repo = (await chooseRepository(config, git))?.repo;
    return repo === undefined ? undefined : git.ensureMirror(repo, config.cacheDir);
  };

  const indexAt = async (mirror: string, commit: string): Promise<FileIndex> => {
    if (kept?.commit !== commit) kept = createFileIndex(commit, await git.listFiles(mirror, commit), ownerOf);
    return kept;
  };

  const describe = (index: FileIndex, note = "") =>
    `${index.size} files of ${branch} at ${shortCommit(index.commit)}${note}`;

  return {
    /**
     * Fetches the default branch (only what the mirror lacks), then returns the index of its commit.
     * Offline, the commit fetched last time serves; never fetched and offline, there is no index.
     */
    async refresh(): Promise<RepositoryFiles> {
      const mirror = await mirrorOf();
      branch = await defaultBranchOf(config, git);
      const ref = triageRefFor(branch);
      if (mirror === undefined) {
        return { index: undefined, source: "no repository: paths are read by components.<id>.paths alone" };
      }
      let commit: string | undefined;
      let note = "";
      try {
        commit = await git.fetchRef(mirror, `refs/heads/${branch}`, ref, `branch "${branch}"`);
      } catch (error) {
        commit = await git.resolveCommit(mirror, ref);
        const [why] = (error as Error).message.split("\n");
        if (commit === undefined) {
          return {
            index: undefined,
            source: `no file index (${why}): paths are read by components.<id>.paths alone`,
          };
        }
        note = ` (fetched before: ${why})`;
      }
      const index = await indexAt(mirror, commit);
      return { index, source: describe(index, note) };
    },

    /** The index of what the mirror has now, without fetching: cheap enough to call before each decision. */
    async current(): Promise<RepositoryFiles> {
      const mirror = await mirrorOf();
      const commit = mirror === undefined ? undefined : await git.resolveCommit(mirror, triageRefFor(branch));
      if (mirror === undefined || commit === undefined)
        return { index: kept, source: kept ? describe(kept) : "no file index yet" };
      const index = await indexAt(mirror, commit);
      return { index, source: describe(index) };
    },
  };
}
