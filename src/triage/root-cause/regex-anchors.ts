import { type AST, RegExpParser } from "@eslint-community/regexpp";
import { isRegexWordChar } from "../text.js";

/**
 * Words that every match of a regular expression must contain, read from the pattern's syntax tree
 * (regexpp, which knows every flag, `v` and nested classes included).
 * The root-cause index files a signature under one such word, so the signature only runs on reports
 * that have it: with 10,000 entries, that is what keeps a decision under 2 ms (bench/triage). A word
 * here is what the expression's own `\w` and `\b` call one: ASCII letters, digits and `_` (text.ts
 * splits reports that way too for this lookup).
 *
 * A run of literal word characters with a non-word character, \s, \W, \b, ^ or $ that must occur on
 * both sides is a whole token of every match; with one on the left only, every match has a token that
 * starts with it; on the right only, one that ends with it. Being wrong here would hide a matching
 * signature, so the reading is deliberately timid: alternation at the top level, anything inside a
 * group, a quantified character or an unknown construct ends a run or disqualifies it. When unsure the
 * answer is "no words", and the signature is tried on every report.
 */
export interface RequiredWord {
  /** Lower case. */
  word: string;
  /** Where the word sits in a token of every match: the whole token, its start or its end. */
  position: "whole" | "start" | "end";
}

/** Shorter prefixes and suffixes are in too many tokens to narrow anything down. */
const MIN_PART = 3;

type Atom =
  /** A literal character. */
  | { kind: "char"; char: string; optional: boolean; quantified: boolean }
  /** Something that is never a word character, or a zero-width word boundary. */
  | { kind: "boundary"; optional: boolean }
  /** Anything else: a group, `.`, \d, a back-reference, a class that may hold a word character... */
  | { kind: "other" };

const OTHER: Atom = { kind: "other" };
const BOUNDARY: Atom = { kind: "boundary", optional: false };
/** Word characters as code point ranges, for classes written as ranges. */
const WORD_RANGES: readonly [number, number][] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];

const parser = new RegExpParser({ ecmaVersion: 2025 });

export function requiredWords(source: string, flags: string): RequiredWord[] {
  const unicode = flags.includes("u");
  const unicodeSets = flags.includes("v");
  // With u or v and i together, \b and case folding reach beyond ASCII (ſ matches s): no safe words.
  if ((unicode || unicodeSets) && flags.includes("i")) return [];
  let pattern: AST.Pattern;
  try {
    pattern = parser.parsePattern(source, 0, source.length, { unicode, unicodeSets });
  } catch {
    return [];
  }
  const [only, ...more] = pattern.alternatives;
  if (only === undefined || more.length > 0) return [];
  return boundedWords(only.elements.map(atomOf));
}

function atomOf(element: AST.Element): Atom {
  switch (element.type) {
    case "Character":
      return { kind: "char", char: String.fromCodePoint(element.value), optional: false, quantified: false };
    case "Quantifier": {
      const inner = atomOf(element.element);
      const optional = element.min === 0;
      if (inner.kind === "char") return { ...inner, optional, quantified: true };
      if (inner.kind === "boundary") return { kind: "boundary", optional: inner.optional || optional };
      return OTHER;
    }
    case "Assertion":
      if (element.kind === "start" || element.kind === "end") return BOUNDARY;
      return element.kind === "word" && !element.negate ? BOUNDARY : OTHER;
    case "CharacterSet":
    case "CharacterClass":
      return neverWordChar(element) ? BOUNDARY : OTHER;
    default:
      return OTHER;
  }
}

/** Does this set or class never match a word character? Nested classes (`v` flag) are read too. */
function neverWordChar(node: AST.CharacterSet | AST.CharacterClass | AST.CharacterClassElement): boolean {
  switch (node.type) {
    case "Character":
      return !isRegexWordChar(String.fromCodePoint(node.value));
    case "CharacterClassRange":
      return !WORD_RANGES.some(([low, high]) => node.min.value <= high && node.max.value >= low);
    case "CharacterSet":
      return (node.kind === "space" && !node.negate) || (node.kind === "word" && node.negate);
    case "CharacterClass":
      return !node.negate && node.elements.length > 0 && node.elements.every(neverWordChar);
    default:
      return false;
  }
}

/** Does this atom guarantee a non-word character (or the edge of the text) at this place? */
function separates(atom: Atom | undefined): boolean {
  if (atom === undefined || atom.kind === "other") return false;
  if (atom.kind === "boundary") return !atom.optional;
  return !atom.optional && !isRegexWordChar(atom.char);
}

function boundedWords(atoms: readonly Atom[]): RequiredWord[] {
  const words: RequiredWord[] = [];
  let index = 0;
  while (index < atoms.length) {
    const atom = atoms[index];
    if (atom?.kind !== "char" || !isRegexWordChar(atom.char) || atom.quantified) {
      index++;
      continue;
    }
    const start = index;
    let word = "";
    while (index < atoms.length) {
      const current = atoms[index];
      if (current?.kind !== "char" || !isRegexWordChar(current.char) || current.quantified) break;
      word += current.char;
      index++;
    }
    const left = separates(atoms[start - 1]);
    const right = separates(atoms[index]);
    const lower = word.toLowerCase();
    if (left && right && word.length >= 2) words.push({ word: lower, position: "whole" });
    else if (left && !right && word.length >= MIN_PART) words.push({ word: lower, position: "start" });
    else if (right && !left && word.length >= MIN_PART) words.push({ word: lower, position: "end" });
  }
  return words;
}
