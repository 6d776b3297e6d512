import type { Config } from "../config/load.js";
import type { Store } from "../store/store.js";
import { createTriageEngine, type TriageEngine, triageSettings } from "../triage/engine.js";
import type { FileIndex } from "../triage/file-index.js";
import { createRootCauseIndex } from "../triage/root-cause/index.js";
import { loadRootCauseDb } from "./root-cause-file.js";
import { openBugs, readTriageState } from "./triage-state.js";

/**
 * The triage engine for a configuration: the root-cause database indexed, the open bugs for duplicates,
 * and the repository's files (src/bugs/repository-files.ts) when they could be listed.
 */
export async function loadTriageEngine(
  config: Config,
  store: Store,
  files?: FileIndex | undefined,
): Promise<TriageEngine> {
  const { bugs } = readTriageState(await store.read(), store.file);
  return createTriageEngine({
    settings: triageSettings(config),
    rootCauses: createRootCauseIndex(loadRootCauseDb(config.rootCauseDb).entries),
    openBugs: openBugs(bugs),
    files,
  });
}
