import { type AST, RegExpParser } from "@eslint-community/regexpp";
import { type ReadonlyFlags, toCharSet } from "regexp-ast-analysis";

/**
 * Refuses signature patterns that can backtrack catastrophically. A report is someone's pasted log, so
 * every signature must run in about linear time on any text: one bad entry would freeze triage (and
 * `serve`) for minutes on a 300-character line.
 *
 * Two shapes make a backtracking engine try a number of splits that grows as a power (or an
 * exponential) of the text's length, and both are refused:
 * - a repetition inside a repetition (`(a+)+`, `(?:\S+:)+`), or an alternation inside one
 *   (`(a|ab)+`): the same text can be divided between the rounds in many ways;
 * - two repetitions in a row over sets that share a character, with nothing between them that the
 *   first cannot swallow (`\S+\S+`, `\S+:\S+`, where \S also matches `:`): each can give characters to
 *   the other, and a chain of k of them tries about n^k splits.
 * A repetition here is a quantifier whose count can vary by more than one (`+`, `*`, `{1,200}`): a cap
 * does not help, since k capped repetitions in a chain still try up to 200^k splits.
 *
 * The check is deliberately cautious: it may refuse a pattern that is in fact safe, never the reverse
 * for these shapes. A single repetition (`relation "[^"]+" does not exist`) is fine; what it costs on a
 * long run of characters is bounded by the text the signatures are matched against (signatures.ts).
 */

/** Longer patterns are refused: a signature names an error, it does not parse a log. */
export const MAX_PATTERN_LENGTH = 1000;

type Node = AST.Node;
type CharSet = ReturnType<typeof toCharSet>;

const parser = new RegExpParser({ ecmaVersion: 2025 });

/** Why the pattern could backtrack catastrophically, or null when it cannot (in the shapes above). */
export function backtrackingRisk(source: string, flagText: string): string | null {
  if (source.length > MAX_PATTERN_LENGTH) {
    return `is ${source.length} characters long; at most ${MAX_PATTERN_LENGTH} are accepted`;
  }
  const flags: ReadonlyFlags = {
    ignoreCase: flagText.includes("i"),
    multiline: flagText.includes("m"),
    dotAll: flagText.includes("s"),
    unicode: flagText.includes("u"),
  };
  let pattern: AST.Pattern;
  try {
    pattern = parser.parsePattern(source, 0, source.length, { unicode: flags.unicode ?? false });
  } catch (error) {
    return `cannot be read: ${(error as Error).message}`;
  }
  return new Checker(flags).node(pattern);
}

class Checker {
  private readonly sets = new Map<Node, CharSet>();

  constructor(private readonly flags: ReadonlyFlags) {}

  /** The first risk found in this node or below it. */
  node(node: Node): string | null {
    if (node.type === "Quantifier" && repeats(node)) {
      const inner = firstInside(node.element, (child) =>
        (child.type === "Quantifier" && varies(child)) ||
        ((child.type === "Group" || child.type === "CapturingGroup") && child.alternatives.length > 1)
          ? child
          : null,
      );
      if (inner !== null) {
        const what = inner.type === "Quantifier" ? "a repetition" : "an alternation";
        return `${what} (${inner.raw}) inside the repetition ${node.raw} can split the same text in many ways; write the repeated part so each round starts with a character the part before it cannot match, without a nested + * {n,m} or |`;
      }
    }
    if (node.type === "Alternative") {
      const risk = this.sequence(node.elements);
      if (risk !== null) return risk;
    }
    for (const child of children(node)) {
      const risk = this.node(child);
      if (risk !== null) return risk;
    }
    return null;
  }

  /** Two repetitions in a row (what lies between them swallowed by the first) over shared characters. */
  private sequence(elements: readonly AST.Element[]): string | null {
    for (let first = 0; first < elements.length; first++) {
      const left = elements[first] as AST.Element;
      if (!containsVarying(left)) continue;
      const swallowed = this.consumed(left);
      for (let next = first + 1; next < elements.length; next++) {
        const right = elements[next] as AST.Element;
        const chars = this.consumed(right);
        if (containsVarying(right) && !swallowed.isDisjointWith(chars)) {
          const between = elements
            .slice(first + 1, next)
            .map((element) => element.raw)
            .join("");
          return `the repetitions ${left.raw} and ${right.raw}${between === "" ? "" : ` (with ${between} between them)`} can match the same characters, so a failing match tries every way to share the text between them; use classes that exclude the characters around them, e.g. [^\\s:]+ before a ':'`;
        }
        // Zero-width and skippable parts do not separate; a part the first repetition can swallow neither.
        if (!canBeEmpty(right) && !swallowed.isSupersetOf(chars)) break;
      }
    }
    return null;
  }

  /** Every character the node can consume (a back-reference: those of its group). */
  private consumed(node: Node): CharSet {
    const known = this.sets.get(node);
    if (known !== undefined) return known;
    let result: CharSet;
    switch (node.type) {
      case "Character":
      case "CharacterSet":
      case "CharacterClass":
        result = toCharSet(node as Parameters<typeof toCharSet>[0], this.flags);
        break;
      case "Backreference":
        result = (Array.isArray(node.resolved) ? node.resolved : [node.resolved])
          .map((group: AST.CapturingGroup) => this.consumed(group))
          .reduce((all: CharSet, set: CharSet) => all.union(set), toCharSet([], this.flags));
        break;
      case "Assertion":
        result = toCharSet([], this.flags);
        break;
      default:
        result = children(node)
          .map((child) => this.consumed(child))
          .reduce((all, set) => all.union(set), toCharSet([], this.flags));
    }
    this.sets.set(node, result);
    return result;
  }
}

/** Can this quantifier match its element more than once? */
function repeats(quantifier: AST.Quantifier): boolean {
  return quantifier.max > 1;
}

/** Does the count vary by more than one (`+`, `*`, `{1,5}`; not `?` or `{3}`)? */
function varies(quantifier: AST.Quantifier): boolean {
  return quantifier.max > 1 && quantifier.max !== quantifier.min;
}

function containsVarying(node: Node): boolean {
  return firstInside(node, (child) => (child.type === "Quantifier" && varies(child) ? child : null)) !== null;
}

function canBeEmpty(node: Node): boolean {
  switch (node.type) {
    case "Assertion":
      return true;
    case "Quantifier":
      return node.min === 0 || canBeEmpty(node.element);
    case "Group":
    case "CapturingGroup":
      return node.alternatives.some((alternative) => alternative.elements.every(canBeEmpty));
    case "Backreference":
      return true;
    default:
      return false;
  }
}

/** The node itself or the first node below it that `pick` accepts (lookarounds included). */
function firstInside(node: Node, pick: (node: Node) => Node | null): Node | null {
  const picked = pick(node);
  if (picked !== null) return picked;
  for (const child of children(node)) {
    const found = firstInside(child, pick);
    if (found !== null) return found;
  }
  return null;
}

/** The nodes that make up a node, as far as matching goes (a character class is one leaf). */
function children(node: Node): readonly Node[] {
  switch (node.type) {
    case "Pattern":
    case "Group":
    case "CapturingGroup":
      return node.alternatives;
    case "Assertion":
      return node.kind === "lookahead" || node.kind === "lookbehind" ? node.alternatives : [];
    case "Alternative":
      return node.elements;
    case "Quantifier":
      return [node.element];
    default:
      return [];
  }
}
