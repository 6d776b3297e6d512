import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeError, HmsError, isHmsError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import { CHECKOUT_DIR, type EnvContext, META_DIR, type ProgressListener } from "./context.js";
import { writeMetadata } from "./metadata.js";
import { type ProvisionPlan, type ProvisionRequest, planProvision } from "./plan.js";
import { removeInsideRoot } from "./safe-remove.js";
import { cleanupScript, envrc, launchScript, type ScriptContext } from "./scripts.js";

export function newEnvId(taken: ReadonlySet<string>): string {
  for (;;) {
    // Short enough to type in `hms-env extend`; the loop makes a clash with a live id impossible.
    const id = `env-${randomBytes(4).toString("hex")}`;
    if (!taken.has(id)) return id;
  }
}

/** Creates the folder, adding _2, _3 ... when another environment took the same second and name. */
function reserveDirectory(envRoot: string, name: string): string {
  for (let attempt = 1; ; attempt++) {
    const dir = join(envRoot, attempt === 1 ? name : `${name}_${attempt}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 99) throw error;
    }
  }
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

/** Reserves the id, the folder and a `provisioning` record in one locked step, enforcing the owner limit. */
async function reserve(context: EnvContext, plan: ProvisionPlan, repo: string): Promise<EnvRecord> {
  const { config, store } = context;
  mkdirSync(config.envRoot, { recursive: true });
  return store.update((state) => {
    const active = state.environments.filter(
      (env) => env.owner === plan.owner && (env.status === "ready" || env.status === "provisioning"),
    );
    if (active.length >= config.maxEnvsPerOwner) {
      throw new HmsError(
        "LIMIT_REACHED",
        `${plan.owner} already has ${active.length} environments (limits.maxEnvsPerOwner is ${config.maxEnvsPerOwner}): clean one up with \`hms-env cleanup ID\``,
      );
    }
    const id = newEnvId(new Set(state.environments.map((env) => env.id)));
    const path = reserveDirectory(config.envRoot, plan.dirName);
    const record: EnvRecord = {
      id,
      path,
      workdir: join(path, CHECKOUT_DIR),
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
    };
    state.environments.push(record);
    return record;
  });
}

/** Everything after the reservation: fetch, checkout, files and Nix, with the record made ready at the end. */
async function build(
  context: EnvContext,
  plan: ProvisionPlan,
  record: EnvRecord,
  progress: ProgressListener,
) {
  const { config, git, nix, store } = context;
  const mirror = await timed(progress, "mirror", record.repo, () =>
    git.ensureMirror(record.repo, config.cacheDir),
  );
  record.mirror = mirror;
  const commit = await timed(progress, "fetch", plan.shownAs, () =>
    git.fetchRef(mirror, plan.sourceRef, envRef(record.id), plan.shownAs),
  );
  record.commit = commit;

  const scripts: ScriptContext = {
    id: record.id,
    component: record.component,
    source: plan.shownAs,
    commit,
    checkoutName: CHECKOUT_DIR,
    bash: config.nix.bash,
    nixPath: config.nix.nixPath,
    nodeBinary: context.runtime.nodeBinary,
    cliEntry: context.runtime.cliEntry,
    mirror,
  };
  // The checkout and the Nix evaluation need nothing from each other, so they run side by side.
  const results = await Promise.allSettled([
    timed(progress, "worktree", commit.slice(0, 12), () => git.addWorktree(mirror, record.workdir, commit)),
    (async () => {
      await timed(
        progress,
        "files",
        "launch.sh, cleanup.sh, .envrc, hms-env.nix, data/root_cause.json",
        async () => writeEnvironmentFiles(context, record, scripts),
      );
      if (!nix.available()) {
        progress({
          step: "nix",
          detail: "skipped: nix-instantiate is not installed (launch.sh says how to get it)",
        });
        return;
      }
      await timed(progress, "nix", `${record.component} shell evaluated, inputs built, GC root kept`, () =>
        nix.prepareShell({
          nixFile: join(record.path, "hms-env.nix"),
          component: record.component,
          envDir: record.path,
          gcRootDir: join(record.path, META_DIR, "gcroots"),
          nixPath: config.nix.nixPath,
        }),
      );
    })(),
  ]);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;

  return store.update((state) => {
    const stored = state.environments.find((env) => env.id === record.id);
    if (!stored)
      throw new HmsError("PROVISION_FAILED", `environment ${record.id} vanished from the state file`);
    Object.assign(stored, { mirror, commit, status: "ready" });
    writeMetadata(record.path, { record: stored, stateFile: store.file, envRoot: config.envRoot });
    return { ...stored };
  });
}

/** Each environment pins its commit with a ref of its own in the mirror, dropped at cleanup. */
export function envRef(id: string): string {
  return `refs/hms-env/${id}`;
}

function writeEnvironmentFiles(context: EnvContext, record: EnvRecord, scripts: ScriptContext): void {
  const dir = record.path;
  mkdirSync(join(dir, "data"), { recursive: true });
  mkdirSync(join(dir, META_DIR), { recursive: true });
  // Copies, not links: changing nix/ or the database later must not change an environment already made.
  copyFileSync(context.config.nix.file, join(dir, "hms-env.nix"));
  copyFileSync(context.config.rootCauseDb, join(dir, "data", "root_cause.json"));
  writeFileSync(join(dir, "launch.sh"), launchScript(scripts));
  writeFileSync(join(dir, "cleanup.sh"), cleanupScript(scripts));
  chmodSync(join(dir, "launch.sh"), 0o755);
  chmodSync(join(dir, "cleanup.sh"), 0o755);
  writeFileSync(join(dir, ".envrc"), envrc(scripts));
  writeMetadata(dir, { record, stateFile: context.store.file, envRoot: context.config.envRoot });
}

/** Takes back whatever a failed provisioning made: the worktree through git, the ref, the folder. */
async function rollback(context: EnvContext, record: EnvRecord): Promise<void> {
  if (record.mirror !== "") {
    await context.git.removeWorktree(record.mirror, record.workdir).catch(() => undefined);
    await context.git.deleteRef(record.mirror, envRef(record.id)).catch(() => undefined);
  }
  removeInsideRoot(context.config.envRoot, record.path);
}

export async function provision(
  context: EnvContext,
  request: ProvisionRequest,
  progress: ProgressListener = () => undefined,
): Promise<EnvRecord> {
  const plan = planProvision(request, context.config, context.now());
  if (plan.source.kind === "branch") await context.git.checkBranchName(plan.source.branch);
  const repo = await resolveRepo(context);
  const record = await reserve(context, plan, repo);
  progress({ step: "reserve", detail: `${record.id} at ${record.path}` });
  try {
    return await build(context, plan, record, progress);
  } catch (error) {
    await rollback(context, record);
    // A branch or PR that does not exist is the caller's mistake: nothing is kept, not even a record.
    const userMistake = isHmsError(error) && error.userError;
    await context.store.update((state) => {
      const index = state.environments.findIndex((env) => env.id === record.id);
      const stored = state.environments[index];
      if (!stored) return;
      if (userMistake) state.environments.splice(index, 1);
      else Object.assign(stored, { status: "failed", failure: describeError(error), mirror: record.mirror });
    });
    if (isHmsError(error)) throw error;
    throw new HmsError("PROVISION_FAILED", `provisioning ${record.id} failed: ${describeError(error)}`, {
      cause: error,
    });
  }
}
