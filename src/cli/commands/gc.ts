import { clearLeftovers, describeLeftovers, leftoversFailed } from "../../envs/leftovers.js";
import { describeReclaim, reclaimMirrors } from "../../envs/reclaim-blobs.js";
import type { Command } from "../command.js";
import { appFor } from "../environment.js";

export const gcCommand: Command = {
  name: "gc",
  summary: "reconcile now: expire due environments, finish interrupted ones, report (or remove) orphans",
  usage: `Usage: hms-env gc [--orphans] [--json] [--config FILE]

  --orphans   also remove folders under the env root that carry hms-env's mark
              (.hms-env/env.json naming the folder) and that no environment owns

Then, in each mirror, removes what failed or killed git commands left (partial objects, stale ref
locks, refs/hms-env/* of environments without a record), and in each partial mirror drops the blobs
that no live environment has checked out (they are fetched again when a checkout needs them).`,
  options: { orphans: { type: "boolean" } },
  async run(args, io) {
    const app = appFor(args, io);
    const report = await app.environments.reconcile({ removeOrphans: args.values.orphans === true });
    // After the cleanups: the blobs of the checkouts just removed are among those given back.
    const leftovers = await clearLeftovers(app.envs);
    const reclaimed = await reclaimMirrors(app.git.withMirrorLock, app.config.cacheDir);
    // Anything that could not be cleaned, now or before (still waiting for its next try), fails gc.
    const failed =
      report.failures.length > 0 ||
      report.waiting.length > 0 ||
      reclaimed.failures.length > 0 ||
      leftoversFailed(leftovers);
    const exitCode = failed ? 1 : 0;
    if (args.values.json) {
      io.out(JSON.stringify({ ...report, leftovers, reclaimed }, null, 2));
      return exitCode;
    }
    const lines = [
      `expired and cleaned: ${report.expired.map((env) => env.id).join(", ") || "none"}`,
      `folder gone, marked cleaned: ${report.missing.map((env) => env.id).join(", ") || "none"}`,
      `unfinished provisioning taken down: ${report.abandoned.map((env) => env.id).join(", ") || "none"}`,
      `finished per its folder's mark, kept as ready: ${report.revived.map((env) => env.id).join(", ") || "none"}`,
      `interrupted or retried cleanup finished: ${report.resumed.map((env) => env.id).join(", ") || "none"}`,
    ];
    for (const failure of report.failures) lines.push(`could not clean ${failure.id}: ${failure.error}`);
    const failedNow = new Set(report.failures.map((failure) => failure.id));
    for (const waiting of report.waiting.filter((entry) => !failedNow.has(entry.id))) {
      lines.push(
        `still waiting to be cleaned: ${waiting.id} (${waiting.attempts} failed attempts${waiting.needsAttention ? ", needs a person" : ""}; next try ${waiting.nextAttemptAt}): ${waiting.lastError}`,
      );
    }
    if (report.removedOrphans.length > 0)
      lines.push(`orphan folders removed:\n  ${report.removedOrphans.join("\n  ")}`);
    else if (report.orphans.length > 0) {
      lines.push(
        `orphan folders (no environment owns them; \`hms-env gc --orphans\` removes them):\n  ${report.orphans.join("\n  ")}`,
      );
    } else lines.push("orphan folders: none");
    if (report.unmarked.length > 0) {
      lines.push(
        `named like environments but without hms-env's mark, left alone:\n  ${report.unmarked.join("\n  ")}`,
      );
    }
    if (report.foreign.length > 0) {
      lines.push(
        `marked for another state file (or by an older hms-env that named none), left alone:\n  ${report.foreign.join("\n  ")}`,
      );
    }
    lines.push(...describeLeftovers(leftovers));
    lines.push(...describeReclaim(reclaimed));
    io.out(lines.join("\n"));
    return exitCode;
  },
};
