import { formatDuration } from "../config/duration.js";
import { sparseFoldersOf } from "../envs/sparse.js";
import type { EnvRecord } from "../store/schema.js";

/** One line a step: its name, its time, what it did. */
export function progressLine({ step, detail, ms }: { step: string; detail: string; ms?: number }): string {
  return `  ${step.padEnd(9)} ${ms === undefined ? "" : `${String(ms).padStart(6)} ms  `}${detail}`;
}

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

/** Why a cleaning environment is still there, in a few words: who works on it, or the last failure and the next try. */
function cleaningState(env: EnvRecord, now: Date): string {
  if (env.claim) return `being removed by pid ${env.claim.pid} on ${env.claim.host}`;
  const next = env.nextAttemptAt ? `retry ${until(env.nextAttemptAt, now)}` : "retry due";
  const person = env.needsAttentionAt ? " (needs a person)" : "";
  return `${next}${person}: ${firstLine(env.lastError) ?? "interrupted"}`;
}

/** The lines a person needs to start working: the same text goes to the terminal and to Slack. */
export function launchInstructions(env: EnvRecord, now: Date): string {
  return [
    `Environment ${env.id} is ready: ${env.component} at ${sourceOf(env)} (${(env.commit ?? "").slice(0, 12)})`,
    "",
    `  cd ${env.path}`,
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

function checkoutLine(env: EnvRecord): string {
  const folders = sparseFoldersOf(env);
  if (folders === undefined) return "full";
  return `sparse: ${folders.join(", ") || "(no folders)"}, and the top-level files`;
}

export function describeEnvironment(env: EnvRecord, now: Date): string {
  const lines = [
    `id:         ${env.id}`,
    `status:     ${env.status}${env.cleanReason ? ` (${env.cleanReason})` : ""}`,
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
  if (env.shell) lines.push(`gc root:    ${env.path}/.hms-env/gcroots/shell -> ${env.shell}`);
  if (env.failure) lines.push(`failure:    ${env.failure}`);
  if (env.claim) {
    lines.push(
      `claimed:    by pid ${env.claim.pid} on ${env.claim.host} since ${env.claim.since} (attempt ${env.claim.attempt}, lease until ${env.claim.leaseUntil})`,
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

export function environmentTable(envs: readonly EnvRecord[], now: Date): string {
  if (envs.length === 0)
    return "No environments. Make one with `hms-env provision --component hms-dev --branch main`.";
  const rows = envs.map((env) => [
    env.id,
    env.status,
    env.component,
    sourceOf(env),
    env.owner,
    env.status === "ready"
      ? remaining(env, now)
      : env.status === "cleaning"
        ? cleaningState(env, now)
        : (env.cleanReason ?? firstLine(env.failure) ?? "-"),
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
