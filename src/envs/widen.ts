import { checkFolder } from "../config/folder.js";
import { HmsError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import type { EnvContext } from "./context.js";
import { findEnvironment, findIn } from "./lifecycle.js";
import { sparseFoldersOf, widenedFolders } from "./sparse.js";

/**
 * `hms-env widen ID PATH...`: adds folders to a live sparse environment. Every path is checked before git
 * sees it, and must be a folder at the environment's commit; nothing changes when one is refused.
 */
export async function widenEnvironment(
  context: EnvContext,
  key: string,
  paths: readonly string[],
  actor: string,
): Promise<EnvRecord> {
  if (paths.length === 0) throw new HmsError("USAGE", "widen takes at least one folder");
  const folders = paths.map(checkFolder);
  const env = await findEnvironment(context, key);
  requireSparseAndReady(env);
  await context.runner.widen(env, folders);
  return context.store.update((state) => {
    const stored = findIn(state, env.id);
    requireSparseAndReady(stored);
    stored.checkout = { mode: "sparse", folders: widenedFolders(sparseFoldersOf(stored) ?? [], folders) };
    state.audit.push({
      at: context.clock.now().toISOString(),
      actor,
      action: "widen",
      target: stored.id,
      detail: folders.join(", "),
    });
    return { ...stored };
  });
}

function requireSparseAndReady(env: EnvRecord): void {
  if (env.status !== "ready") {
    throw new HmsError(
      "INVALID_INPUT",
      `environment ${env.id} is ${env.status}; only a ready one can be widened`,
    );
  }
  if (sparseFoldersOf(env) === undefined) {
    throw new HmsError(
      "INVALID_INPUT",
      `environment ${env.id} is a full checkout: it has every folder already`,
    );
  }
}
