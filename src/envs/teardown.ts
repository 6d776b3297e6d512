import { existsSync } from "node:fs";
import { HmsError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import type { EnvContext } from "./context.js";
import { isInside, removeInsideRoot } from "./safe-remove.js";

/** Each environment pins its commit with a ref of its own in the mirror, dropped at teardown. */
export function envRef(id: string): string {
  return `refs/hms-env/${id}`;
}

/**
 * Removes what an environment holds on disk: its worktree through git (so the mirror keeps no stale
 * entry), its ref, and its folder with the GC roots inside. Used by cleanup, by a failed provisioning's
 * rollback and by the reconciler, so all three leave the same nothing behind. The folder is checked
 * against the env root before anything is touched: a refused environment keeps its checkout too.
 */
export async function teardown(context: EnvContext, env: EnvRecord): Promise<void> {
  const { envRoot } = context.config;
  if (env.path !== "" && existsSync(env.path) && !isInside(envRoot, env.path)) {
    throw new HmsError(
      "UNSAFE_PATH",
      `refusing to delete ${env.path}: it is not inside the env root ${envRoot}`,
    );
  }
  if (env.mirror !== "") {
    if (env.workdir !== "") await context.git.removeWorktree(env.mirror, env.workdir);
    await context.git.deleteRef(env.mirror, envRef(env.id));
  }
  if (env.path !== "") removeInsideRoot(envRoot, env.path);
}
