import { z } from "zod";

/** `cleaning` is claimed under the lock before teardown, so an expiry, a cleanup and an extend never race. */
export const envStatus = z.enum(["provisioning", "ready", "cleaning", "failed", "cleaned"]);
export type EnvStatus = z.infer<typeof envStatus>;

/**
 * Why an environment went away: shown in `list`, Slack messages and the audit log. A PR that closes
 * unmerged gives `closed`; new commits on a PR give `replaced` (an environment at the new head follows).
 */
export const cleanReason = z.enum([
  "manual",
  "expired",
  "merged",
  "closed",
  "replaced",
  "draft",
  "missing",
  "failed",
]);
export type CleanReason = z.infer<typeof cleanReason>;

export const claimSchema = z.object({
  pid: z.number().int(),
  host: z.string(),
  /** The holder's boot, pid namespace and start (src/store/lock-holder.ts): a reused pid is not it. */
  bootId: z.string().optional(),
  pidNamespace: z.string().optional(),
  startTicks: z.number().int().nonnegative().optional(),
  /** When this holder took the claim. */
  since: z.string(),
  /** Which attempt this is: 1 for the first holder, one more for each take-over or retry. */
  attempt: z.number().int().positive(),
  /** The holder renews it while it works; after it, another host may take the claim over. */
  leaseUntil: z.string(),
});
export type Claim = z.infer<typeof claimSchema>;

export const envRecordSchema = z.object({
  id: z.string().min(1),
  /** The environment's directory: launch.sh, cleanup.sh, hms-env.nix, data/, .envrc, the checkout. */
  /** Empty for a provisioning that failed before its folder was reserved. */
  path: z.string(),
  /** The checkout inside `path`. */
  workdir: z.string(),
  /** What was asked for: one component id or "all". */
  component: z.string().min(1),
  components: z.array(z.string().min(1)),
  repo: z.string().min(1),
  // Empty until the mirror exists (a provisioning that failed before it has none).
  mirror: z.string(),
  branch: z.string().nullable(),
  pr: z.number().int().positive().nullable(),
  commit: z.string().nullable(),
  owner: z.string().min(1),
  createdAt: z.string(),
  expiresAt: z.string(),
  status: envStatus,
  /** Every file, or a cone-mode sparse checkout of these folders. Absent in older records: full. */
  checkout: z.object({ mode: z.enum(["full", "sparse"]), folders: z.array(z.string()) }).optional(),
  failure: z.string().optional(),
  cleanedAt: z.string().optional(),
  cleanReason: cleanReason.optional(),
  /**
   * Who is working on it now: set while a process provisions or cleans it up, so another process can
   * tell a dead holder from a busy one (src/envs/claims.ts).
   */
  claim: claimSchema.optional(),
  /** Cleanup attempts that failed so far; reset when one succeeds. */
  attempts: z.number().int().nonnegative().optional(),
  /** Why the last cleanup attempt failed: why the environment is still there. */
  lastError: z.string().optional(),
  /** When the next cleanup attempt is due (a cleaning environment that nobody holds is waiting for it). */
  nextAttemptAt: z.string().optional(),
  /** Set once, when the attempts reached cleanup.maxAttempts: a person has to look at it. */
  needsAttentionAt: z.string().optional(),
  /** The nixpkgs the shell was made with: "pinned <rev> (<branch>)", or a channel or path and its version. */
  nixpkgs: z.string().optional(),
  /** The built shell in the Nix store, kept alive by the environment's one GC root. */
  shell: z.string().optional(),
});
export type EnvRecord = z.infer<typeof envRecordSchema>;

export const auditEntrySchema = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  detail: z.string().optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/**
 * The whole state file. Collections that later capabilities fill (bugs, rotation, deliveries) are kept
 * loose here and validated by their own modules, so an older hms-env never drops what a newer one wrote.
 */
export const stateSchema = z
  .object({
    version: z.literal(1),
    environments: z.array(envRecordSchema).default([]),
    bugs: z.array(z.record(z.string(), z.unknown())).default([]),
    rotation: z.record(z.string(), z.unknown()).default({}),
    deliveries: z.array(z.record(z.string(), z.unknown())).default([]),
    audit: z.array(auditEntrySchema).default([]),
  })
  .loose();
export type StateData = z.infer<typeof stateSchema>;

export function emptyState(): StateData {
  return { version: 1, environments: [], bugs: [], rotation: {}, deliveries: [], audit: [] };
}
