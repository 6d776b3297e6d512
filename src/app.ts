import { loadRootCauseDb } from "./bugs/root-cause-file.js";
import type { Clock } from "./clock.js";
import type { Config } from "./config/load.js";
import { CLI_ENTRY } from "./config/package-root.js";
import type { ProcessIdentity } from "./envs/claims.js";
import type { EnvContext, Log } from "./envs/context.js";
import { createEnvironments, type Environments } from "./envs/environments.js";
import { createGit, type Git } from "./envs/git.js";
import { createLocalRunner } from "./envs/local-runner.js";
import { createNix, type Nix } from "./envs/nix.js";
import type { Runner, StateStore, Watch } from "./envs/ports.js";
import { type EnvChange, watchEnvironments } from "./store/env-changes.js";
import { DEFAULT_RETENTION } from "./store/retention.js";
import type { EnvRecord, StateData } from "./store/schema.js";
import { createStore, type Store } from "./store/store.js";
import type { OpenBug } from "./triage/duplicates.js";
import { createTriageEngine, type TriageEngine, triageSettings } from "./triage/engine.js";
import { createRootCauseIndex, type RootCauseIndex } from "./triage/root-cause/index.js";

export interface AppOptions {
  config: Config;
  /** The environment variables the app may read: PATH (where Nix is looked for) and NIX_CONFIG. */
  env: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  log: Log;
  /** This process, as its claims name it (src/cli.ts fills it in). */
  self: ProcessIdentity;
  /** The node binary that an environment's cleanup.sh calls back into. */
  nodeBinary: string;
}

/** One environment's record before and after a change; `before` is undefined for a new one. */
export type EnvChangeListener = (before: EnvRecord | undefined, after: EnvRecord) => void;

/** Every environment that changed in one look at the state file, and the whole state it was found in. */
export type EnvChangesListener = (changes: EnvChange[], state: StateData) => void;

export interface App {
  config: Config;
  clock: Clock;
  log: Log;
  /** The whole state file: environments, bugs, rotation, deliveries, audit; `watch` follows it. */
  store: Store & StateStore;
  git: Git;
  nix: Nix;
  runner: Runner;
  /** What the environment code shares (its store is `store` seen through the StateStore port). */
  envs: EnvContext;
  environments: Environments;
  /** The root-cause index, built on first use and kept (building it takes most of a second). */
  rootCauses(): RootCauseIndex;
  /** A triage engine over the kept root-cause index and the open bugs given. */
  triageEngine(openBugs: readonly OpenBug[]): TriageEngine;
  /**
   * Calls `listener` for every environment record that changes, whoever changed it: this process or
   * another one writing the state file. Returns the unsubscribe function.
   */
  onEnvChange(listener: EnvChangeListener): () => void;
  /** The same feed a look at a time: what serve's timers and its Slack and GitHub sides follow. */
  onEnvChanges(listener: EnvChangesListener): () => void;
  /** Calls `listener` once for each environment when it is first flagged as needing a person. */
  onNeedsAttention(listener: (env: EnvRecord) => void): () => void;
  /** Starts following the state file (the first listener does it too); resolves once it follows. */
  watchChanges(): Promise<void>;
  close(): void;
}

/**
 * The lowdb store with the StateStore port's watch added. The lifecycle uses only the port; the bug and
 * delivery code the rest of the store. This process's own writes reach the watches through the file,
 * as another process's do (after the same short debounce), so every listener sees one order of events.
 */
function stateStoreOver(store: Store): Store & StateStore {
  return {
    ...store,
    watch(listener, onError) {
      const feed = watchEnvironments({
        file: store.file,
        read: () => store.read(),
        onChange: listener,
        onError,
      });
      return { ready: feed.start(), check: feed.check, stop: () => feed.stop() };
    },
  };
}

/**
 * The one composition root: builds the state store, git, Nix, the runner, the lifecycle and the triage
 * engine once, for the CLI, `serve`, Slack and GitHub alike. Nothing in it reads process.env, the pid or
 * the host name: they come in through the options.
 */
export function createApp(options: AppOptions): App {
  const { config, clock, log } = options;
  const store = createStore({
    file: config.stateFile,
    now: () => clock.now(),
    retention: { ...DEFAULT_RETENTION, recordsMs: config.retention.recordsMs },
  });
  const git = createGit();
  const nix = createNix({
    path: options.env.PATH,
    settings: config.nix,
    inheritedNixConfig: options.env.NIX_CONFIG,
  });
  const runner = createLocalRunner({
    config,
    git,
    nix,
    stateFile: store.file,
    runtime: { nodeBinary: options.nodeBinary, cliEntry: CLI_ENTRY },
  });
  const stateStore = stateStoreOver(store);
  const envs: EnvContext = { config, store: stateStore, runner, git, nix, clock, self: options.self, log };

  let rootCauses: RootCauseIndex | undefined;
  const listeners = new Set<EnvChangesListener>();
  let watch: Watch | undefined;
  const follow = () => {
    watch ??= stateStore.watch(
      (changes, state) => {
        for (const listener of listeners) {
          try {
            listener(changes, state);
          } catch (err) {
            // One listener's failure (a Slack call that threw) never keeps the others from hearing.
            log.error({ action: "env-change", err }, "an environment change listener failed");
          }
        }
      },
      (err) => log.error({ action: "follow", err }, `following ${store.file} failed`),
    );
    return watch;
  };
  const onEnvChanges = (listener: EnvChangesListener) => {
    listeners.add(listener);
    follow();
    return () => void listeners.delete(listener);
  };
  const onEnvChange = (listener: EnvChangeListener) =>
    onEnvChanges((changes) => {
      for (const { before, after } of changes) listener(before, after);
    });

  return {
    config,
    clock,
    log,
    store: stateStore,
    git,
    nix,
    runner,
    envs,
    environments: createEnvironments(envs),
    rootCauses() {
      rootCauses ??= createRootCauseIndex(loadRootCauseDb(config.rootCauseDb).entries);
      return rootCauses;
    },
    triageEngine(openBugs) {
      return createTriageEngine({
        settings: triageSettings(config),
        rootCauses: this.rootCauses(),
        openBugs,
      });
    },
    onEnvChange,
    onEnvChanges,
    onNeedsAttention: (listener) =>
      onEnvChange((before, after) => {
        if (after.needsAttentionAt !== undefined && before?.needsAttentionAt === undefined) listener(after);
      }),
    watchChanges: () => follow().ready,
    close() {
      watch?.stop();
      watch = undefined;
      listeners.clear();
    },
  };
}
