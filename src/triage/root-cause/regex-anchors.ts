import { isWordChar } from "../text.js";

/**
 * Words that every match of a regular expression must contain (see text.ts for what a word is), found
 * by reading the pattern's top level. The root-cause index files a signature under one such word, so
 * the signature only runs on reports that have it. A run of literal word characters with a non-word
 * character, \s, \W, \b, ^ or $ that must occur on both sides is a whole token of every match; with
 * one on the left only, every match has a token that starts with it; on the right only, one that ends
 * with it.
 *
 * Being wrong here would hide a matching signature, so the reading is deliberately timid: alternation
 * at the top level, anything inside a group, a quantified character or an unknown escape ends a run or
 * disqualifies it. When unsure the answer is "no words", and the signature is tried on every report.
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
  /** Anything else: a class, a group, `.`, \d, a back-reference... */
  | { kind: "other" };

const NON_WORD_CLASS_ESCAPES = new Set(["s", "W"]);
// \0 is left out: followed by digits it is an octal escape, which may be a word character.
const CONTROL_ESCAPES = new Set(["n", "r", "t", "f", "v"]);

export function requiredWords(source: string, flags: string): RequiredWord[] {
  // With u and i together, \b and case folding reach beyond ASCII (ſ matches s): no safe words.
  if (flags.includes("u") && flags.includes("i")) return [];
  const atoms = readAtoms(source);
  return atoms === null ? [] : boundedWords(atoms);
}

/** The pattern's top level as atoms, or null when it has top-level alternation. */
function readAtoms(source: string): Atom[] | null {
  const atoms: Atom[] = [];
  let index = 0;
  const quantify = () => {
    const rest = source.slice(index);
    const match = /^(?:[*+?]|\{(\d+)(?:,\d*)?\})\??/.exec(rest);
    if (match === null) return;
    index += match[0].length;
    const optional = match[0].startsWith("*") || match[0].startsWith("?") || match[1] === "0";
    const last = atoms[atoms.length - 1];
    if (last === undefined || last.kind === "other") return;
    if (last.kind === "char") atoms[atoms.length - 1] = { ...last, optional, quantified: true };
    else atoms[atoms.length - 1] = { ...last, optional: last.optional || optional };
  };

  while (index < source.length) {
    const char = source.charAt(index);
    if (char === "|") return null;
    if (char === "\\") {
      const [atom, length] = readEscape(source, index);
      atoms.push(atom);
      index += length;
    } else if (char === "[") {
      const end = closingBracket(source, index);
      atoms.push(classAtom(source.slice(index + 1, end)));
      index = end + 1;
    } else if (char === "(") {
      atoms.push({ kind: "other" });
      index = closingParen(source, index) + 1;
    } else if (char === "^" || char === "$") {
      atoms.push({ kind: "boundary", optional: false });
      index++;
    } else if (char === ".") {
      atoms.push({ kind: "other" });
      index++;
    } else {
      atoms.push({ kind: "char", char, optional: false, quantified: false });
      index++;
    }
    quantify();
  }
  return atoms;
}

function readEscape(source: string, at: number): [Atom, number] {
  const next = source.charAt(at + 1);
  if (next === "b") return [{ kind: "boundary", optional: false }, 2];
  if (NON_WORD_CLASS_ESCAPES.has(next) || CONTROL_ESCAPES.has(next))
    return [{ kind: "boundary", optional: false }, 2];
  if ((next === "p" || next === "P" || next === "u") && source.charAt(at + 2) === "{") {
    return [{ kind: "other" }, source.indexOf("}", at) - at + 1 || 2];
  }
  if (next === "k" && source.charAt(at + 2) === "<")
    return [{ kind: "other" }, source.indexOf(">", at) - at + 1 || 2];
  if (next === "x") return [{ kind: "other" }, 4];
  if (next === "u") return [{ kind: "other" }, 6];
  if (next === "c") return [{ kind: "other" }, 3];
  // Back-references and, outside u mode, octal escapes (\012 is a newline): all their digits go.
  if (/[0-9]/.test(next))
    return [{ kind: "other" }, 1 + (/^[0-9]{1,3}/.exec(source.slice(at + 1))?.[0].length ?? 1)];
  // \d \w \D \S \B, back-references and unknown letters: could be word characters.
  if (next === "" || isWordChar(next)) return [{ kind: "other" }, 2];
  // An escaped punctuation character (\. \( \/ \-) is that character, which is not a word character.
  return [{ kind: "char", char: next, optional: false, quantified: false }, 2];
}

/** A class of nothing but listed punctuation (`["']`, `[:\-]`) never matches a word character. */
function classAtom(body: string): Atom {
  if (body.startsWith("^") || body === "") return { kind: "other" };
  let index = 0;
  while (index < body.length) {
    const char = body.charAt(index);
    if (char === "\\") {
      const escaped = body.charAt(index + 1);
      if (isWordChar(escaped)) return { kind: "other" };
      index += 2;
    } else if (char === "-" && index > 0 && index < body.length - 1) {
      return { kind: "other" };
    } else if (isWordChar(char)) {
      return { kind: "other" };
    } else index++;
  }
  return { kind: "boundary", optional: false };
}

function closingBracket(source: string, open: number): number {
  for (let index = open + 1; index < source.length; index++) {
    const char = source.charAt(index);
    if (char === "\\") index++;
    else if (char === "]") return index;
  }
  return source.length;
}

function closingParen(source: string, open: number): number {
  let depth = 0;
  for (let index = open; index < source.length; index++) {
    const char = source.charAt(index);
    if (char === "\\") index++;
    else if (char === "[") index = closingBracket(source, index);
    else if (char === "(") depth++;
    else if (char === ")" && --depth === 0) return index;
  }
  return source.length;
}

/** Does this atom guarantee a non-word character (or the edge of the text) at this place? */
function separates(atom: Atom | undefined): boolean {
  if (atom === undefined || atom.kind === "other") return false;
  if (atom.kind === "boundary") return !atom.optional;
  return !atom.optional && !isWordChar(atom.char);
}

function boundedWords(atoms: readonly Atom[]): RequiredWord[] {
  const words: RequiredWord[] = [];
  let index = 0;
  while (index < atoms.length) {
    const atom = atoms[index];
    if (atom?.kind !== "char" || !isWordChar(atom.char) || atom.quantified) {
      index++;
      continue;
    }
    const start = index;
    let word = "";
    while (index < atoms.length) {
      const current = atoms[index];
      if (current?.kind !== "char" || !isWordChar(current.char) || current.quantified) break;
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
