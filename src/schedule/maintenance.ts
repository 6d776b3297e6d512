import type { Clock } from "../clock.js";
import type { Log } from "../envs/context.js";
import type { MaintenanceReport } from "../envs/mirror-maintenance.js";
import { type PeriodicPass, runPeriodically } from "./periodic.js";

export type MaintenanceSchedule = PeriodicPass<void>;

/** Maintains the mirrors every `intervalMs` (schedule.maintenanceInterval) while `serve` runs. */
export function startMaintenance(options: {
  intervalMs: number;
  clock: Clock;
  maintain: () => Promise<MaintenanceReport>;
  log: Log;
}): MaintenanceSchedule {
  return runPeriodically(options.clock, options.intervalMs, () =>
    options
      .maintain()
      .then((report) => {
        if (report.done.length > 0) {
          options.log.info(
            { action: "maintain", mirrors: report.done },
            `maintained ${report.done.length} mirrors (commit-graph, gc --auto)`,
          );
        }
        for (const failure of report.failures) {
          options.log.error(
            { action: "maintain", mirror: failure.mirror, error: failure.error },
            `could not maintain ${failure.mirror}`,
          );
        }
      })
      .catch((err: unknown) => options.log.error({ action: "maintain", err }, "mirror maintenance failed")),
  );
}
