import type { Config } from "../config/load.js";
import { HmsError } from "../errors.js";
import type { Git } from "./git.js";
import type { ProvisionPlan } from "./plan.js";
import { folderOfGlob } from "./sparse.js";

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
    const folders = [...new Set(paths.map(folderOfGlob).filter((folder): folder is string => !!folder))];
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
