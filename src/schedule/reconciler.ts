import type { Clock } from "../clock.js";
import type { Log } from "../envs/context.js";
import type { ReconcileReport } from "../envs/reconcile.js";
import { type PeriodicPass, runPeriodically } from "./periodic.js";

export type Reconciler = PeriodicPass<ReconcileReport | undefined>;

/** Runs `reconcile` every `intervalMs`: the safety net for whatever a timer or a person missed. */
export function startReconciler(options: {
  intervalMs: number;
  clock: Clock;
  reconcile: () => Promise<ReconcileReport>;
  log: Log;
}): Reconciler {
  return runPeriodically(options.clock, options.intervalMs, () =>
    options
      .reconcile()
      .then((report) => {
        const changed =
          report.expired.length + report.missing.length + report.abandoned.length + report.resumed.length;
        if (changed > 0 || report.orphans.length > 0) {
          options.log.info(
            {
              action: "reconcile",
              expired: report.expired.length,
              missing: report.missing.length,
              abandoned: report.abandoned.length,
              resumed: report.resumed.length,
              orphans: report.orphans.length,
            },
            `reconciled: ${report.expired.length} expired, ${report.missing.length} gone, ${report.abandoned.length} interrupted provisionings, ${report.resumed.length} cleanups finished, ${report.orphans.length} orphan folders`,
          );
        } else options.log.debug({ action: "reconcile" }, "reconciled: nothing to do");
        return report;
      })
      .catch((err: unknown) => {
        options.log.error({ action: "reconcile", err }, "reconcile failed");
        return undefined;
      }),
  );
}
