/**
 * Submodules of an environment's checkout. A worktree is checked out without them, which leaves their
 * folders empty in an environment called ready, so they are initialised as `git clone
 * --recurse-submodules` would: their URLs resolve against the mirror's origin (relative ones too), and
 * their repositories live in the worktree's own git folder, so they go with the worktree.
 */
import { type Exec, execHere } from "./exec.js";
import { git, gitFailure, type MirrorLock } from "./git.js";

/** The paths of the submodules `.gitmodules` declares in the checkout at `dir` (none without one). */
async function declaredSubmodules(dir: string, exec: Exec): Promise<string[]> {
  const listed = await git(
    ["config", "--file", ".gitmodules", "--null", "--get-regexp", "^submodule\\..*\\.path$"],
    dir,
    exec,
  );
  if (listed.exitCode !== 0) return []; // no .gitmodules, or no path in it
  return listed.stdout
    .split("\0")
    .filter((entry) => entry !== "")
    .map((entry) => entry.slice(entry.indexOf("\n") + 1));
}

/** Whether `path` lies in one of the sparse checkout's folders (every path does in a full one). */
function checkedOut(path: string, folders: readonly string[] | undefined): boolean {
  return folders === undefined || folders.some((folder) => path === folder || path.startsWith(`${folder}/`));
}

/**
 * `git submodule update --init --recursive` for the submodules the checkout holds (a sparse one: those
 * inside its folders only), under the mirror's lock, since initialising writes their URLs into the
 * mirror's config. Returns how many there were; a failure (a URL this machine cannot reach) is GIT_FAILED.
 */
export async function initSubmodules(
  withMirrorLock: MirrorLock,
  mirror: string,
  dir: string,
  folders: readonly string[] | undefined,
  exec: Exec = execHere,
): Promise<number> {
  const paths = (await declaredSubmodules(dir, exec)).filter((path) => checkedOut(path, folders));
  if (paths.length === 0) return 0;
  const update = await withMirrorLock(mirror, () =>
    git(["submodule", "update", "--init", "--recursive", "--", ...paths], dir, exec),
  );
  if (update.exitCode !== 0) {
    throw gitFailure(`cannot check out the submodules ${paths.join(", ")} in ${dir}`, update.stderr);
  }
  return paths.length;
}
