/**
 * Pure rules of sparse checkouts: which folders an environment of some components gets, and which
 * folder names a person may add later. No I/O, so planning and `widen` share them and tests are cheap.
 */
import { posix } from "node:path";
import picomatch from "picomatch";
import { checkFolder } from "../config/folder.js";
import type { ComponentConfig } from "../config/schema.js";
import type { EnvRecord } from "../store/schema.js";

export type CheckoutMode = "full" | "sparse";

/** What an environment's checkout holds; `folders` is empty for a full checkout. */
export interface CheckoutPlan {
  mode: CheckoutMode;
  folders: string[];
  /** Why a sparse request became a full checkout, when it did. */
  note?: string;
}

/**
 * The folder a component's glob lives under: `SYSTEM-COMPONENTS/HMS-DEV/**` gives
 * `SYSTEM-COMPONENTS/HMS-DEV`. A pattern without wildcards names one file (as picomatch matches it), so
 * its folder is the parent. "" means the pattern reaches the repository root.
 */
export function folderOfGlob(pattern: string): string | null {
  const scan = picomatch.scan(pattern);
  // A negation narrows what a component owns; the other patterns already cover its folders.
  if (scan.negated) return null;
  const base = scan.isGlob ? scan.base : posix.dirname(scan.base);
  return base === "." ? "" : base.replace(/\/+$/, "");
}

/** Drops folders already inside another one of the list (cone mode would include them anyway). */
function outermost(folders: Iterable<string>): string[] {
  const sorted = [...new Set(folders)].sort();
  return sorted.filter(
    (folder) => !sorted.some((other) => other !== folder && folder.startsWith(`${other}/`)),
  );
}

/**
 * The checkout of an environment for these components. Sparse: the components' folders, the folders of
 * `alwaysInclude`, and (cone mode always has them) the top-level files. A component whose globs reach the
 * repository root cannot be narrowed, so such a request falls back to a full checkout, and says why.
 */
export function planCheckout(
  mode: CheckoutMode,
  components: ReadonlyArray<[id: string, config: ComponentConfig]>,
  alwaysInclude: readonly string[],
): CheckoutPlan {
  if (mode === "full") return { mode, folders: [] };
  const folders: string[] = [];
  for (const [id, component] of components) {
    for (const pattern of component.paths) {
      const folder = folderOfGlob(pattern);
      if (folder === null) continue;
      if (folder === "" || !isValidFolder(folder)) {
        return {
          mode: "full",
          folders: [],
          note: `${id}'s path ${JSON.stringify(pattern)} is not under one folder, so the whole repository is checked out`,
        };
      }
      folders.push(folder);
    }
  }
  return { mode, folders: outermost([...folders, ...alwaysInclude]) };
}

function isValidFolder(folder: string): boolean {
  try {
    checkFolder(folder);
    return true;
  } catch {
    return false;
  }
}

/** The folders after `widen`: the old ones and the new ones, without repeats or nested duplicates. */
export function widenedFolders(current: readonly string[], added: readonly string[]): string[] {
  return outermost([...current, ...added]);
}

/** The folders to pass to git for a sparse environment; undefined for a full one (and older records). */
export function sparseFoldersOf(env: Pick<EnvRecord, "checkout">): string[] | undefined {
  return env.checkout?.mode === "sparse" ? env.checkout.folders : undefined;
}

/** " (sparse: a, b and the top-level files)" for messages; "" for a full checkout. */
export function describeCheckout(env: Pick<EnvRecord, "checkout">): string {
  const folders = sparseFoldersOf(env);
  return folders === undefined ? "" : ` (sparse: ${[...folders, "the top-level files"].join(", ")})`;
}
