/**
 * The one GC root on the pinned nixpkgs tree. No built shell references the tree it was evaluated
 * from, so without a root of its own the first garbage collection deletes it, and the next provisioning
 * must download it again: offline, it cannot. Warm and every provisioning move this root to the tree
 * of the pin they used; the doctor says when it is missing.
 */
import { existsSync, mkdirSync, readlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import type { NixConfig } from "../config/load.js";
import type { Check } from "./doctor.js";
import { type Exec, execHere } from "./exec.js";
import { PIN_FILE, pinDir, pinStorePath, readPin } from "./nixpkgs.js";

/** Where hms-env keeps GC roots of its own (warmed shells, the pin): beside the state file. */
export function gcRootsDir(stateFile: string): string {
  return join(dirname(stateFile), "gcroots");
}

export function pinRootPath(stateFile: string): string {
  return join(gcRootsDir(stateFile), "nixpkgs");
}

/**
 * The store path of the pinned tree the shell of `nixFile` is evaluated against (its nixpkgs.json, or
 * the shipped one), or undefined when the configuration selects a channel or a path, which Nix or the
 * person keeps.
 */
export async function pinnedTree(
  settings: NixConfig,
  nixFile: string,
  env: Record<string, string>,
  exec: Exec = execHere,
): Promise<string | undefined> {
  if (settings.nixpkgs.kind !== "pinned") return undefined;
  return pinStorePath(readPin(join(pinDir(nixFile), PIN_FILE)), env, exec);
}

/**
 * Points the pin's root at the tree the shell of `nixFile` was just evaluated against (so it is in the
 * store), through `nixStore`, which runs nix-store with the caller's environment and error handling.
 */
export async function rootPinnedTree(
  settings: NixConfig,
  nixFile: string,
  root: string,
  env: Record<string, string>,
  exec: Exec,
  nixStore: (args: string[]) => Promise<unknown>,
): Promise<void> {
  const tree = await pinnedTree(settings, nixFile, env, exec);
  if (tree === undefined) return;
  mkdirSync(dirname(root), { recursive: true });
  await nixStore(["--realise", tree, "--add-root", root, "--indirect"]);
}

/** Where the root points, or undefined when there is none. */
export function pinRootTarget(root: string): string | undefined {
  try {
    return readlinkSync(root);
  } catch {
    return undefined;
  }
}

/**
 * The doctor's check: whether Nix itself counts `root` among the roots of the pinned tree (a link
 * that Nix never registered keeps nothing). Nothing to say for a channel or a path, or while the tree
 * is not in the store (the nixpkgs check says that).
 */
export async function checkPinRoot(
  settings: NixConfig,
  stateFile: string,
  env: Record<string, string>,
  exec: Exec = execHere,
): Promise<Check[]> {
  let tree: string | undefined;
  try {
    tree = await pinnedTree(settings, settings.file, env, exec);
  } catch {
    return []; // an unreadable pin: the nixpkgs check reports it
  }
  if (tree === undefined || !existsSync(tree)) return [];
  const root = pinRootPath(stateFile);
  const roots = await exec("nix-store", ["--query", "--roots", tree], { env });
  if (roots.exitCode === 0 && roots.stdout.split("\n").includes(`${root} -> ${tree}`)) {
    return [{ name: "pin root", ok: true, detail: `${root} -> ${tree}` }];
  }
  const now = pinRootTarget(root);
  return [
    {
      name: "pin root",
      ok: false,
      detail: `the pinned nixpkgs ${tree} has no GC root (${root} ${now === undefined ? "is missing" : `points at ${now}`}): the next garbage collection deletes it, and without network it cannot be fetched again`,
      fix: "run hms-env warm (provisioning an environment makes the root too)",
    },
  ];
}
