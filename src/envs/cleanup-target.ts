import { realpathSync } from "node:fs";
import type { Config } from "../config/load.js";
import type { CleanupTarget } from "./scripts.js";

/** Where cleanup.sh finds hms-env's configuration, and what its fallback checks (real paths, resolved now). */
export function cleanupTarget(envPath: string, config: Config): CleanupTarget {
  return {
    envPath,
    envRoot: config.envRoot,
    realEnvPath: realpathSync(envPath),
    realEnvRoot: realpathSync(config.envRoot),
    configFile: config.source,
    configDir: config.cwd,
  };
}
