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
  | "NOT_FOUND"
  | "REF_NOT_FOUND"
  | "LIMIT_REACHED"
  | "GIT_FAILED"
  | "NIX_FAILED"
  | "UNSAFE_PATH"
  | "PROVISION_FAILED";

const USER_ERRORS: ReadonlySet<HmsErrorCode> = new Set([
  "USAGE",
  "INVALID_INPUT",
  "CONFIG_INVALID",
  "CONFIG_NOT_FOUND",
  "NOT_FOUND",
  "REF_NOT_FOUND",
  "LIMIT_REACHED",
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
