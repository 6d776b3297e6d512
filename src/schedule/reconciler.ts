import type { ReconcileReport } from "../envs/reconcile.js";
import type { TimerLog } from "./timers.js";

export interface Reconciler {
  /** One pass now; passes never overlap. */
  runOnce(): Promise<ReconcileReport | undefined>;
  stop(): void;
}

/** Runs `reconcile` every `intervalMs`: the safety net for whatever a timer or a person missed. */
export function startReconciler(options: {
  intervalMs: number;
  reconcile: () => Promise<ReconcileReport>;
  log: TimerLog;
}): Reconciler {
  let running: Promise<ReconcileReport | undefined> | undefined;
  const runOnce = () => {
    running ??= options
      .reconcile()
      .then((report) => {
        const changed = report.expired.length + report.missing.length + report.abandoned.length;
        if (changed > 0 || report.orphans.length > 0) {
          options.log.info(
            {
              action: "reconcile",
              expired: report.expired.length,
              missing: report.missing.length,
              abandoned: report.abandoned.length,
              orphans: report.orphans.length,
            },
            `reconciled: ${report.expired.length} expired, ${report.missing.length} gone, ${report.abandoned.length} interrupted provisionings, ${report.orphans.length} orphan folders`,
          );
        } else options.log.debug({ action: "reconcile" }, "reconciled: nothing to do");
        return report;
      })
      .catch((err: unknown) => {
        options.log.error({ action: "reconcile", err }, "reconcile failed");
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const interval = setInterval(runOnce, options.intervalMs);
  interval.unref();
  return { runOnce, stop: () => clearInterval(interval) };
}
