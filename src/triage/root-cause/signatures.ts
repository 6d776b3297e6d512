import { clampText, compilePhrase, excerpt, type TextPattern, tokenize } from "../text.js";
import { type RequiredWord, requiredWords } from "./regex-anchors.js";
import type { Signature } from "./schema.js";

/** A signature ready to run: the regular expression, and the words every match contains. */
export interface CompiledSignature {
  entryId: string;
  /** How people see it: "PG::UndefinedTable" or /relation "[^"]+" does not exist/i. */
  label: string;
  /** Built on first use. */
  readonly pattern: TextPattern;
  /** Words every match contains; empty when none is certain (then it is tried on every report). */
  words: RequiredWord[];
}

/** The same regular expression a plain scan would run: literals as whole words, regexes as written. */
export function signaturePattern(signature: Signature): TextPattern {
  return typeof signature === "string"
    ? compilePhrase(signature)
    : new RegExp(signature.regex, signature.flags);
}

/**
 * The words are read now, to file the signature under one of them; the regular expression is built the
 * first time a report has that word. A report runs a handful of the database's signatures, and building
 * all 20,000 of a large database up front was a quarter of its index build (bench/triage). The database
 * was validated when it was read (schema.ts compiles every regex once), so building one later cannot fail.
 */
export function compileSignature(entryId: string, signature: Signature): CompiledSignature {
  let pattern: TextPattern | undefined;
  // A literal matches as whole words, so each of its words is a whole token of the report.
  const words: RequiredWord[] =
    typeof signature === "string"
      ? [...new Set(tokenize(signature))]
          .filter((word) => word.length >= 2)
          .map((word) => ({ word, position: "whole" }))
      : requiredWords(signature.regex, signature.flags);
  return {
    entryId,
    label: describeSignature(signature),
    get pattern() {
      pattern ??= signaturePattern(signature);
      return pattern;
    },
    words,
  };
}

export function describeSignature(signature: Signature): string {
  return typeof signature === "string" ? `"${signature}"` : `/${signature.regex}/${signature.flags}`;
}

/** What a signature matched in a report, or null. */
export function matchSignature(signature: CompiledSignature, text: string): string | null {
  const match = signature.pattern.exec(text);
  return match === null ? null : `signature ${signature.label} matched "${excerpt(match[0], 80)}"`;
}

/**
 * Bounds on the text signatures run on. regex-safety.ts refuses patterns that backtrack as a power of
 * the text's length, but a single repetition before a literal (`\S+\.rb`) still retries at every start
 * of a run of characters: a 40,000-character token takes seconds. Runs of non-space characters and lines
 * are broken after these lengths (an error message's own words and paths are far shorter), and only
 * the start and the end of a long report are kept, so no signature costs more than about
 * text × run steps.
 */
const SIGNATURE_TEXT = 64 * 1024;
const LONG_RUN = /\S{256}(?=\S)/g;
const LONG_LINE = /[^\n]{2000}(?=[^\n])/g;

/** The report as signatures see it; see the bounds above. */
export function signatureText(text: string): string {
  return clampText(text, SIGNATURE_TEXT).replace(LONG_RUN, "$&\n").replace(LONG_LINE, "$&\n");
}
