import { execa } from "execa";

/**
 * The paths at `commit` whose blobs the mirror holds (`present`) or lacks, found without downloading
 * anything: `rev-list --missing=print` names the missing objects, `ls-tree` (trees only) their paths.
 */
export async function blobPaths(
  mirror: string,
  commit: string,
  which: "present" | "missing",
): Promise<string[]> {
  const run = async (...args: string[]) =>
    (await execa("git", args, { cwd: mirror, stdin: "ignore" })).stdout;
  const missing = new Set(
    (await run("rev-list", "--objects", "--missing=print", commit))
      .split("\n")
      .filter((line) => line.startsWith("?"))
      .map((line) => line.slice(1)),
  );
  return (await run("ls-tree", "-r", commit))
    .split("\n")
    .map((line) => line.split(/\s+/))
    .filter(([, , oid]) => missing.has(oid ?? "") === (which === "missing"))
    .map((fields) => fields[3] ?? "")
    .sort();
}

/** `git worktree list --porcelain` of the mirror: every worktree it knows, one `worktree PATH` line each. */
export async function worktrees(mirror: string): Promise<string> {
  return (await execa("git", ["worktree", "list", "--porcelain"], { cwd: mirror, stdin: "ignore" })).stdout;
}
