import { shellWord } from "../envs/shell-quote.js";
import type { EnvRecord } from "../store/schema.js";
import type { PullRecord } from "./pull-state.js";

/** How the comment is found again: GitHub shows no HTML comments, so readers never see it. */
export const COMMENT_MARKER = "<!-- hms-env:pr-environments -->";

const STATUS: Record<EnvRecord["status"], string> = {
  provisioning: "⏳ provisioning",
  ready: "✅ ready",
  cleaning: "🧹 cleaning up",
  failed: "❌ failed",
  cleaned: "⚪ cleaned up",
};

/** The newest environment of each component: older ones were replaced when the PR moved on. */
export function latestByComponent(envs: readonly EnvRecord[]): Map<string, EnvRecord> {
  const latest = new Map<string, EnvRecord>();
  for (const env of [...envs].sort((a, b) => a.createdAt.localeCompare(b.createdAt)))
    latest.set(env.component, env);
  return latest;
}

const utc = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
const code = (text: string) => `\`${text.replaceAll("`", "'")}\``;

function statusOf(env: EnvRecord | undefined, failure: string | undefined, head: string): string {
  if (env === undefined) return failure === undefined ? "⏳ queued" : `❌ ${failure}`;
  if (env.status === "cleaned") return `${STATUS.cleaned}${env.cleanReason ? ` (${env.cleanReason})` : ""}`;
  if (env.status === "failed") return `${STATUS.failed}: ${firstLine(env.failure ?? "")}`;
  const stale =
    env.commit !== null && head !== "" && !head.startsWith(env.commit) && !env.commit.startsWith(head);
  return stale ? `${STATUS[env.status]} at an older head` : STATUS[env.status];
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").slice(0, 200);
}

/** The whole comment: one row per component, then how to launch each ready environment. */
export function renderPullComment(pull: PullRecord, envs: readonly EnvRecord[]): string {
  const latest = latestByComponent(envs);
  const components = [...new Set([...pull.components, ...latest.keys()])];
  const lines = [COMMENT_MARKER, "### hms-env: environments for this pull request", ""];
  const head = pull.head.slice(0, 12);
  if (pull.note !== null) lines.push(pull.note, "");
  if (components.length > 0) {
    lines.push(`Head ${code(head)}${pull.state === "open" ? "" : ` · PR ${pull.state}`}`, "");
    lines.push("| component | status | environment | folder | expires |", "| --- | --- | --- | --- | --- |");
    for (const component of components) {
      const env = latest.get(component);
      const live = env !== undefined && env.status !== "cleaned" && env.status !== "failed";
      lines.push(
        `| ${component} | ${statusOf(env, pull.failures[component], pull.head)} | ${env ? code(env.id) : ""} | ${live && env.path !== "" ? code(env.path) : ""} | ${live ? utc(env.expiresAt) : ""} |`,
      );
    }
    const ready = [...latest.values()].filter((env) => env.status === "ready");
    for (const env of ready) {
      lines.push(
        "",
        `**${env.component}** at ${code((env.commit ?? "").slice(0, 12))}:`,
        "```bash",
        `cd ${shellWord(env.path)}`,
        "./launch.sh                      # the component's Nix shell in checkout/",
        `hms-env extend ${env.id} 8h      # more time`,
        "./cleanup.sh                     # done with it",
        "```",
      );
    }
  }
  lines.push("", "<sub>Kept up to date by hms-env: this comment is edited in place.</sub>");
  return lines.join("\n");
}
