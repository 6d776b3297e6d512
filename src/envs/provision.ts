import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeError, HmsError, isHmsError } from "../errors.js";
import type { Claim, EnvRecord } from "../store/schema.js";
import { isOwnClaim, newClaim } from "./claims.js";
import { cleanupTarget } from "./cleanup-target.js";
import { CHECKOUT_DIR, type EnvContext, META_DIR, type ProgressListener } from "./context.js";
import { holdClaim, takeDown } from "./lifecycle.js";
import { writeMetadata } from "./metadata.js";
import { describeCounts } from "./nix.js";
import {
  describeNixpkgs,
  nixConfigLines,
  nixEnvironment,
  nixpkgsArgs,
  PIN_FILE,
  PKGS_FILE,
  pinDir,
} from "./nixpkgs.js";
import { type ProvisionPlan, type ProvisionRequest, planProvision } from "./plan.js";
import { cleanupScript, envrc, launchScript, type ScriptContext } from "./scripts.js";
import { SHELL_ENV_FILE, SHELL_RC_FILE, shellRc } from "./shell-env.js";
import { describeCheckout, sparseFoldersOf } from "./sparse.js";
import { envRef } from "./teardown.js";
import { countsTowardLimit, transition } from "./transitions.js";

export function newEnvId(taken: ReadonlySet<string>): string {
  for (;;) {
    // Short enough to type in `hms-env extend`; the loop makes a clash with a live id impossible.
    const id = `env-${randomBytes(4).toString("hex")}`;
    if (!taken.has(id)) return id;
  }
}

/**
 * The folder's name, adding _2, _3 ... when another environment took the same second and name. Chosen
 * under the state lock, against the records and the disk; the folder itself is made only once the
 * record naming it is written, so a failed write never leaves a folder that no record owns.
 */
function chooseDirectory(envRoot: string, name: string, taken: ReadonlySet<string>): string {
  for (let attempt = 1; attempt <= 99; attempt++) {
    const dir = join(envRoot, attempt === 1 ? name : `${name}_${attempt}`);
    if (!taken.has(dir) && !existsSync(dir)) return dir;
  }
  throw new HmsError("PROVISION_FAILED", `99 folders named ${name} exist already in ${envRoot}`);
}

async function resolveRepo(context: EnvContext): Promise<string> {
  const repo = context.config.repo ?? (await context.git.toplevel(context.config.cwd));
  if (repo === undefined) {
    throw new HmsError(
      "USAGE",
      `no repository: ${context.config.cwd} is not inside a git checkout and the config sets no "repo"`,
    );
  }
  return repo;
}

async function timed<T>(progress: ProgressListener, step: string, detail: string, task: () => Promise<T>) {
  const started = performance.now();
  const result = await task();
  progress({ step, detail, ms: Math.round(performance.now() - started) });
  return result;
}

function checkOwnerLimit(environments: readonly EnvRecord[], owner: string, limit: number): void {
  const live = environments.filter((env) => env.owner === owner && countsTowardLimit(env));
  if (live.length >= limit) {
    throw new HmsError(
      "LIMIT_REACHED",
      `${owner} already has ${live.length} environments (limits.maxEnvsPerOwner is ${limit}): clean one up with \`hms-env cleanup ID\``,
    );
  }
}

/** The record before its folder is reserved: no path yet, so a failure here can never name another's folder. */
function draftRecord(id: string, plan: ProvisionPlan, repo: string, claim: Claim): EnvRecord {
  return {
    id,
    path: "",
    workdir: "",
    component: plan.component,
    components: plan.components,
    repo,
    mirror: "",
    branch: plan.source.kind === "branch" ? plan.source.branch : null,
    pr: plan.source.kind === "pr" ? plan.source.pr : null,
    commit: null,
    owner: plan.owner,
    createdAt: plan.createdAt.toISOString(),
    expiresAt: plan.expiresAt.toISOString(),
    status: "provisioning",
    claim,
    checkout: { mode: plan.checkout.mode, folders: plan.checkout.folders },
  };
}

/**
 * Stores the `provisioning` record naming its folder in one locked step (the limit is checked again),
 * then makes the folder. Should making it fail (someone made one of that name by hand meanwhile), the
 * record forgets the path, so the rollback can never remove a folder that is not this environment's.
 */
async function reserve(context: EnvContext, plan: ProvisionPlan, record: EnvRecord): Promise<void> {
  const { config, store } = context;
  mkdirSync(config.envRoot, { recursive: true });
  await store.update((state) => {
    checkOwnerLimit(state.environments, plan.owner, config.maxEnvsPerOwner);
    if (state.environments.some((env) => env.id === record.id)) {
      throw new HmsError("PROVISION_FAILED", `environment id ${record.id} was taken meanwhile; try again`);
    }
    const taken = new Set(state.environments.map((env) => env.path));
    record.path = chooseDirectory(config.envRoot, plan.dirName, taken);
    record.workdir = join(record.path, CHECKOUT_DIR);
    state.environments.push({ ...record });
  });
  try {
    mkdirSync(record.path);
  } catch (error) {
    Object.assign(record, { path: "", workdir: "" });
    throw error;
  }
  // Marked at once: `gc --orphans` removes only folders that carry hms-env's mark. A folder that
  // cannot be marked (a full disk) is this environment's own, just made: it goes, the record forgets it.
  try {
    writeMetadata(record, config.envRoot);
  } catch (error) {
    rmSync(record.path, { recursive: true, force: true });
    Object.assign(record, { path: "", workdir: "" });
    throw error;
  }
}

/** Fetches the ref into the shared mirror: before anything else exists, so a missing branch leaves nothing. */
async function fetchSource(
  context: EnvContext,
  plan: ProvisionPlan,
  record: EnvRecord,
  progress: ProgressListener,
) {
  const { config, git } = context;
  record.mirror = await timed(progress, "mirror", record.repo, () =>
    git.ensureMirror(record.repo, config.cacheDir, { partialClone: config.mirror.partialClone }),
  );
  record.commit = await timed(progress, "fetch", plan.shownAs, () =>
    git.fetchRef(record.mirror, plan.sourceRef, envRef(record.id), plan.shownAs),
  );
}

/** Everything after the reservation: checkout, files and Nix side by side, then the record made ready. */
async function build(
  context: EnvContext,
  record: EnvRecord,
  progress: ProgressListener,
  shownAs: string,
  signal: AbortSignal | undefined,
) {
  const { config, git, nix, store } = context;
  const mirror = record.mirror;
  const commit = record.commit ?? "";
  const scripts: ScriptContext = {
    id: record.id,
    component: record.component,
    source: shownAs,
    commit,
    checkoutName: CHECKOUT_DIR,
    bash: config.nix.bash,
    nixPath: config.nix.nixPath,
    nixpkgsArgs: nixpkgsArgs(config.nix.nixpkgs),
    nixConfig: nixConfigLines(config.nix),
    nodeBinary: context.runtime.nodeBinary,
    cliEntry: context.runtime.cliEntry,
    mirror,
    cleanup: cleanupTarget(record.path, config),
  };
  // The checkout and the Nix build need nothing from each other, so they run side by side.
  const results = await Promise.allSettled([
    timed(progress, "worktree", `${commit.slice(0, 12)}${describeCheckout(record)}`, () =>
      git.addWorktree(mirror, record.workdir, commit, sparseFoldersOf(record)),
    ),
    (async () => {
      await timed(
        progress,
        "files",
        `launch.sh, cleanup.sh, .envrc, ${NIX_FILES.join(", ")}, data/root_cause.json`,
        async () => writeEnvironmentFiles(context, record, scripts),
      );
      return prepareNix(context, record, progress);
    })(),
  ]);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  interrupted(signal);
  const prepared = results[1].status === "fulfilled" ? results[1].value : undefined;
  if (prepared) {
    // The cache needs the checkout: the shell's $PWD-based variables point into it.
    await timed(progress, "shell-env", `${SHELL_ENV_FILE} (./launch.sh enters without evaluating)`, () =>
      nix.captureShell(prepared.drv, record.workdir, join(record.path, SHELL_ENV_FILE)),
    );
    rmSync(join(record.path, META_DIR, "gcroots", "shell.drv"), { force: true });
    interrupted(signal);
  }

  return store.update((state) => {
    const stored = state.environments.find((env) => env.id === record.id);
    if (!stored)
      throw new HmsError("PROVISION_FAILED", `environment ${record.id} vanished from the state file`);
    // Only the holder finishes: a process frozen past its lease finds its environment taken over.
    if (!isOwnClaim(stored.claim, record.claim as Claim)) {
      throw new HmsError(
        "INVALID_TRANSITION",
        `environment ${record.id} was taken over by another process while this one was provisioning it`,
      );
    }
    transition(stored, "ready", "its build finished");
    delete stored.claim;
    if (prepared) stored.shell = prepared.shell;
    stored.nixpkgs = record.nixpkgs;
    writeMetadata(stored, config.envRoot);
    return { ...stored };
  });
}

/** The Nix files an environment keeps its own copies of: the shell and the nixpkgs pin. */
const NIX_FILES = ["hms-env.nix", PKGS_FILE, PIN_FILE];

/**
 * Builds the shell with its one GC root and notes which nixpkgs it came from. Undefined when Nix is
 * not installed: the environment is still made, and launch.sh says how to get Nix.
 */
async function prepareNix(context: EnvContext, record: EnvRecord, progress: ProgressListener) {
  const { config, nix } = context;
  if (!nix.available()) {
    progress({
      step: "nix",
      detail: "skipped: nix-instantiate is not installed (launch.sh says how to get it)",
    });
    return undefined;
  }
  record.nixpkgs = await describeNixpkgs(config.nix, nixEnvironment(config.nix), record.path);
  const started = performance.now();
  const prepared = await nix.prepareShell({
    nixFile: join(record.path, "hms-env.nix"),
    component: record.component,
    envDir: record.path,
    gcRootDir: join(record.path, META_DIR, "gcroots"),
  });
  progress({
    step: "nix",
    detail: `${record.component} shell built, one GC root (${describeCounts(prepared.counts)}; nixpkgs ${record.nixpkgs})`,
    ms: Math.round(performance.now() - started),
  });
  return prepared;
}

function writeEnvironmentFiles(context: EnvContext, record: EnvRecord, scripts: ScriptContext): void {
  const dir = record.path;
  mkdirSync(join(dir, "data"), { recursive: true });
  mkdirSync(join(dir, META_DIR), { recursive: true });
  // Copies, not links: changing nix/ (or bumping the pin) or the database later must not change an
  // environment already made.
  copyFileSync(context.config.nix.file, join(dir, "hms-env.nix"));
  const pins = pinDir(context.config.nix.file);
  for (const file of [PKGS_FILE, PIN_FILE]) copyFileSync(join(pins, file), join(dir, file));
  writeFileSync(join(dir, SHELL_RC_FILE), shellRc());
  copyFileSync(context.config.rootCauseDb, join(dir, "data", "root_cause.json"));
  writeFileSync(join(dir, "launch.sh"), launchScript(scripts));
  writeFileSync(join(dir, "cleanup.sh"), cleanupScript(scripts));
  chmodSync(join(dir, "launch.sh"), 0o755);
  chmodSync(join(dir, "cleanup.sh"), 0o755);
  writeFileSync(join(dir, ".envrc"), envrc(scripts));
  writeMetadata(record, context.config.envRoot);
}

function asProvisionError(error: unknown, id: string): HmsError {
  if (isHmsError(error)) return error;
  return new HmsError("PROVISION_FAILED", `provisioning ${id} failed: ${describeError(error)}`, {
    cause: error,
  });
}

/**
 * Keeps a failed attempt on record, with its reason, so a person can see what went wrong and when.
 * Before the reservation there is no record yet: a failed one is added. After it, the stored record
 * becomes failed, if it is still this process's provisioning.
 */
async function recordFailure(context: EnvContext, record: EnvRecord, error: unknown): Promise<void> {
  await context.store.update((state) => {
    const failure = describeError(error);
    const stored = state.environments.find((env) => env.id === record.id);
    if (stored === undefined) {
      const { claim: _unclaimed, ...draft } = record;
      state.environments.push({ ...draft, status: "failed", failure });
      return;
    }
    if (!isOwnClaim(stored.claim, record.claim as Claim)) return;
    transition(stored, "failed", "its provisioning failed");
    Object.assign(stored, { failure, path: record.path, workdir: record.workdir });
    delete stored.claim;
  });
}

/**
 * Takes back what a failed provisioning made, through the same claimed cleanup as any other, so a
 * rollback that fails too is retried later, and the record says why meanwhile. It ends `failed`.
 */
async function rollBack(context: EnvContext, record: EnvRecord, error: unknown): Promise<void> {
  const mine = record.claim as Claim;
  await takeDown(context, record.id, {
    reason: "failed",
    actor: "hms-env",
    failure: describeError(error),
    rule: (stored) => (stored.status === "provisioning" && isOwnClaim(stored.claim, mine) ? "take" : "skip"),
  }).catch((cleanupError: unknown) =>
    context.log.warn(
      { envId: record.id, action: "rollback", err: cleanupError },
      `rolling back ${record.id} failed; it is retried later`,
    ),
  );
}

export interface ProvisionOptions {
  progress?: ProgressListener;
  /** Aborts between steps (Ctrl-C, SIGTERM); what was made is taken back as for any failure. */
  signal?: AbortSignal;
}

function interrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HmsError("PROVISION_FAILED", "interrupted: provisioning was stopped");
}

/** A step that failed because Ctrl-C reached its child process too is still an interruption. */
function asInterruption(error: unknown, signal: AbortSignal | undefined): unknown {
  if (!signal?.aborted || describeError(error).startsWith("interrupted")) return error;
  return new HmsError("PROVISION_FAILED", `interrupted: ${describeError(error)}`, { cause: error });
}

export async function provision(
  context: EnvContext,
  request: ProvisionRequest,
  { progress = () => undefined, signal }: ProvisionOptions = {},
): Promise<EnvRecord> {
  const { config, git, store } = context;
  const plan = planProvision(request, config, context.clock.now());
  if (plan.source.kind === "branch") await git.checkBranchName(plan.source.branch);
  const repo = await resolveRepo(context);
  const known = (await store.read()).environments;
  checkOwnerLimit(known, plan.owner, config.maxEnvsPerOwner);
  const claim = newClaim(context.self, context.clock.now(), config.cleanup.claimLeaseMs, 1);
  const record = draftRecord(newEnvId(new Set(known.map((env) => env.id))), plan, repo, claim);

  if (plan.checkout.note) progress({ step: "checkout", detail: plan.checkout.note });
  try {
    await fetchSource(context, plan, record, progress);
    interrupted(signal);
    await reserve(context, plan, record);
  } catch (error) {
    if (record.mirror !== "") await git.deleteRef(record.mirror, envRef(record.id)).catch(() => undefined);
    // A branch or PR that does not exist, or a limit reached, is the caller's mistake: nothing is kept.
    // A state file that cannot be written keeps nothing either (recording the failure would fail too).
    if (!(isHmsError(error) && error.userError)) {
      await recordFailure(context, record, error).catch(() => undefined);
    }
    throw asProvisionError(error, record.id);
  }
  progress({ step: "reserve", detail: `${record.id} at ${record.path}` });
  const held = holdClaim(context, record.id, claim);
  try {
    return await build(context, record, progress, plan.shownAs, signal);
  } catch (caught) {
    const error = asInterruption(caught, signal);
    held.release();
    await rollBack(context, record, error);
    throw asProvisionError(error, record.id);
  } finally {
    held.release();
  }
}
