/**
 * How triage reads text. A word is a run of Unicode letters, marks, digits and `_`, so a report written
 * in Russian, Greek, German or French has words as an English one does. Words are compared after NFKC
 * normalisation (the ligature "ﬁ" is "fi", a full-width "ＥＲＲＯＲ" is "ERROR"), without the accents of
 * Latin, Greek and Cyrillic letters ("déploiement" is "deploiement") and case-folded. Chinese and Japanese put no spaces between words, so a run of their
 * characters is read as its overlapping pairs (数据库超时: 数据 据库 库超 超时), which is how search
 * engines index them without a dictionary: two reports saying the same thing share most pairs.
 *
 * The same definition of a word is used by the tokenizer and the phrase matcher's anchors, so a literal
 * signature the index finds through its words is one a plain scan with its regular expression would
 * find. A signature written as a regular expression means what JavaScript makes of it: its `\w` and
 * `\b` know only ASCII, so the words read from its syntax tree are ASCII words (see regex-anchors.ts),
 * and reports are also split the ASCII way to look those up (`signatureWords`).
 *
 * Text that is all ASCII (most reports) skips normalisation and splits on `[a-z0-9_]`, which gives the
 * same words faster. In any text a word of ASCII letters and digits between spaces or punctuation is
 * the word it was before non-ASCII letters counted, so English reports score as they always did.
 */

const WORD_CLASS = "\\p{L}\\p{M}\\p{N}_";
const TOKEN = new RegExp(`[${WORD_CLASS}]+`, "gu");
const WORD_CHAR = new RegExp(`[${WORD_CLASS}]`, "u");
/** Scripts written without spaces between words (Han, Hiragana, Katakana and its prolonged sound mark). */
const UNSPACED = "\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}ー";
const HAS_UNSPACED = new RegExp(`[${UNSPACED}]`, "u");
const UNSPACED_OR_NOT = new RegExp(`[${UNSPACED}]+|[^${UNSPACED}]+`, "gu");
const UNSPACED_CHAR = new RegExp(`^[${UNSPACED}]`, "u");
/** What JavaScript's `\w` and `\b` count as a word character (without the u and i flags together). */
const ASCII_TOKEN = /[a-z0-9_]+/g;
const ASCII_WORD_CHAR = /[A-Za-z0-9_]/;
const NON_ASCII = /[\u0080-\uffff]/;
/** Accents of Latin, Greek and Cyrillic letters, once decomposed. */
const ACCENTS = /[\u0300-\u036f]/g;

/** Pasted logs can be megabytes; the error is near the start or the end, so both are kept. */
const MAX_TEXT = 200_000;

export function clampText(text: string, max = MAX_TEXT): string {
  if (text.length <= max) return text;
  const half = max / 2;
  return `${text.slice(0, half)}\n${text.slice(-half)}`;
}

/** A letter, mark, digit or `_` of any script. */
export function isWordChar(char: string): boolean {
  return WORD_CHAR.test(char);
}

/** A word character as a JavaScript regular expression's `\w` and `\b` see it. */
export function isRegexWordChar(char: string): boolean {
  return ASCII_WORD_CHAR.test(char);
}

/**
 * Compatibility forms, accents and case folded away. Accents go because people drop them: Greek in
 * capitals is written without them (ΒΑΣΗΣ is βάσης), Russian writes ё as е, and a German or French
 * keyboard is not always at hand. Lower-casing the upper case as well folds what `toLowerCase` alone
 * keeps apart and a case-insensitive regular expression does not (the final sigma ς and σ).
 */
function fold(text: string): string {
  return text.normalize("NFKD").replace(ACCENTS, "").normalize("NFC").toUpperCase().toLowerCase();
}

/** Lower-case words in order, repeats kept (term frequencies need them). */
export function tokenize(text: string): string[] {
  if (!NON_ASCII.test(text)) return text.toLowerCase().match(ASCII_TOKEN) ?? [];
  const tokens: string[] = [];
  for (const word of fold(text).match(TOKEN) ?? []) {
    if (!HAS_UNSPACED.test(word)) tokens.push(word);
    else for (const part of word.match(UNSPACED_OR_NOT) ?? []) pushUnspaced(tokens, part);
  }
  return tokens;
}

/** A run of Han or kana as its overlapping pairs (a lone character as itself); any other run whole. */
function pushUnspaced(tokens: string[], part: string): void {
  const chars = [...part];
  if (chars.length < 2 || !UNSPACED_CHAR.test(part)) {
    tokens.push(part);
    return;
  }
  for (let index = 0; index + 1 < chars.length; index++) tokens.push(`${chars[index]}${chars[index + 1]}`);
}

export function uniqueTokens(text: string): Set<string> {
  return new Set(tokenize(text));
}

/**
 * The words a report's signatures are looked up by: its words (`uniqueTokens`) and, when it is not all
 * ASCII, its words as a regular expression's `\b` splits them ("Fehlerübersicht" also gives "fehler"
 * and "bersicht"), which are what regex-anchors.ts files regular expressions under.
 */
export function signatureWords(text: string, words: ReadonlySet<string> = uniqueTokens(text)): Set<string> {
  if (!NON_ASCII.test(text)) return new Set(words);
  const all = new Set(words);
  for (const word of text.toLowerCase().match(ASCII_TOKEN) ?? []) all.add(word);
  return all;
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

/** How a signature or a keyword is matched: a regular expression, or a phrase (`compilePhrase`). */
export interface TextPattern {
  test(text: string): boolean;
  exec(text: string): RegExpExecArray | null;
}

/**
 * A phrase matched as whole words, case-insensitively, with any run of whitespace standing for any
 * other (logs wrap and PostgreSQL pads "ERROR:  relation"). `looseSeparators` also lets "-", "_" and
 * spaces stand for each other, for names people spell several ways ("HMS-SME", "hms sme", "HMS_SME").
 *
 * Whole words in any script: the characters either side of a match are checked with `isWordChar`
 * rather than written into the expression as Unicode lookarounds, which V8 compiles many times slower
 * under the `i` flag (20,000 signatures took 3.3 s instead of 0.2 s, bench/triage).
 */
export function compilePhrase(phrase: string, { looseSeparators = false } = {}): TextPattern {
  const trimmed = phrase.trim();
  const separator = looseSeparators ? /[\s_-]+/ : /\s+/;
  const body = trimmed
    .split(separator)
    .map(escapeRegExp)
    .join(looseSeparators ? "[\\s_-]+" : "\\s+");
  const chars = [...trimmed];
  const start = anchored(chars[0]);
  const end = anchored(chars[chars.length - 1]);
  if (!start && !end) return new RegExp(body, "i");
  const pattern = new RegExp(body, "gi");
  const exec = (text: string): RegExpExecArray | null => {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const after = match.index + match[0].length;
      if (
        (!start || !isWordChar(charBefore(text, match.index))) &&
        (!end || !isWordChar(charAt(text, after)))
      )
        return match;
      pattern.lastIndex = match.index + 1;
    }
    return null;
  };
  return { exec, test: (text) => exec(text) !== null };
}

/** A phrase starting or ending in a word character must start or end a word, except in Han and kana. */
function anchored(char: string | undefined): boolean {
  return char !== undefined && isWordChar(char) && !UNSPACED_CHAR.test(char);
}

/** The character (a whole surrogate pair) that ends just before `index`, or "" at the start. */
function charBefore(text: string, index: number): string {
  if (index <= 0) return "";
  const unit = text.charCodeAt(index - 1);
  const pair = unit >= 0xdc00 && unit <= 0xdfff && index >= 2;
  return String.fromCodePoint(text.codePointAt(pair ? index - 2 : index - 1) ?? 0);
}

/** The character (a whole surrogate pair) that starts at `index`, or "" at the end. */
function charAt(text: string, index: number): string {
  const point = text.codePointAt(index);
  return point === undefined ? "" : String.fromCodePoint(point);
}

/** Shortens evidence quoted back to people (a matched line can be a whole minified bundle). */
export function excerpt(text: string, max = 120): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
