import type { ProgressEvent } from "./context.js";

/** One line a step of a provisioning: its name, its time, what it did (a terminal and a Slack DM show the same). */
export function progressLine({ step, detail, ms, running }: ProgressEvent): string {
  if (running)
    return `  ${step.padEnd(9)} ${`${Math.round((ms ?? 0) / 1000)} s`.padStart(9)}  still running: ${detail}`;
  return `  ${step.padEnd(9)} ${ms === undefined ? "" : `${String(ms).padStart(6)} ms  `}${detail}`;
}

/** The id of the environment a provisioning reserved, from its `reserve` step ("env-3f9c2a1b at /path"). */
export function reservedEnvId({ step, detail }: { step: string; detail: string }): string | undefined {
  return step === "reserve" ? /^(env-[0-9a-f]+) at /.exec(detail)?.[1] : undefined;
}

/**
 * Adds an event's line to `lines` (a DM edited in place): a step still running replaces its own
 * earlier "still running" line, so a long fetch shows one line that counts up, not one per tick.
 */
export function addProgressLine(lines: string[], event: ProgressEvent): void {
  const line = progressLine(event);
  const earlier = lines.findIndex(
    (shown) => shown.startsWith(`  ${event.step.padEnd(9)} `) && shown.includes("still running: "),
  );
  if (earlier === -1) lines.push(line);
  else if (event.running) lines[earlier] = line;
  else lines.splice(earlier, 1, line);
}
