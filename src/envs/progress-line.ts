/** One line a step of a provisioning: its name, its time, what it did (a terminal and a Slack DM show the same). */
export function progressLine({ step, detail, ms }: { step: string; detail: string; ms?: number }): string {
  return `  ${step.padEnd(9)} ${ms === undefined ? "" : `${String(ms).padStart(6)} ms  `}${detail}`;
}

/** The id of the environment a provisioning reserved, from its `reserve` step ("env-3f9c2a1b at /path"). */
export function reservedEnvId({ step, detail }: { step: string; detail: string }): string | undefined {
  return step === "reserve" ? /^(env-[0-9a-f]+) at /.exec(detail)?.[1] : undefined;
}
