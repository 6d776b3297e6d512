/** One line a step of a provisioning: its name, its time, what it did (a terminal and a Slack DM show the same). */
export function progressLine({ step, detail, ms }: { step: string; detail: string; ms?: number }): string {
  return `  ${step.padEnd(9)} ${ms === undefined ? "" : `${String(ms).padStart(6)} ms  `}${detail}`;
}
