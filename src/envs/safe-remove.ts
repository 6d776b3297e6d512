import { lstatSync, readdirSync, realpathSync, rmdirSync, rmSync, unlinkSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, sep } from "node:path";
import { HmsError } from "../errors.js";

/**
 * Whether `target` is strictly inside `root`, judged on real paths: a symlink anywhere above the target
 * cannot make a path outside the env root look like it is inside. The target itself is not resolved,
 * so a symlink placed where an environment should be is removed as a link, never followed.
 */
export function isInside(root: string, target: string): boolean {
  let realRoot: string;
  let realParent: string;
  try {
    realRoot = realpathSync(root);
    realParent = realpathSync(dirname(target));
  } catch {
    return false;
  }
  const candidate = join(realParent, basename(target));
  const rel = relative(realRoot, candidate);
  // "..env" is a name inside the root; only ".." itself or "../..." climbs out of it.
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Removes an environment's directory, refusing anything that is not inside the env root. */
export function removeInsideRoot(root: string, target: string): void {
  try {
    lstatSync(target);
  } catch {
    return; // already gone
  }
  if (!isInside(root, target)) {
    throw new HmsError("UNSAFE_PATH", `refusing to delete ${target}: it is not inside the env root ${root}`);
  }
  try {
    // rm does not follow symlinks inside the tree: links are unlinked, their targets stay.
    rmSync(target, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    const blocker = removeEntryByEntry(target);
    if (blocker !== undefined) {
      throw new HmsError("CLEANUP_FAILED", `cannot remove ${blocker.path}: ${whyNot(blocker)}`, {
        cause: blocker.error,
      });
    }
    if (pathExists(target)) throw error;
  }
}

interface Blocker {
  path: string;
  error: NodeJS.ErrnoException;
}

/**
 * rm reports the last call its walk made, not the one that stopped it: an immutable file fails unlink
 * with EPERM, rm then takes it for a folder and reports `ENOTDIR ... scandir`. This second walk, one
 * entry at a time and without following links, removes what it can and returns the first entry that
 * would not go, with the system's own reason for it.
 */
function removeEntryByEntry(path: string): Blocker | undefined {
  try {
    if (lstatSync(path).isDirectory()) {
      // Everything else still goes; the first entry that would not is the one reported.
      const blockers = readdirSync(path).map((name) => removeEntryByEntry(join(path, name)));
      const blocker = blockers.find((found) => found !== undefined);
      if (blocker !== undefined) return blocker;
      rmdirSync(path);
    } else {
      unlinkSync(path);
    }
    return undefined;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    // Gone already (a concurrent cleanup): nothing is in the way.
    return failure.code === "ENOENT" ? undefined : { path, error: failure };
  }
}

function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** What stops a removal, in words, with what to do about it. */
function whyNot({ path, error }: Blocker): string {
  const folder = dirname(path);
  switch (error.code) {
    case "EPERM":
      // Root gets EPERM only from an attribute: an immutable or append-only entry, or such a folder.
      return `operation not permitted; an immutable file? try chattr -i ${path} (lsattr -d shows it; the attribute may be on ${folder})`;
    case "EACCES":
      return `permission denied: this user cannot write in ${folder}; fix its permissions (chmod u+w ${folder})`;
    case "EROFS":
      return `${folder} is on a read-only file system; remount it read-write`;
    case "EBUSY":
      return "it is in use (a mount point?); unmount it first";
    default:
      return `${error.code ?? "error"}: ${error.message}`;
  }
}
