/**
 * What a report's failure is, as Sentry groups errors: the exception type and the top frame in the
 * repository's own code. Two reports with the same exception at the same frame are the same failure
 * whatever else they say; two with different exception types are different failures however much
 * framework noise their stack traces share.
 */
export interface Fingerprint {
  /** `PG::UndefinedTable`, `NoMethodError`, `TS2307`, `E0308`, `panic: index out of bounds the len`; or null. */
  exception: string | null;
  /** The first frame in the repository's own code, as a repository path; null if no frame is known. */
  frame: string | null;
}

/** Class names, namespaced or not: `PG::UndefinedTable`, `Encoding::UndefinedConversionError`, `TypeError`. */
const CLASS_NAME = /\b[A-Z][A-Za-z0-9]*(?:::[A-Z][A-Za-z0-9]*)*\b/g;
const ERROR_SUFFIX = /.(?:Error|Exception)$/;
/** Namespaced names that are places, not failures: `Api::V1::ClaimsController`, `ActiveRecord::Base`. */
const NOT_A_FAILURE = /(?:Controller|Helper|Job|Base|Record|V\d+)$/;
// Codes that name a failure on their own: rustc's error[E0308], tsc's TS2307, Node's ERR_REQUIRE_ESM,
// errno names (EADDRINUSE, ECONNREFUSED); PostgreSQL's "ERROR:" is not one.
const CODES = [/\berror\[(E\d{4})\]/, /\b(TS\d{4})\b/, /\b(ERR_[A-Z0-9_]+)\b/, /\b(E(?!RROR\b)[A-Z]{4,})\b/];
const RUST_PANIC = /\bpanicked at\b/;

function failureNames(line: string): string[] {
  return [...line.matchAll(CLASS_NAME)]
    .map((match) => match[0])
    .filter((name) => ERROR_SUFFIX.test(name) || (name.includes("::") && !NOT_A_FAILURE.test(name)));
}

function codeIn(line: string): string | null {
  for (const code of CODES) {
    const match = code.exec(line);
    if (match) return match[1] as string;
  }
  return null;
}

const PANIC_WORDS = 6;

/**
 * A Rust panic has no type, so its message stands in: the first words of it, without numbers, from the
 * same line (`panicked at 'msg', src/x.rs:1:2`, before Rust 1.73) or the next (`panicked at src/x.rs:1:2:`).
 */
function panicType(lines: readonly string[], index: number): string {
  const line = lines[index] as string;
  const quoted = /panicked at '([^']*)'/.exec(line)?.[1];
  // A log prefix (journald's "Nov 26 08:12:40 host unit[pid]: ") on both lines is not the message.
  const prefix = line.slice(0, Math.max(0, line.indexOf("thread '")));
  const next = lines.slice(index + 1).find((candidate) => candidate.trim() !== "") ?? "";
  const message = quoted ?? (prefix !== "" && next.startsWith(prefix) ? next.slice(prefix.length) : next);
  const words = message.toLowerCase().match(/[a-z]+/g) ?? [];
  return words.length === 0 ? "panic" : `panic: ${words.slice(0, PANIC_WORDS).join(" ")}`;
}

/** Lines after the first failure that may still continue its chain (rspec puts each cause on its own). */
const CHAIN_LINES = 2;

/**
 * The exception a report is about, from the first line that names one. The last name of the chain wins,
 * because messages chain from the outside in (`ActiveRecord::StatementInvalid: PG::UndefinedTable:`,
 * on one line or on the next) and the innermost says what actually failed.
 */
export function exceptionType(text: string): string | null {
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const names = failureNames(lines[index] as string);
    if (names.length === 0) {
      const code = codeIn(lines[index] as string);
      if (code !== null) return code;
      if (RUST_PANIC.test(lines[index] as string)) return panicType(lines, index);
      continue;
    }
    let innermost = names[names.length - 1] as string;
    for (const next of lines.slice(index + 1, index + 1 + CHAIN_LINES)) {
      const more = failureNames(next);
      if (more.length === 0) break;
      innermost = more[more.length - 1] as string;
    }
    return innermost;
  }
  return null;
}
