/**
 * How triage reads text. One definition of a "word" (ASCII letters, digits and `_`, as in JavaScript's
 * `\w` and `\b`) is shared by the tokenizer, the phrase matcher and the regex anchors, so a signature
 * the index finds through a token is exactly one a plain regex scan would find.
 */

const TOKEN = /[a-z0-9_]+/g;
const WORD_CHAR = /[A-Za-z0-9_]/;
const BEFORE_WORD = "(?<![A-Za-z0-9_])";
const AFTER_WORD = "(?![A-Za-z0-9_])";

/** Pasted logs can be megabytes; the error is near the start or the end, so both are kept. */
const MAX_TEXT = 200_000;

export function clampText(text: string, max = MAX_TEXT): string {
  if (text.length <= max) return text;
  const half = max / 2;
  return `${text.slice(0, half)}\n${text.slice(-half)}`;
}

export function isWordChar(char: string): boolean {
  return WORD_CHAR.test(char);
}

/** Lower-case words in order, repeats kept (term frequencies need them). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

export function uniqueTokens(text: string): Set<string> {
  return new Set(tokenize(text));
}

// Words that say nothing about a bug: English glue, how people talk about any bug, what every log line
// says, path fragments (home, src, rb) that every stack trace carries, and the components' own names
// (routing weighs those; in root-cause text they are incidental).
const STOPWORDS = new Set(
  `a an and are as at be been but by can could did do does for from had has have he her his how i if in
  into is it its just me my no not of on or our she so some than that the their them then there these
  they this to too up us was we were what when where which while who why will with would you your
  after again also any because before both each few more most only other same should such very
  error errors fail failed fails failing line file files get got help issue please see still thanks
  anyone someone something work works working happen happens happened happening machine today
  yesterday morning afternoon since time times take takes took look looks fine really extremely
  forever never always sometimes need needs try tried new old first last out asap fix broken nothing
  everything main every keeps around about like one two ago week day days minutes hours
  hms dev sme esr sys home usr lib src bin tmp srv var opt builds rb js ts mjs cjs rs py`.split(/\s+/),
);

/**
 * A token worth indexing and comparing, or null. Drops stopwords, single characters, numbers and
 * hash-like strings (commit ids, Nix store hashes, addresses), which differ between two reports of the
 * same bug and would only add noise.
 */
export function searchTerm(token: string): string | null {
  if (token.length < 2 || STOPWORDS.has(token)) return null;
  if (/^[0-9_]+$/.test(token)) return null;
  if (token.length >= 12 && /[0-9]/.test(token) && /[a-z]/.test(token)) return null;
  if (/^0x[0-9a-f]+$/.test(token)) return null;
  return token;
}

export function searchTerms(text: string): string[] {
  const terms: string[] = [];
  for (const token of tokenize(text)) {
    const term = searchTerm(token);
    if (term !== null) terms.push(term);
  }
  return terms;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * A phrase matched as whole words, case-insensitively, with any run of whitespace standing for any
 * other (logs wrap and PostgreSQL pads "ERROR:  relation"). `looseSeparators` also lets "-", "_" and
 * spaces stand for each other, for names people spell several ways ("HMS-SME", "hms sme", "HMS_SME").
 */
export function compilePhrase(phrase: string, { looseSeparators = false } = {}): RegExp {
  const trimmed = phrase.trim();
  const separator = looseSeparators ? /[\s_-]+/ : /\s+/;
  const body = trimmed
    .split(separator)
    .map(escapeRegExp)
    .join(looseSeparators ? "[\\s_-]+" : "\\s+");
  const start = isWordChar(trimmed.charAt(0)) ? BEFORE_WORD : "";
  const end = isWordChar(trimmed.charAt(trimmed.length - 1)) ? AFTER_WORD : "";
  return new RegExp(`${start}${body}${end}`, "i");
}

/** Shortens evidence quoted back to people (a matched line can be a whole minified bundle). */
export function excerpt(text: string, max = 120): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
