import type { EnvRecord } from "../store/schema.js";
import type { EnvContext } from "./context.js";
import { removeInsideRoot } from "./safe-remove.js";

/** Each environment pins its commit with a ref of its own in the mirror, dropped at teardown. */
export function envRef(id: string): string {
  return `refs/hms-env/${id}`;
}

/**
 * Removes what an environment holds on disk: its worktree through git (so the mirror keeps no stale
 * entry), its ref, and its folder with the GC roots inside. Used by cleanup, by a failed provisioning's
 * rollback and by the reconciler, so all three leave the same nothing behind.
 */
export async function teardown(context: EnvContext, env: EnvRecord): Promise<void> {
  if (env.mirror !== "") {
    await context.git.removeWorktree(env.mirror, env.workdir);
    await context.git.deleteRef(env.mirror, envRef(env.id));
  }
  removeInsideRoot(context.config.envRoot, env.path);
}
