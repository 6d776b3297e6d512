import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { resolveRepo } from "../config/load.js";
import { HmsError } from "../errors.js";
import { currentLockSignal, type LockHolder, type LockOptions, withFileLock } from "../store/file-lock.js";
import { type Exec, execHere } from "./exec.js";
import { createGitNetwork, type GitNetworkOptions, shownRemote } from "./git-network.js";
import { chooseMirrorKind, noteFilterRefused } from "./partial-mirror.js";
import { forgetRefMaker, noteRefMaker } from "./ref-makers.js";
import { addSparseWorktree, widenWorktree } from "./sparse-checkout.js";
import { initSubmodules } from "./submodules.js";

/**
 * Git through argument arrays only (no shell ever sees a branch name). One bare mirror per repository
 * is shared by every environment; each environment fetches just the ref it needs into a ref of its own
 * and gets a detached worktree, so a second environment costs a checkout, not a download.
 */
export interface Git {
  /** Runs `task` holding the mirror's lock (every change to a mirror does, in every process). */
  withMirrorLock: MirrorLock;
  /** The git toplevel of `cwd`, or undefined outside a repository. */
  toplevel(cwd: string): Promise<string | undefined>;
  /**
   * What a checkout is a clone of: its `origin` remote's URL (a relative path made absolute), where
   * branches and PRs are pushed, or the checkout itself when it has no origin. Undefined outside one.
   */
  repositoryOf(cwd: string): Promise<{ repo: string; origin: boolean } | undefined>;
  /** `git check-ref-format --branch`: throws INVALID_INPUT naming the branch when git rejects it. */
  checkBranchName(branch: string): Promise<void>;
  /** The repository's mirror, made on first use: partial (`blob:none`) when `partialClone` and the remote allow it. */
  ensureMirror(repo: string, cacheDir: string, options?: { partialClone?: boolean }): Promise<string>;
  /** Fetches `sourceRef` from origin into `localRef` and returns its commit. */
  fetchRef(mirror: string, sourceRef: string, localRef: string, shownAs: string): Promise<string>;
  /** A detached worktree at `commit`: every file, or (given `sparseFolders`) a cone-mode sparse checkout. */
  addWorktree(mirror: string, dir: string, commit: string, sparseFolders?: readonly string[]): Promise<void>;
  /** Initialises the worktree's submodules (a sparse one's: those in its folders); returns how many. */
  initSubmodules(mirror: string, dir: string, sparseFolders?: readonly string[]): Promise<number>;
  /** Adds folders to a sparse worktree (`git sparse-checkout add`); each must be a folder at `commit`. */
  widenWorktree(mirror: string, dir: string, commit: string, folders: readonly string[]): Promise<void>;
  /** Removes the worktree and its administrative entry; a worktree already gone is not an error. */
  removeWorktree(mirror: string, dir: string): Promise<void>;
  deleteRef(mirror: string, localRef: string): Promise<void>;
  /** Forgets worktrees whose folders were deleted without git. */
  pruneWorktrees(mirror: string): Promise<void>;
  /** The commit a ref of the mirror points to, or undefined when it has none. */
  resolveCommit(mirror: string, ref: string): Promise<string | undefined>;
  /** The branch a repository's HEAD names (`ls-remote --symref`), or undefined when it cannot say. */
  remoteHead(repo: string): Promise<string | undefined>;
  /** Whether `folder` is a folder at `commit` (trees only: a partial mirror answers without a download). */
  isFolder(mirror: string, commit: string, folder: string): Promise<boolean>;
  /** Every file of a commit, from the repository root (trees only: a partial clone has them all). */
  listFiles(mirror: string, commit: string): Promise<string[]>;
}

/** Keeps git from asking for credentials on a terminal nobody watches, and its messages parseable. */
export const GIT_ENV = { GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };

export async function git(args: string[], cwd?: string, exec: Exec = execHere) {
  // Under a mirror lock that is lost meanwhile (this process was paused past its stale time and another
  // took it over), git stops at once rather than work on another's mirror.
  return exec("git", args, { cwd, env: GIT_ENV, signal: currentLockSignal() });
}

export function gitFailure(what: string, stderr: string, cause?: unknown): HmsError {
  return new HmsError("GIT_FAILED", `${what}: ${stderr.trim() || "git failed"}`, { cause });
}

export function mirrorPathFor(repo: string, cacheDir: string): string {
  const name = basename(repo.replace(/\/+$/, ""))
    .replace(/\.git$/, "")
    .replace(/[^A-Za-z0-9._-]/g, "_");
  const digest = createHash("sha256").update(repo).digest("hex").slice(0, 12);
  return join(cacheDir, `${name || "repo"}-${digest}.git`);
}

/**
 * A fetch of a large monorepo can take minutes: the holder refreshes the lock (a heartbeat every
 * holdMs/3) for as long as git runs, so the lock itself can be short-lived. A holder killed with
 * kill -9 on this machine is taken over at once (its pid is gone); one on another host stops beating
 * and is taken over after holdMs: seconds, not the minutes a fetch may last. Waiting for a live holder
 * still has the whole of waitMs. A holder that loses its lock (paused past holdMs) has its git command
 * stopped and fails with MIRROR_LOCK_LOST.
 */
export const MIRROR_LOCK: LockOptions = {
  holdMs: 15_000,
  waitMs: 600_000,
  what: "mirror",
  lostCode: "MIRROR_LOCK_LOST",
  sayWaitingAfterMs: 5_000,
};

/** Serializes work on one mirror across processes (two provisions of a new repo must not both init it). */
export type MirrorLock = <T>(mirror: string, task: () => Promise<T>) => Promise<T>;

/** The mirror lock as `holder` takes it: its owner file names that process. */
export function mirrorLock(holder: LockHolder): MirrorLock {
  return (mirror, task) => withFileLock(mirror, { ...MIRROR_LOCK, holder }, task);
}

/**
 * Git for `holder`, the process whose name goes into the mirror locks it takes (src/cli.ts describes it).
 * `exec` runs git: `serve` passes its helper process (see exec.ts), the command line runs it itself.
 * `network` limits the commands that talk to the remote (git-network.ts).
 */
export function createGit({
  holder,
  exec = execHere,
  network: limits,
}: {
  holder: LockHolder;
  exec?: Exec;
  network?: Omit<GitNetworkOptions, "exec">;
}): Git {
  const withMirrorLock = mirrorLock(holder);
  const run = (args: string[], cwd?: string) => git(args, cwd, exec);
  const toplevel = async (cwd: string) => {
    const result = await run(["rev-parse", "--show-toplevel"], cwd);
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  };
  const network = createGitNetwork({ exec, env: limits?.env ?? {}, timeouts: limits?.timeouts });
  return {
    withMirrorLock,
    toplevel,

    async repositoryOf(cwd) {
      const top = await toplevel(cwd);
      if (top === undefined) return undefined;
      const origin = await run(["remote", "get-url", "origin"], top);
      const url = origin.stdout.trim();
      if (origin.exitCode !== 0 || url === "") return { repo: top, origin: false };
      return { repo: resolveRepo(url, top), origin: true };
    },

    async checkBranchName(branch) {
      // Outside any repository: inside one, git would expand "@{-1}" to the previous branch.
      const result = await exec("git", ["check-ref-format", "--branch", branch], {
        cwd: tmpdir(),
        env: { ...GIT_ENV, GIT_CEILING_DIRECTORIES: tmpdir() },
      });
      if (result.exitCode !== 0 || result.stdout !== branch) {
        throw new HmsError(
          "INVALID_INPUT",
          `branch "${branch}" is not a valid branch name (git check-ref-format --branch rejects it)`,
        );
      }
    },

    async ensureMirror(repo, cacheDir, { partialClone = true } = {}) {
      mkdirSync(cacheDir, { recursive: true });
      const mirror = mirrorPathFor(repo, cacheDir);
      await withMirrorLock(mirror, async () => {
        if (existsSync(join(mirror, "HEAD"))) return;
        const init = await run(["init", "--bare", "--quiet", mirror]);
        if (init.exitCode !== 0) throw gitFailure(`cannot create the mirror ${mirror}`, init.stderr);
        const remote = await run(["remote", "add", "origin", repo], mirror);
        if (remote.exitCode !== 0)
          throw gitFailure(`cannot set the mirror's origin to ${repo}`, remote.stderr);
        // No default refspec: a fetch then updates only the ref an environment asked for, nothing else.
        await run(["config", "--unset-all", "remote.origin.fetch"], mirror);
        await chooseMirrorKind(mirror, partialClone);
      });
      return mirror;
    },

    async fetchRef(mirror, sourceRef, localRef, shownAs) {
      // The second ref outlives the environment: with it, the next fetch of the same branch negotiates
      // from what the mirror has and checks connectivity from there, instead of walking all history.
      // Named by a digest: refs/heads/a and refs/heads/a/b may both be fetched, and as plain ref names
      // one would block the other for good.
      const remembered = `refs/mirror/${createHash("sha256").update(sourceRef).digest("hex").slice(0, 24)}`;
      const fetching = network("fetch", `fetch of ${shownAs}`);
      const fetch = await withMirrorLock(mirror, () => {
        // Named before the ref exists: gc may then prune it at once should this process die.
        noteRefMaker(mirror, localRef, holder);
        return git(
          [
            "fetch",
            "--no-tags",
            "--quiet",
            "origin",
            `+${sourceRef}:${localRef}`,
            `+${sourceRef}:${remembered}`,
          ],
          mirror,
          fetching,
        );
      });
      await noteFilterRefused(mirror, fetch.stderr);
      if (fetch.exitCode !== 0) {
        if (/couldn't find remote ref|no such ref/i.test(fetch.stderr)) {
          throw new HmsError("REF_NOT_FOUND", `${shownAs} does not exist in the repository`);
        }
        throw gitFailure(`cannot fetch ${shownAs}`, fetch.stderr);
      }
      const commit = await run(["rev-parse", "--verify", "--quiet", `${localRef}^{commit}`], mirror);
      if (commit.exitCode !== 0) throw gitFailure(`${shownAs} did not resolve to a commit`, commit.stderr);
      return commit.stdout.trim();
    },

    // Worktree changes hold the mirror lock too: a fetch checks every worktree's HEAD, and one being
    // added by another provisioning at that moment reads as "bad object worktrees/.../HEAD".
    async addWorktree(mirror, dir, commit, sparseFolders) {
      // From a partial mirror the checkout downloads the blobs of its files: a network step too.
      const checkout = network("checkout", `checkout of ${commit.slice(0, 12)}`);
      if (sparseFolders !== undefined)
        return addSparseWorktree(withMirrorLock, mirror, dir, commit, sparseFolders, checkout);
      const add = await withMirrorLock(mirror, () =>
        git(["worktree", "add", "--detach", "--quiet", dir, commit], mirror, checkout),
      );
      if (add.exitCode !== 0)
        throw gitFailure(`cannot check out ${commit.slice(0, 12)} into ${dir}`, add.stderr);
    },

    initSubmodules: (mirror, dir, sparseFolders) =>
      initSubmodules(withMirrorLock, mirror, dir, sparseFolders, exec),

    widenWorktree: (mirror, dir, commit, folders) =>
      widenWorktree(
        withMirrorLock,
        mirror,
        dir,
        commit,
        folders,
        network("checkout", `checkout of ${folders.join(", ")}`),
      ),

    async removeWorktree(mirror, dir) {
      if (!existsSync(mirror)) return;
      const remove = await withMirrorLock(mirror, async () => {
        const result = await run(["worktree", "remove", "--force", "--force", dir], mirror);
        await run(["worktree", "prune"], mirror);
        return result;
      });
      if (remove.exitCode !== 0 && !/is not a working tree|No such file/i.test(remove.stderr)) {
        // A file git cannot delete (an immutable one): the removal of the environment's folder that
        // follows names that file and the real cause, where git only says "failed to delete" the folder.
        // Once the checkout is gone, the next prune drops the worktree's entry.
        if (/failed to delete/i.test(remove.stderr)) return;
        throw gitFailure(`cannot remove the worktree ${dir}`, remove.stderr);
      }
    },

    async pruneWorktrees(mirror) {
      if (existsSync(mirror)) await withMirrorLock(mirror, () => run(["worktree", "prune"], mirror));
    },

    async resolveCommit(mirror, ref) {
      const result = await run(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], mirror);
      return result.exitCode === 0 ? result.stdout.trim() : undefined;
    },

    async remoteHead(repo) {
      // Under the network limits: a remote that never answers gives no answer here, not a hang.
      const asked = network("fetch", `the default branch of ${shownRemote(repo)}`);
      const listed = await git(["ls-remote", "--symref", "--", repo, "HEAD"], undefined, asked).catch(
        () => undefined,
      );
      if (listed === undefined || listed.exitCode !== 0) return undefined;
      return /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(listed.stdout)?.[1];
    },

    async isFolder(mirror, commit, folder) {
      // Everything after the first ":" is the path, so a peel suffix would be read as part of the name.
      const result = await run(["cat-file", "-t", `${commit}:${folder}`], mirror);
      return result.exitCode === 0 && result.stdout.trim() === "tree";
    },

    async listFiles(mirror, commit) {
      // -z: names as they are, not C-quoted (core.quotePath) when they hold non-ASCII characters.
      const result = await run(["ls-tree", "-r", "-z", "--name-only", commit], mirror);
      if (result.exitCode !== 0)
        throw gitFailure(`cannot list the files of ${commit.slice(0, 12)}`, result.stderr);
      return result.stdout.split("\0").filter((file) => file !== "");
    },

    async deleteRef(mirror, localRef) {
      if (!existsSync(mirror)) return;
      const deleted = await withMirrorLock(mirror, async () => {
        const result = await run(["update-ref", "-d", localRef], mirror);
        if (result.exitCode === 0) forgetRefMaker(mirror, localRef);
        return result;
      });
      // A ref already gone exits 0; any other failure would leak the ref and every object it keeps.
      if (deleted.exitCode !== 0) throw gitFailure(`cannot delete ${localRef} in ${mirror}`, deleted.stderr);
    },
  };
}
