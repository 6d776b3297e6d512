/** The real Nix store, as the Nix tests look at it: stand-in nixpkgs of their own and nix-store queries. */
import { randomBytes } from "node:crypto";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { PROJECT_ROOT } from "./workspace.js";

export const STAND_IN = join(PROJECT_ROOT, "test", "fixtures", "nixpkgs");

/**
 * A copy of the stand-in nixpkgs with a salt of its own, so its derivations are new to the store
 * (cold, whatever other tests built), and optionally a minimum Nix version of its own, or its
 * default.nix changed by `edit` (a package removed, a build made slow).
 */
export function standInCopy(
  dir: string,
  name: string,
  minver?: string,
  edit?: (defaultNix: string) => string,
): string {
  const tree = join(dir, name);
  cpSync(STAND_IN, tree, { recursive: true });
  writeFileSync(join(tree, "salt"), `${name}-${randomBytes(8).toString("hex")}`);
  if (minver) writeFileSync(join(tree, "lib", "minver.nix"), `"${minver}"\n`);
  if (edit) {
    const file = join(tree, "default.nix");
    writeFileSync(file, edit(readFileSync(file, "utf8")));
  }
  return tree;
}

export async function store(...args: string[]) {
  return execa("nix-store", args, { reject: false, stdin: "ignore" });
}

/**
 * What the garbage collector would free now. The tests share the machine's store with other tests,
 * so they ask the real collector (`--print-dead`) and delete only their own salted paths, which
 * `nix-store --delete` refuses while anything roots them, as `nix-collect-garbage` would spare them.
 */
export async function deadPaths(): Promise<Set<string>> {
  return new Set((await store("--gc", "--print-dead")).stdout.split("\n").filter(Boolean));
}
