import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { HmsError } from "../errors.js";

/**
 * The env root is where hms-env deletes folders (cleanup, `gc --orphans`). A root at `/`, at a home
 * folder or at a repository (or any folder above one of those), or in the system's own folders, would
 * put everything a person or the machine needs one mistaken rule away from `rm -rf`, so such a root is
 * refused before anything runs.
 */
export interface EnvRootGuards {
  /** The home folders of whoever runs hms-env ($HOME and the account's own), if known. */
  homes: readonly string[];
  /** Local repositories hms-env works with: the configured repo, the checkout the config lives in. */
  repositories: readonly string[];
}

/** The real path of a folder that may not exist yet: its nearest existing ancestor resolved, the rest kept. */
export function realPathOf(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(realPathOf(parent), basename(absolute));
}

/** Whether `ancestor` is `path` itself or a folder above it. */
function isSameOrAbove(ancestor: string, path: string): boolean {
  const rel = relative(ancestor, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The folder holding `.git` at or above `dir`: the checkout a config file lives in, without running git. */
export function enclosingCheckout(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(join(current, ".git"))) return current;
    if (dirname(current) === current) return undefined;
  }
}

/**
 * Trees the kernel or the package manager owns: no env root anywhere inside them (/proc and /sys are
 * the kernel's, /nix/store Nix's, /usr and /etc the distribution's).
 */
const SYSTEM_TREES = [
  "/proc",
  "/sys",
  "/dev",
  "/etc",
  "/boot",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/usr",
  "/nix",
];

/** Shared folders that hold everyone's data: an env root may be made below them, never at them. */
const SYSTEM_FOLDERS = [
  "/var",
  "/var/lib",
  "/var/cache",
  "/var/log",
  "/var/tmp",
  "/run",
  "/tmp",
  "/opt",
  "/srv",
  "/mnt",
  "/media",
  "/home",
  "/root",
  "/snap",
];

/**
 * Shared scratch folders inside the system's trees: like /tmp, an env root may be made below them,
 * never at them. /dev/shm is the tmpfs many machines have for fast throwaway checkouts.
 */
const SCRATCH_IN_SYSTEM_TREES = ["/dev/shm"];

/** The system folder the real path is, or lies in, when that rules it out as an env root. */
function systemFolderOf(root: string): string | undefined {
  const scratch = SCRATCH_IN_SYSTEM_TREES.find((folder) => isSameOrAbove(realPathOf(folder), root));
  if (scratch !== undefined) return realPathOf(scratch) === root ? scratch : undefined;
  // Real paths, so /lib linked to /usr/lib (a merged /usr) is named as what it is.
  const tree = SYSTEM_TREES.map(realPathOf).find((folder) => isSameOrAbove(folder, root));
  return tree ?? SYSTEM_FOLDERS.map(realPathOf).find((folder) => folder === root);
}

/**
 * Throws CONFIG_INVALID (exit 2) naming the rule when `envRoot` is `/`, a system folder (or inside one
 * of the system's trees), a home or a repository, or above one.
 */
export function checkEnvRoot(envRoot: string, guards: EnvRootGuards, where: string): void {
  const root = realPathOf(envRoot);
  const refuse = (what: string) => {
    throw new HmsError(
      "CONFIG_INVALID",
      `${where}: envRoot ${envRoot} is ${what}; hms-env deletes folders under its env root, so give it a folder of its own (e.g. /srv/hms-envs or ./temp_envs)`,
    );
  };
  if (dirname(root) === root) refuse("the root of the file system");
  const system = systemFolderOf(root);
  if (system !== undefined) {
    refuse(
      root === realPathOf(system) ? `the system folder ${system}` : `inside the system folder ${system}`,
    );
  }
  for (const home of guards.homes) {
    if (isSameOrAbove(root, realPathOf(home))) {
      refuse(root === realPathOf(home) ? `the home folder ${home}` : `above the home folder ${home}`);
    }
  }
  for (const repository of guards.repositories) {
    const real = realPathOf(repository);
    if (isSameOrAbove(root, real)) {
      refuse(root === real ? `the repository ${repository} itself` : `above the repository ${repository}`);
    }
  }
}
