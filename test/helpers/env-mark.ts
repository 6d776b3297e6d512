import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Makes a finished environment's folder look like a build killed half-way: its `.hms-env/env.json`
 * never said ready (a finished one is made ready again by the reconciler, not taken down).
 */
export function markUnfinished(envPath: string): void {
  const mark = join(envPath, ".hms-env", "env.json");
  const marked = JSON.parse(readFileSync(mark, "utf8")) as { record: { status: string } };
  marked.record.status = "provisioning";
  writeFileSync(mark, JSON.stringify(marked));
}
