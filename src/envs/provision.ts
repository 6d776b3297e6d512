import { randomBytes } from "node:crypto";
import { describeError, HmsError, isHmsError } from "../errors.js";
import type { Claim, EnvRecord } from "../store/schema.js";
import { isOwnClaim, newClaim } from "./claims.js";
import type { EnvContext, ProgressListener } from "./context.js";
import { throwIfInterrupted } from "./interrupt.js";
import { holdClaim, takeDown } from "./lifecycle.js";
import { type ProvisionPlan, type ProvisionRequest, planProvision } from "./plan.js";
import { countsTowardLimit, transition } from "./transitions.js";

export function newEnvId(taken: ReadonlySet<string>): string {
  for (;;) {
    // Short enough to type in `hms-env extend`; the loop makes a clash with a live id impossible.
    const id = `env-${randomBytes(4).toString("hex")}`;
    if (!taken.has(id)) return id;
  }
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
    checkout: { mode: plan.checkout.mode, folders: plan.checkout.folders },
    claim,
  };
}

/**
 * Stores the `provisioning` record naming its folder in one locked step (the limit is checked again),
 * then makes the folder. Should making it fail (someone made one of that name by hand meanwhile), the
 * record forgets the path, so the rollback can never remove a folder that is not this environment's.
 */
async function reserve(context: EnvContext, plan: ProvisionPlan, record: EnvRecord): Promise<void> {
  const { config, runner, store } = context;
  await store.update((state) => {
    checkOwnerLimit(state.environments, plan.owner, config.maxEnvsPerOwner);
    if (state.environments.some((env) => env.id === record.id)) {
      throw new HmsError("PROVISION_FAILED", `environment id ${record.id} was taken meanwhile; try again`);
    }
    Object.assign(record, runner.place(plan, new Set(state.environments.map((env) => env.path))));
    state.environments.push({ ...record });
  });
  try {
    await runner.reserve(record);
  } catch (error) {
    Object.assign(record, { path: "", workdir: "" });
    throw error;
  }
}

/** The runner's workspace made, the record becomes ready: only by the claim's holder, on the stored record. */
async function build(
  context: EnvContext,
  record: EnvRecord,
  plan: ProvisionPlan,
  progress: ProgressListener,
  signal: AbortSignal | undefined,
) {
  const { runner, store } = context;
  await runner.prepare(record, plan, progress, signal);
  throwIfInterrupted(signal);
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
    // What the runner learnt while preparing it (the built shell, the nixpkgs it came from).
    if (record.shell !== undefined) stored.shell = record.shell;
    if (record.nixpkgs !== undefined) stored.nixpkgs = record.nixpkgs;
    runner.mark(stored);
    return { ...stored };
  });
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

/** A step that failed because Ctrl-C reached its child process too is still an interruption. */
function asInterruption(error: unknown, signal: AbortSignal | undefined): unknown {
  if (!signal?.aborted || describeError(error).startsWith("interrupted")) return error;
  return new HmsError("PROVISION_FAILED", `interrupted: ${describeError(error)}`, { cause: error });
}

/** A step still running is logged too: under `serve` nobody watches a terminal. */
function logLongSteps(context: EnvContext, envId: string, progress: ProgressListener): ProgressListener {
  return (event) => {
    if (event.running) {
      context.log.info(
        { envId, action: "progress", step: event.step, ms: event.ms },
        `${envId}: ${event.step} still running after ${Math.round((event.ms ?? 0) / 1000)} s: ${event.detail}`,
      );
    }
    progress(event);
  };
}

export async function provision(
  context: EnvContext,
  request: ProvisionRequest,
  { progress = () => undefined, signal }: ProvisionOptions = {},
): Promise<EnvRecord> {
  const { config, runner, store } = context;
  const plan = planProvision(request, config, context.clock.now());
  const { repo } = await runner.check(plan);
  const known = (await store.read()).environments;
  checkOwnerLimit(known, plan.owner, config.maxEnvsPerOwner);
  const claim = newClaim(context.self, context.clock.now(), config.cleanup.claimLeaseMs, 1);
  const record = draftRecord(newEnvId(new Set(known.map((env) => env.id))), plan, repo, claim);
  progress = logLongSteps(context, record.id, progress);

  if (plan.checkout.note) progress({ step: "checkout", detail: plan.checkout.note });
  try {
    await runner.fetch(record, plan, progress);
    throwIfInterrupted(signal);
    await reserve(context, plan, record);
  } catch (error) {
    // Nothing is reserved yet: taking back the fetch (the environment's ref) is all there is to do.
    await runner.tearDown({ ...record, path: "", workdir: "" }).catch(() => undefined);
    // A branch or PR that does not exist, or a limit reached, is the caller's mistake: nothing is kept.
    // A state file that cannot be written keeps nothing either (recording the failure would fail too).
    if (!(isHmsError(error) && error.userError)) {
      await recordFailure(context, record, asInterruption(error, signal)).catch(() => undefined);
    }
    throw asProvisionError(asInterruption(error, signal), record.id);
  }
  progress({ step: "reserve", detail: `${record.id} at ${record.path}` });
  const held = holdClaim(context, record.id, claim);
  try {
    return await build(context, record, plan, progress, signal);
  } catch (caught) {
    const error = asInterruption(caught, signal);
    held.release();
    await rollBack(context, record, error);
    throw asProvisionError(error, record.id);
  } finally {
    held.release();
  }
}
