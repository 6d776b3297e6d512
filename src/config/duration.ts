import ms from "ms";
import { HmsError } from "../errors.js";

/**
 * Durations as people write them in Slack and on the command line: a whole number and a unit
 * ("90m", "8h", "2d", "1w"). `ms` does the arithmetic; the pattern keeps out what `ms` would also take
 * but nobody means here (a bare "8" is 8 milliseconds to `ms`).
 */
const DURATION = /^(\d{1,6})\s*(s|m|h|d|w)$/;

export function parseDuration(text: string, what = "duration"): number {
  const trimmed = text.trim().toLowerCase();
  const match = DURATION.exec(trimmed);
  const value = match ? ms(`${match[1]}${match[2]}` as ms.StringValue) : undefined;
  if (value === undefined || !Number.isFinite(value) || value <= 0) {
    throw new HmsError(
      "INVALID_INPUT",
      `${what} "${text}" is not a duration: use a whole number and a unit, e.g. 30m, 8h, 2d or 1w`,
    );
  }
  return value;
}

/** "2d 3h", "7h 59m", "4m": the two largest units, as a countdown reads best. */
export function formatDuration(milliseconds: number): string {
  const minutes = Math.max(0, Math.floor(milliseconds / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return rest > 0 ? `${hours}h ${rest}m` : `${hours}h`;
  return `${rest}m`;
}

/** Checks a requested timeout against the configured bounds and says the bounds when it is outside. */
export function checkTimeout(
  milliseconds: number,
  text: string,
  bounds: { min: number; max: number },
): number {
  if (milliseconds < bounds.min || milliseconds > bounds.max) {
    throw new HmsError(
      "INVALID_INPUT",
      `timeout "${text}" is outside the allowed range ${ms(bounds.min)} to ${ms(bounds.max)} (limits.minTimeout, limits.maxTimeout)`,
    );
  }
  return milliseconds;
}
