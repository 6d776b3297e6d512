import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { enclosingCheckout } from "../config/env-root.js";

/** Ignores everything in its folder, itself included, so the folder never shows in `git status`. */
const IGNORE_ALL = "# made by hms-env: environments and mirrors are never part of the repository\n*\n";

/**
 * Makes the env root. One made inside a git working tree (an `envRoot` set to a folder of the
 * monorepo) gets a `.gitignore` of `*`, so `git add -A` never takes environments, mirrors or checkouts
 * into a commit. `git clean -fdx` still removes ignored files: README "Configuration" says why the
 * default is in the git directory instead.
 */
export function makeEnvRoot(envRoot: string): void {
  if (existsSync(envRoot)) return;
  mkdirSync(envRoot, { recursive: true });
  if (enclosingCheckout(dirname(envRoot)) !== undefined) {
    writeFileSync(join(envRoot, ".gitignore"), IGNORE_ALL);
  }
}
