import type { EnvChange } from "../store/env-changes.js";
import type { EnvRecord, StateData } from "../store/schema.js";
import type { ProgressListener } from "./context.js";
import type { ProvisionPlan } from "./plan.js";

/**
 * Where the lifecycle keeps its records. Today one lowdb file shared by every process on the machine
 * (src/store/store.ts); a database shared by several replicas fits the same three operations.
 */
export interface StateStore {
  /** Where it lives, for messages and for `env.json`. */
  readonly file: string;
  /** The state as it is now (another process may have changed it since the last read). */
  read(): Promise<StateData>;
  /**
   * Reads, changes and writes the state as one locked step, always on what is stored now: the change
   * compares before it changes (the lifecycle checks the stored status and claim), and a change that
   * throws writes nothing.
   */
  update<T>(change: (state: StateData) => T): Promise<T>;
  /**
   * Reports each environment that changed, whoever changed it, until stopped; `onRead`, when given,
   * hears every good look at the state, the first one included, whatever changed (bugs live there too).
   */
  watch(
    listener: (changes: EnvChange[], state: StateData) => void,
    onError: (error: unknown) => void,
    onRead?: (state: StateData) => void,
  ): Watch;
}

export interface Watch {
  /** Resolves once the starting point is read: changes after it are reported. */
  ready: Promise<void>;
  /** Looks now rather than waiting for the file event (after a write of this process's own). */
  check(): Promise<void>;
  stop(): void;
}

/** How a person enters an environment: run `command` in `cwd`. */
export interface EnterCommand {
  cwd: string;
  command: string[];
}

/**
 * Where an environment's workspace is made and removed. Today a git worktree of a shared mirror with a
 * Nix shell on this machine (src/envs/local-runner.ts); a container or a Kubernetes pod fits the same
 * steps. The lifecycle calls it between its state changes and never reaches past it.
 */
export interface Runner {
  /** What can be checked before anything is made (the branch name, the repository): returns the repository. */
  check(plan: ProvisionPlan): Promise<{ repo: string }>;
  /** Fetches the source before the environment is reserved, so a missing branch leaves nothing: sets mirror and commit. */
  fetch(record: EnvRecord, plan: ProvisionPlan, progress: ProgressListener): Promise<void>;
  /**
   * Where the environment will live, unlike every place in `taken` (the records' own): called under the
   * state lock, so two provisionings never pick one place. Nothing is made yet.
   */
  place(plan: ProvisionPlan, taken: ReadonlySet<string>): { path: string; workdir: string };
  /**
   * Makes the placed workspace, marked as hms-env's, once the record naming it is written (so no
   * workspace is ever without a record). One it cannot make or mark is not left behind: it throws.
   */
  reserve(record: EnvRecord): Promise<void>;
  /**
   * Makes the workspace in the reserved folder: the checkout, the scripts, the prepared shell. It may
   * note on the record what it made (`shell`, `nixpkgs`); it stops between steps once `signal` aborts.
   */
  prepare(
    record: EnvRecord,
    plan: ProvisionPlan,
    progress: ProgressListener,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Writes the record's latest state into its workspace's mark (what cleanup.sh and `gc` read). */
  mark(record: EnvRecord): void;
  enter(env: EnvRecord): EnterCommand;
  /** Whether the workspace is still there: a person may have deleted it by hand. */
  exists(env: EnvRecord): boolean;
  /** Adds folders to a sparse workspace; each must be a folder at the environment's commit. */
  widen(env: EnvRecord, folders: readonly string[]): Promise<void>;
  /** Removes all the environment holds. Safe to run twice, and on a half-made environment. */
  tearDown(env: EnvRecord): Promise<void>;
  /**
   * Workspaces that no record in `live` owns: those hms-env made for this state (`orphans`, which may
   * be removed), look-alikes it did not make (`unmarked`) and another state's (`foreign`), both only
   * ever reported. Young ones may be reservations in
   * flight and are left out.
   */
  strays(live: readonly EnvRecord[], now: Date): Strays;
  /** Removes those orphans; one that resists is reported and the rest still go. `known`: every record. */
  removeStrays(orphans: readonly string[], known: readonly EnvRecord[]): Promise<StrayRemoval>;
}

export interface Strays {
  orphans: string[];
  unmarked: string[];
  /** Marked for another state file sharing the place (or by an older hms-env): only ever reported. */
  foreign: string[];
}

export interface StrayRemoval {
  removed: string[];
  failures: { id: string; error: string }[];
}
