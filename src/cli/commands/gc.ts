import { reconcile } from "../../envs/reconcile.js";
import type { Command } from "../command.js";
import { environmentFor } from "../environment.js";

export const gcCommand: Command = {
  name: "gc",
  summary: "reconcile now: expire due environments, forget vanished ones, report (or remove) orphans",
  usage: `Usage: hms-env gc [--orphans] [--json] [--config FILE]

  --orphans   also remove folders under the env root that no environment owns`,
  options: { orphans: { type: "boolean" } },
  async run(args, io) {
    const context = environmentFor(args, io);
    const report = await reconcile(context, { removeOrphans: args.values.orphans === true });
    const exitCode = report.failures.length > 0 ? 1 : 0;
    if (args.values.json) {
      io.out(JSON.stringify(report, null, 2));
      return exitCode;
    }
    const lines = [
      `expired and cleaned: ${report.expired.map((env) => env.id).join(", ") || "none"}`,
      `folder gone, marked cleaned: ${report.missing.map((env) => env.id).join(", ") || "none"}`,
      `unfinished provisioning taken down: ${report.abandoned.map((env) => env.id).join(", ") || "none"}`,
    ];
    for (const failure of report.failures) lines.push(`could not clean ${failure.id}: ${failure.error}`);
    if (report.removedOrphans.length > 0)
      lines.push(`orphan folders removed:\n  ${report.removedOrphans.join("\n  ")}`);
    else if (report.orphans.length > 0) {
      lines.push(
        `orphan folders (no environment owns them; \`hms-env gc --orphans\` removes them):\n  ${report.orphans.join("\n  ")}`,
      );
    } else lines.push("orphan folders: none");
    io.out(lines.join("\n"));
    return exitCode;
  },
};
