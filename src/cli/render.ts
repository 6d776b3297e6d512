import { readlinkSync } from "node:fs";
import { join } from "node:path";
import { formatDuration } from "../config/duration.js";
import { GC_ROOT_DIR } from "../envs/context.js";
import type { Moment } from "../envs/lifecycle.js";
import { shellWord } from "../envs/shell-quote.js";
import { sparseFoldersOf } from "../envs/sparse.js";
import type { EnvRecord } from "../store/schema.js";

export { progressLine } from "../envs/progress-line.js";

export function sourceOf(env: EnvRecord): string {
  return env.pr !== null ? `PR #${env.pr}` : `branch ${env.branch ?? "?"}`;
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split("\n")[0]?.slice(0, 80);
}

function until(at: string, now: Date): string {
  const left = Date.parse(at) - now.getTime();
  return left > 0 ? `in ${formatDuration(left)}` : "now";
}

const remaining = (env: EnvRecord, now: Date) => until(env.expiresAt, now);

/** A claim whose holder is gone: nobody works on the environment, and what finishes it. */
function deadHolder(env: EnvRecord, moment: Moment): string | undefined {
  if (!env.claim || !moment.claimIsDead(env)) return undefined;
  return `interrupted: pid ${env.claim.pid} on ${env.claim.host} is gone; \`hms-env cleanup ${env.id}\` finishes it`;
}

/** Who works on a claimed environment, or that nobody does any more. */
function holderState(env: EnvRecord, moment: Moment, doing: string): string | undefined {
  if (!env.claim) return undefined;
  return deadHolder(env, moment) ?? `${doing} by pid ${env.claim.pid} on ${env.claim.host}`;
}

/** Why a cleaning environment is still there, in a few words: who works on it, or the last failure and the next try. */
function cleaningState(env: EnvRecord, moment: Moment): string {
  const { now } = moment;
  const holder = holderState(env, moment, "being removed");
  if (holder !== undefined) return holder;
  const next = env.nextAttemptAt ? `retry ${until(env.nextAttemptAt, now)}` : "retry due";
  const person = env.needsAttentionAt ? " (needs a person)" : "";
  return `${next}${person}: ${firstLine(env.lastError) ?? "interrupted"}`;
}

/** The lines a person needs to start working: the same text goes to the terminal and to Slack. */
export function launchInstructions(env: EnvRecord, now: Date): string {
  return [
    `Environment ${env.id} is ready: ${env.component} at ${sourceOf(env)} (${(env.commit ?? "").slice(0, 12)})`,
    "",
    `  cd ${shellWord(env.path)}`,
    "  ./launch.sh                    # enter the Nix shell in the checkout",
    "  ./launch.sh --run 'make test'  # or run one command in it",
    "  ./cleanup.sh                   # when you are done",
    ...(sparseFoldersOf(env) === undefined
      ? []
      : [`  hms-env widen ${env.id} FOLDER  # the checkout is sparse: add a folder to it`]),
    "",
    `It expires ${remaining(env, now)} (${env.expiresAt}): \`hms-env serve\` cleans it up then (or the next \`hms-env gc\`); \`hms-env extend ${env.id} 8h\` keeps it longer.`,
  ].join("\n");
}

/** The root as it is now: a re-launch after an edit of hms-env.nix moves it to the shell it built. */
function shellRoot(env: EnvRecord): string {
  const root = join(env.path, GC_ROOT_DIR, "shell");
  try {
    return `${root} -> ${readlinkSync(root)}`;
  } catch {
    return `${root} -> ${env.shell} (the root is missing: ./launch.sh --fresh makes it again)`;
  }
}

function checkoutLine(env: EnvRecord): string {
  const folders = sparseFoldersOf(env);
  if (folders === undefined) return "full";
  return `sparse: ${folders.join(", ") || "(no folders)"}, and the top-level files`;
}

/** The status and why: a failed one's own failure (an interrupted provisioning says so), else the reason it went. */
function statusText(env: EnvRecord): string {
  const why = env.status === "failed" ? (firstLine(env.failure) ?? env.cleanReason) : env.cleanReason;
  return why ? `${env.status} (${why})` : env.status;
}

/** The last column of `list`: when it expires, or why it is not simply there. */
function stateColumn(env: EnvRecord, moment: Moment): string {
  switch (env.status) {
    case "ready":
      return remaining(env, moment.now);
    case "cleaning":
      return cleaningState(env, moment);
    case "provisioning":
      return holderState(env, moment, "being provisioned") ?? "-";
    case "failed":
      return firstLine(env.failure) ?? env.cleanReason ?? "-";
    default:
      return env.cleanReason ?? "-";
  }
}

export function describeEnvironment(env: EnvRecord, moment: Moment): string {
  const { now } = moment;
  const lines = [
    `id:         ${env.id}`,
    `status:     ${statusText(env)}`,
    `component:  ${env.component}${env.component === "all" ? ` (${env.components.join(", ")})` : ""}`,
    `source:     ${sourceOf(env)}`,
    `commit:     ${env.commit ?? "-"}`,
    `checkout:   ${checkoutLine(env)}`,
    `owner:      ${env.owner}`,
    // A provisioning that failed before its folder was reserved has none.
    `path:       ${env.path || "-"}`,
    `workdir:    ${env.workdir || "-"}`,
    `created:    ${env.createdAt}`,
    `expires:    ${env.expiresAt}${env.status === "ready" ? ` (${remaining(env, now)})` : ""}`,
  ];
  if (env.nixpkgs) lines.push(`nixpkgs:    ${env.nixpkgs}`);
  if (env.shell && env.status !== "cleaned") lines.push(`gc root:    ${shellRoot(env)}`);
  if (env.failure) lines.push(`failure:    ${env.failure}`);
  if (env.claim) {
    const dead = deadHolder(env, moment);
    lines.push(
      dead === undefined
        ? `claimed:    by pid ${env.claim.pid} on ${env.claim.host} since ${env.claim.since} (attempt ${env.claim.attempt}, lease until ${env.claim.leaseUntil})`
        : `claimed:    ${dead} (claimed since ${env.claim.since}, attempt ${env.claim.attempt})`,
    );
  }
  if (env.attempts)
    lines.push(`attempts:   ${env.attempts} failed cleanup attempt${env.attempts === 1 ? "" : "s"}`);
  if (env.lastError && env.status === "cleaning") lines.push(`why still:  ${env.lastError}`);
  if (env.nextAttemptAt && env.status === "cleaning") {
    lines.push(
      `next try:   ${env.nextAttemptAt} (${until(env.nextAttemptAt, now)}; \`hms-env cleanup ${env.id}\` tries now)`,
    );
  }
  if (env.needsAttentionAt && env.status === "cleaning") {
    lines.push(
      `attention:  since ${env.needsAttentionAt} a person needs to fix what stops its removal; retries go on`,
    );
  }
  if (env.cleanedAt) lines.push(`cleaned:    ${env.cleanedAt}`);
  return lines.join("\n");
}

export function environmentTable(envs: readonly EnvRecord[], moment: Moment): string {
  if (envs.length === 0)
    return "No environments. Make one with `hms-env provision --component hms-dev --branch main`.";
  const rows = envs.map((env) => [
    env.id,
    env.status,
    env.component,
    sourceOf(env),
    env.owner,
    stateColumn(env, moment),
  ]);
  const header = ["ID", "STATUS", "COMPONENT", "SOURCE", "OWNER", "EXPIRES"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [format(header), ...rows.map(format)].join("\n");
}
