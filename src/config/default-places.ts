import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { enclosingCheckout } from "./env-root.js";

/** The seed's names, kept wherever they are put. */
export const ENV_ROOT_NAME = "temp_envs";
export const STATE_FILE_NAME = join("data", "state.json");
/** hms-env's own folder inside a repository's git directory. */
export const GIT_DIR_HOME = "hms-env";

/**
 * The git directory shared by every worktree of the checkout holding `dir`, found without running
 * git: `.git` itself, or the folder a `.git` file (a linked worktree, a submodule) names, followed to
 * its `commondir`. Undefined outside a checkout or when `.git` cannot be read.
 */
export function commonGitDir(dir: string): string | undefined {
  const checkout = enclosingCheckout(dir);
  if (checkout === undefined) return undefined;
  const dotGit = join(checkout, ".git");
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, "utf8"))?.[1]?.trim();
    if (pointer === undefined) return undefined;
    const gitDir = resolve(checkout, pointer);
    const common = join(gitDir, "commondir");
    return existsSync(common) ? resolve(gitDir, readFileSync(common, "utf8").trim()) : gitDir;
  } catch {
    return undefined;
  }
}

/**
 * Where the env root and the state file go when the configuration does not say. Inside a git
 * checkout (the seed's command is run from the monorepo's root) they go into its git directory,
 * `.git/hms-env/temp_envs` and `.git/hms-env/data/state.json`: in the working tree they would be
 * untracked files that `git add -A` commits, `git clean -fdx` deletes under running environments,
 * and whole copies of the monorepo that editors, file watchers, build globs and `docker build`
 * contexts walk through. Git never touches unknown folders in its own directory. A state file an
 * earlier version left at `./data/state.json` keeps both where they were, so no environment is lost.
 * Outside a checkout: `./temp_envs` and `./data/state.json`.
 */
export function defaultPlaces(baseDir: string): { envRoot: string; stateFile: string } {
  const inTree = { envRoot: resolve(baseDir, ENV_ROOT_NAME), stateFile: resolve(baseDir, STATE_FILE_NAME) };
  const gitDir = commonGitDir(baseDir);
  if (gitDir === undefined || existsSync(inTree.stateFile)) return inTree;
  const home = join(gitDir, GIT_DIR_HOME);
  return { envRoot: join(home, ENV_ROOT_NAME), stateFile: join(home, STATE_FILE_NAME) };
}
