/**
 * Cone-mode sparse worktrees of the shared mirror. The worktree is added without a checkout, told its
 * folders, then populated: from a partial mirror, only the blobs of those folders (and of the top-level
 * files) are downloaded, in one batch. Every step holds the mirror lock, as a full checkout does, since
 * downloading blobs writes into the mirror.
 */
import { HmsError } from "../errors.js";
import { type Exec, execHere } from "./exec.js";
import { git, gitFailure, type MirrorLock } from "./git.js";

async function step(what: string, args: string[], cwd: string, exec: Exec): Promise<void> {
  const result = await git(args, cwd, exec);
  if (result.exitCode !== 0) throw gitFailure(what, result.stderr);
}

export async function addSparseWorktree(
  withMirrorLock: MirrorLock,
  mirror: string,
  dir: string,
  commit: string,
  folders: readonly string[],
  exec: Exec = execHere,
): Promise<void> {
  const what = `cannot check out ${commit.slice(0, 12)} sparsely into ${dir}`;
  await withMirrorLock(mirror, async () => {
    await step(what, ["worktree", "add", "--no-checkout", "--detach", "--quiet", dir, commit], mirror, exec);
    // The sparse-checkout file and core.sparseCheckout are the worktree's own (extensions.worktreeConfig),
    // so full and sparse environments share one mirror without seeing each other's settings.
    await step(what, ["sparse-checkout", "set", "--cone", "--sparse-index", "--", ...folders], dir, exec);
    await step(what, ["read-tree", "-mu", "HEAD"], dir, exec);
  });
}

/** Adds folders to a live sparse worktree; each must be a folder at the environment's commit. */
export async function widenWorktree(
  withMirrorLock: MirrorLock,
  mirror: string,
  dir: string,
  commit: string,
  folders: readonly string[],
  exec: Exec = execHere,
): Promise<void> {
  for (const folder of folders) await checkIsFolder(mirror, commit, folder, exec);
  await withMirrorLock(mirror, () =>
    step(
      `cannot add ${folders.join(", ")} to ${dir}`,
      ["sparse-checkout", "add", "--", ...folders],
      dir,
      exec,
    ),
  );
}

/**
 * Looks the name up in its parent tree (`ls-tree`, which needs trees only: a partial mirror has them all,
 * and no blob is downloaded to answer).
 */
async function checkIsFolder(mirror: string, commit: string, folder: string, exec: Exec): Promise<void> {
  const slash = folder.lastIndexOf("/");
  const parent = slash === -1 ? "" : folder.slice(0, slash);
  const name = folder.slice(slash + 1);
  const listed = await git(["ls-tree", "-z", `${commit}:${parent}`], mirror, exec);
  const entry = listed.exitCode === 0 ? findEntry(listed.stdout, name) : undefined;
  if (entry === "tree") return;
  throw new HmsError(
    "INVALID_INPUT",
    entry === undefined
      ? `there is no folder ${folder} at commit ${commit.slice(0, 12)}`
      : `${folder} is a file, not a folder: widen takes folders (its folder is ${parent || "the root, always checked out"})`,
  );
}

/** `ls-tree -z` lines are `<mode> <type> <oid>\t<name>`, NUL-terminated, names unquoted. */
function findEntry(listing: string, name: string): string | undefined {
  for (const line of listing.split("\0")) {
    const tab = line.indexOf("\t");
    if (tab !== -1 && line.slice(tab + 1) === name) return line.split(" ")[1];
  }
  return undefined;
}
