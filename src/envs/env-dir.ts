import { realpathSync } from "node:fs";
import { HmsError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import type { EnvContext } from "./context.js";
import { metadataFile, readMarker } from "./metadata.js";

function sameFolder(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * The environment a folder belongs to, for `cleanup --env-dir` (what ./cleanup.sh runs). The folder's
 * own env.json only names an id; the record comes from the configured state file and must have been
 * made in this very folder. A forged env.json (another state file, another env root, another
 * environment's id) is refused with nothing changed: what gets deleted is decided by the configuration.
 */
export async function environmentInFolder(context: EnvContext, dir: string): Promise<EnvRecord> {
  const marker = readMarker(dir);
  const { environments } = await context.store.read();
  // The exact id: a prefix match could let a forged short id name someone else's environment.
  const env = environments.find((candidate) => candidate.id === marker.id);
  if (env === undefined) {
    throw new HmsError(
      "NOT_FOUND",
      `${metadataFile(dir)} names environment ${marker.id}, which the state file ${context.config.stateFile} does not know; nothing was removed (run it with the --config the environment was made with)`,
    );
  }
  if (env.path === "" || !sameFolder(dir, env.path)) {
    throw new HmsError(
      "INVALID_INPUT",
      `refusing to clean up ${dir}: its ${metadataFile(dir)} names environment ${env.id}, whose folder is ${env.path || "none"}; nothing was removed`,
    );
  }
  return env;
}
