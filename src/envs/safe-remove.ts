import { lstatSync, realpathSync, rmSync } from "node:fs";
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
  // rm does not follow symlinks inside the tree: links are unlinked, their targets stay.
  rmSync(target, { recursive: true, force: true, maxRetries: 3 });
}
