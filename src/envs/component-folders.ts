import { join } from "node:path";
import type { Config } from "../config/load.js";
import { HmsError } from "../errors.js";
import { META_DIR } from "./context.js";
import type { Git } from "./git.js";
import type { ProvisionPlan } from "./plan.js";
import { folderOfGlob } from "./sparse.js";

/** The folders of a component's `paths`, without repeats (a glob at the root gives none). */
function foldersOf(component: { paths: readonly string[] } | undefined): string[] {
  const folders = (component?.paths ?? []).map(folderOfGlob);
  return [...new Set(folders.filter((folder): folder is string => !!folder))];
}

/**
 * Where each component lives in the checkout, for the shell's HMS_SME_ROOT, HMS_ESR_ROOT, ESR_CONFIG
 * and HMS_SYS_ROOT: hms-env.nix reads this file of the environment (the HMS layout under
 * SYSTEM-COMPONENTS/ without it), so a repository laid out otherwise gets roots that exist.
 */
export const COMPONENT_ROOTS_FILE = join(META_DIR, "component-roots.json");

/** Each component's first folder, by id (none for one whose paths start at the root). */
export function componentRoots(components: Config["components"]): Record<string, string> {
  const roots: Record<string, string> = {};
  for (const [id, component] of Object.entries(components)) {
    const [root] = foldersOf(component);
    if (root !== undefined) roots[id] = root;
  }
  return roots;
}

/**
 * A sparse checkout of a folder the commit does not have succeeds and is empty, so an environment
 * whose component lives elsewhere (another layout, `paths` that were never adjusted, a branch from
 * before the component existed) would be "ready" with nothing in it. Each component must have at
 * least one of its folders at the commit; COMPONENT_FOLDER_MISSING (exit 2) names the first that has
 * none, before anything is reserved.
 */
export async function checkComponentFolders(
  git: Pick<Git, "isFolder">,
  config: Pick<Config, "components">,
  plan: Pick<ProvisionPlan, "components" | "checkout" | "shownAs">,
  mirror: string,
  commit: string,
): Promise<void> {
  if (plan.checkout.mode !== "sparse") return;
  for (const id of plan.components) {
    const paths = config.components[id]?.paths ?? [];
    const folders = foldersOf(config.components[id]);
    if (folders.length === 0) continue;
    const present = await Promise.all(folders.map((folder) => git.isFolder(mirror, commit, folder)));
    if (present.some(Boolean)) continue;
    const named = folders.length === 1 ? `folder ${folders[0]}` : `folders ${folders.join(", ")}`;
    throw new HmsError(
      "COMPONENT_FOLDER_MISSING",
      `component ${id}'s ${named} (from its paths ${paths.join(", ")}) does not exist at ${plan.shownAs} (${commit.slice(0, 12)}): set components.${id}.paths in hms.config.yaml to where ${id} lives in this repository, or provision a branch that has it`,
    );
  }
}
