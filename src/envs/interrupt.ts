import { HmsError } from "../errors.js";

/** Between the steps of a provisioning: once Ctrl-C, SIGTERM or SIGHUP arrived, stop (what was made is taken back). */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HmsError("PROVISION_FAILED", "interrupted: provisioning was stopped");
}
