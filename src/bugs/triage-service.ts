import type { EnvContext } from "../envs/context.js";
import type { StateData } from "../store/schema.js";
import { createTriageEngine, type TriageEngine, triageSettings } from "../triage/engine.js";
import type { FileIndex } from "../triage/file-index.js";
import { createRootCauseIndex } from "../triage/root-cause/index.js";
import { createRepositoryFiles } from "./repository-files.js";
import { loadRootCauseDb } from "./root-cause-file.js";
import { openBugs, readTriageState } from "./triage-state.js";

/**
 * The triage engine with what it reads from disk: the root-cause database, the open bugs of the state
 * file and the files of the repository's default branch. `hms-env triage` builds it once; `serve` keeps
 * it and calls `follow` with every read of the state file, so a bug closed or deleted anywhere (the CLI,
 * another replica) stops being a duplicate candidate at once.
 */
export interface TriageService {
  engine: TriageEngine;
  /** The duplicate index holds exactly the bugs this state has open. */
  follow(state: StateData): void;
  /** Fetches the default branch; paths are read against its files from now on. Says where from. */
  refreshFiles(): Promise<string>;
}

export async function createTriageService(
  context: Pick<EnvContext, "config" | "store" | "git">,
): Promise<TriageService> {
  const { config, store } = context;
  const { bugs } = readTriageState(await store.read(), store.file);
  const engine = createTriageEngine({
    settings: triageSettings(config),
    rootCauses: createRootCauseIndex(loadRootCauseDb(config.rootCauseDb).entries),
    openBugs: openBugs(bugs),
  });
  const repository = createRepositoryFiles(context);
  let files: FileIndex | undefined;

  return {
    engine,
    follow(state) {
      engine.duplicates.sync(openBugs(readTriageState(state, store.file).bugs));
    },
    async refreshFiles() {
      const { index, source } = await repository.refresh();
      if (index !== files) {
        files = index;
        engine.useFiles(index);
      }
      return source;
    },
  };
}
