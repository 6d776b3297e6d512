import { createTriageService, type TriageService } from "./bugs/triage-service.js";
import type { Clock } from "./clock.js";
import type { Config } from "./config/load.js";
import { CLI_ENTRY } from "./config/package-root.js";
import type { ProcessIdentity } from "./envs/claims.js";
import { type EnvContext, type Log, noLog } from "./envs/context.js";
import { createEnvironments, type Environments } from "./envs/environments.js";
import type { Exec } from "./envs/exec.js";
import { createGit, type Git } from "./envs/git.js";
import { createLocalRunner } from "./envs/local-runner.js";
import { createNix, type Nix } from "./envs/nix.js";
import type { Runner, StateStore, Watch } from "./envs/ports.js";
import { type EnvChange, watchEnvironments } from "./store/env-changes.js";
import { setLockLog } from "./store/file-lock.js";
import { DEFAULT_RETENTION } from "./store/retention.js";
import type { EnvRecord, StateData } from "./store/schema.js";
import { createStore, type Store } from "./store/store.js";

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
  /** What runs git and Nix: this process itself by default; `serve` passes its helper process (exec.ts). */
  exec?: Exec;
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
  /**
   * The triage engine with what it reads (the root-cause database, the open bugs, the repository's
   * files), built on first use and kept for the life of the app.
   */
  triage(): Promise<TriageService>;
  /**
   * Calls `listener` for every environment record that changes, whoever changed it: this process or
   * another one writing the state file. Returns the unsubscribe function.
   */
  onEnvChange(listener: EnvChangeListener): () => void;
  /** The same feed a look at a time: what serve's timers and its Slack and GitHub sides follow. */
  onEnvChanges(listener: EnvChangesListener): () => void;
  /** Every good look at the state file, whatever changed in it (triage follows the open bugs so). */
  onStateRead(listener: (state: StateData) => void): () => void;
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
    watch(listener, onError, onRead) {
      const feed = watchEnvironments({
        file: store.file,
        read: () => store.read(),
        onChange: listener,
        ...(onRead && { onRead }),
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
  // A process with a log of its own (serve) gets a lock taken over from a dead holder in it; the CLI's
  // noLog leaves it as a line on stderr.
  if (log !== noLog) setLockLog(log);
  const store = createStore({
    file: config.stateFile,
    holder: options.self,
    now: () => clock.now(),
    retention: { ...DEFAULT_RETENTION, recordsMs: config.retention.recordsMs },
    // Where its environments and mirrors live keeps a record of it: losing its whole folder is noticed.
    witnesses: [config.envRoot, config.cacheDir],
  });
  const exec = options.exec && { exec: options.exec };
  const git = createGit({
    holder: options.self,
    ...exec,
    network: { env: options.env, timeouts: config.stepTimeouts },
  });
  const nix = createNix({
    path: options.env.PATH,
    buildTimeoutMs: config.stepTimeouts.buildMs,
    settings: config.nix,
    inheritedNixConfig: options.env.NIX_CONFIG,
    ...exec,
  });
  const runner = createLocalRunner({
    config,
    git,
    nix,
    runtime: { nodeBinary: options.nodeBinary, cliEntry: CLI_ENTRY },
    clock,
  });
  const stateStore = stateStoreOver(store);
  const envs: EnvContext = { config, store: stateStore, runner, git, nix, clock, self: options.self, log };

  let triage: Promise<TriageService> | undefined;
  const listeners = new Set<EnvChangesListener>();
  const readers = new Set<(state: StateData) => void>();
  /** Each listener in turn: one listener's failure (a Slack call that threw) never keeps the others from hearing. */
  const tell = <A extends unknown[]>(all: Iterable<(...args: A) => void>, action: string, ...args: A) => {
    for (const listener of all) {
      try {
        listener(...args);
      } catch (err) {
        log.error({ action, err }, `a listener of ${store.file} failed`);
      }
    }
  };
  let watch: Watch | undefined;
  const follow = () => {
    watch ??= stateStore.watch(
      (changes, state) => tell(listeners, "env-change", changes, state),
      (err) => log.error({ action: "follow", err }, `following ${store.file} failed`),
      (state) => tell(readers, "state-read", state),
    );
    return watch;
  };
  const subscribe = <L>(set: Set<L>, listener: L) => {
    set.add(listener);
    follow();
    return () => void set.delete(listener);
  };
  const onEnvChanges = (listener: EnvChangesListener) => subscribe(listeners, listener);
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
    triage() {
      // Built once: the root-cause index alone takes most of a second.
      triage ??= createTriageService(envs);
      return triage;
    },
    onEnvChange,
    onEnvChanges,
    onStateRead: (listener) => subscribe(readers, listener),
    onNeedsAttention: (listener) =>
      onEnvChange((before, after) => {
        if (after.needsAttentionAt !== undefined && before?.needsAttentionAt === undefined) listener(after);
      }),
    watchChanges: () => follow().ready,
    close() {
      watch?.stop();
      watch = undefined;
      listeners.clear();
      readers.clear();
    },
  };
}
