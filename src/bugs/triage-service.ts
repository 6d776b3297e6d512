import type { Config } from "../config/load.js";
import type { Git } from "../envs/git.js";
import { describeError } from "../errors.js";
import type { ServerExtension } from "../main.js";
import type { StateData } from "../store/schema.js";
import type { Store } from "../store/store.js";
import type { TriageEngine } from "../triage/engine.js";
import type { FileIndex } from "../triage/file-index.js";
import { loadTriageEngine } from "./engine.js";
import { createRepositoryFiles } from "./repository-files.js";
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

export async function createTriageService(context: {
  config: Config;
  store: Store;
  git: Git;
}): Promise<TriageService> {
  const { config, store } = context;
  const engine = await loadTriageEngine(config, store);
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

/**
 * `serve`'s hooks for triage: every read of the state file updates the duplicate index (a bug closed or
 * deleted by anyone leaves it), and every reconcile pass fetches the default branch, so paths are read
 * against what is merged now.
 */
export function triageExtension(
  triage: TriageService,
  log: { info(message: string): void; error(message: string): void },
  firstListing: Promise<void> = Promise.resolve(),
): ServerExtension {
  // A stop waits for the listing under way (the first one too): one still running after the grace has
  // its git ended with serve's other children.
  let listing = firstListing;
  return {
    stateRead(state) {
      try {
        triage.follow(state);
      } catch (error) {
        log.error(`triage: the open bugs could not be read: ${describeError(error)}`);
      }
    },
    reconciled() {
      listing = triage
        .refreshFiles()
        .then((source) => log.info(`triage: ${source}`))
        .catch((error: unknown) =>
          log.error(`triage: the repository's files could not be listed: ${describeError(error)}`),
        );
    },
    stop: () => listing,
  };
}
