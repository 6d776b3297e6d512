/**
 * The one error type of hms-env. `code` is stable (tests and callers branch on it), `message` says what
 * was wrong and what to do, and `userError` separates bad input (exit 2, HTTP 400, ephemeral Slack reply)
 * from failures of the machine or a service (exit 1).
 */
export type HmsErrorCode =
  | "USAGE"
  | "INVALID_INPUT"
  | "CONFIG_INVALID"
  | "CONFIG_NOT_FOUND"
  | "CONFIG_UNREADABLE"
  | "STATE_CORRUPT"
  | "STATE_UNREADABLE"
  | "STATE_LOCKED"
  | "STATE_LOCK_LOST"
  /** A mirror's lock was taken over while this process worked on it (paused past its stale time). */
  | "MIRROR_LOCK_LOST"
  | "STATE_UNWRITABLE"
  | "STATE_MISSING"
  | "NOT_FOUND"
  /** An id prefix that matches several environments: the message lists them. */
  | "AMBIGUOUS_ID"
  | "REF_NOT_FOUND"
  /** A sparse environment's component has none of its folders at the commit (exit 2: fix its paths). */
  | "COMPONENT_FOLDER_MISSING"
  | "LIMIT_REACHED"
  | "GIT_FAILED"
  | "NIX_FAILED"
  /** Another `serve` runs on the same state file (the message names it): this one does not start. */
  | "SERVE_RUNNING"
  /** This `serve` lost its lock on the state file to another (it was paused past the lock's stale time). */
  | "SERVE_LOCK_LOST"
  /** A git or Nix step that stalled or ran past its `timeouts.*` limit: the message names the step and the fix. */
  | "STEP_TIMEOUT"
  | "UNSAFE_PATH"
  | "PROVISION_FAILED"
  /** The command was told to stop (SIGINT, SIGTERM, SIGHUP) while it waited: the exit is 128 + the signal. */
  | "INTERRUPTED"
  | "INVALID_TRANSITION"
  | "CLEANUP_FAILED"
  /** A root-cause signature that could backtrack catastrophically (exit 2: fix the entry). */
  | "UNSAFE_PATTERN"
  /** Some Slack variables set but not all: serve refuses to start rather than run deaf (exit 1). */
  | "SLACK_SETUP"
  /** GitHub variables set but not all, or not valid: serve refuses to start, as for Slack (exit 1). */
  | "GITHUB_SETUP";

const USER_ERRORS: ReadonlySet<HmsErrorCode> = new Set([
  "USAGE",
  "INVALID_INPUT",
  "CONFIG_INVALID",
  "CONFIG_NOT_FOUND",
  "NOT_FOUND",
  "AMBIGUOUS_ID",
  "REF_NOT_FOUND",
  "COMPONENT_FOLDER_MISSING",
  "LIMIT_REACHED",
  // The request does not fit the environment's status now (cleaning a cleaned one, say): nothing changed.
  "INVALID_TRANSITION",
  "UNSAFE_PATTERN",
]);

export class HmsError extends Error {
  readonly code: HmsErrorCode;

  constructor(code: HmsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HmsError";
    this.code = code;
  }

  get userError(): boolean {
    return USER_ERRORS.has(this.code);
  }

  get exitCode(): number {
    return this.userError ? 2 : 1;
  }
}

export function isHmsError(value: unknown, code?: HmsErrorCode): value is HmsError {
  return value instanceof HmsError && (code === undefined || value.code === code);
}

/** The message of anything thrown, for records and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** How far `--verbose` follows `cause`: deep enough for any real chain, bounded against a cycle. */
const MAX_CAUSES = 8;

/**
 * The chain under an error, one line each, outermost first: what `--verbose` prints. A system error
 * shows its errno code and syscall (EACCES open), a coded error its code.
 */
export function describeCauses(error: unknown): string[] {
  const lines: string[] = [];
  let current = error instanceof Error ? error.cause : undefined;
  while (current !== undefined && current !== null && lines.length < MAX_CAUSES) {
    lines.push(`caused by: ${causeLabel(current)}${describeError(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines;
}

function causeLabel(cause: unknown): string {
  if (!(cause instanceof Error)) return "";
  const { code, syscall } = cause as NodeJS.ErrnoException;
  const parts = [typeof code === "string" ? code : cause.name, syscall].filter(Boolean);
  return `[${parts.join(" ")}] `;
}
