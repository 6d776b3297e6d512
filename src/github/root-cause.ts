import { backtrackingRisk } from "../triage/root-cause/regex-safety.js";
import { escapeRegExp } from "../triage/text.js";

/**
 * Root-cause learning from merged fixes: a PR body that closes an issue (`Fixes #12`) and explains the
 * cause under `Root cause:` becomes an entry of the root-cause database, whose signature is taken from
 * the bug's own error line, so the next report with the same error is offered this cause.
 */

/** GitHub's closing keywords, for this repository's issues (`#12`, or `owner/repo#12`). */
const CLOSING = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+(?:([\w.-]+\/[\w.-]+))?#(\d{1,9})\b/gi;

export function closedIssues(body: string, repository: string): number[] {
  const numbers = new Set<number>();
  for (const match of body.matchAll(CLOSING)) {
    const [, repo, number] = match;
    if (repo === undefined || repo.toLowerCase() === repository.toLowerCase()) numbers.add(Number(number));
  }
  return [...numbers];
}

/**
 * The text of the `Root cause:` section: a line `Root cause: ...` (and the lines after it up to a blank
 * line), or a heading `## Root cause` and its paragraphs up to the next heading.
 */
export function rootCauseSection(body: string): string | null {
  const lines = body.replace(/\r\n/g, "\n").split("\n");
  const start = lines.findIndex((line) => /^\s*(?:#{1,6}\s*)?\**root cause\**\s*:?\**\s*/i.test(line));
  if (start === -1) return null;
  const heading = /^\s*#{1,6}\s/.test(lines[start] as string);
  const first = (lines[start] as string).replace(/^\s*(?:#{1,6}\s*)?\**root cause\**\s*:?\**\s*/i, "");
  const rest: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*#{1,6}\s/.test(line)) break;
    if (!heading && line.trim() === "") break;
    rest.push(line);
  }
  const text = [first, ...rest].join("\n").trim();
  return text === "" ? null : text.slice(0, 4000);
}

/** Lines that look like the error itself rather than prose about it. */
const ERROR_LINE = /(?:error|exception|failed|fatal|panic|undefined|cannot|could not|not found|::)/i;

function errorLine(text: string): string | undefined {
  return text
    .split("\n")
    .map((candidate) => candidate.trim())
    .find((candidate) => candidate.length >= 12 && ERROR_LINE.test(candidate));
}

/** Names of error classes and codes in the line: `PG::UndefinedTable`, `TypeError`, `ECONNREFUSED`. */
const ERROR_NAME = /\b(?:[A-Z][\w]*::[A-Z][\w:]*|[A-Z]\w*(?:Error|Exception)|(?!ERROR\b)E[A-Z]{4,})\b/g;

export function errorNames(text: string): string[] {
  const line = errorLine(text);
  return line === undefined
    ? []
    : [...new Set(line.match(ERROR_NAME) ?? [])].filter((name) => name.length >= 4);
}

/**
 * A signature for the bug's error: its first error-looking line, with what changes between two
 * occurrences (numbers, hashes, quoted names, paths) turned into wildcards, as a regular expression.
 *
 * Every part of it matches in one way only, so it runs in linear time on any report (regex-safety.ts
 * refuses anything else): a wildcard is a class that excludes the characters on both sides of it (a
 * path before `:42` is `[^\s:...]`, never `\S+`, which could also take the `:`), every repetition is
 * capped, wildcards side by side become one, and the whole pattern stays under MAX_LEARNED characters.
 */
export function signatureFromReport(text: string): { regex: string; flags: string } | null {
  const line = errorLine(text);
  if (line === undefined) return null;
  const parts = mergeWildcards(splitLine(line.slice(0, 160)));
  let regex = "";
  for (const [index, part] of parts.entries()) {
    const next =
      part.kind === "literal"
        ? literalPattern(part.text)
        : wildcard(part, parts[index - 1], parts[index + 1]);
    if (regex.length + next.length > MAX_LEARNED) break;
    regex += next;
  }
  // A pattern of wildcards alone would match any report; it needs some literal words of its own.
  if (!/[A-Za-z]{4,}/.test(regex.replace(/\\[a-z]|\[\^?(?:\\.|[^\]])*\]|\{[\d,]+\}/g, ""))) return null;
  return backtrackingRisk(regex, "i") === null ? { regex, flags: "i" } : null;
}

/** Longest learned pattern; the shipped database's longest is under 150 characters. */
const MAX_LEARNED = 600;

type Part = { kind: "literal"; text: string } | { kind: "quoted" | "hex" | "number" | "token"; text: string };

const VARIABLE = /("[^"]*"|'[^']*'|\b[0-9a-f]{7,40}\b|\d+|(?:[\w.-]*\/)+[\w.-]+)/gi;

function splitLine(line: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of line.matchAll(VARIABLE)) {
    if (match.index > last) parts.push({ kind: "literal", text: line.slice(last, match.index) });
    const value = match[0];
    const kind = /^["']/.test(value)
      ? "quoted"
      : /^\d+$/.test(value)
        ? "number"
        : value.includes("/")
          ? "token"
          : "hex";
    parts.push({ kind, text: value });
    last = match.index + value.length;
  }
  if (last < line.length) parts.push({ kind: "literal", text: line.slice(last) });
  return parts;
}

/** `12a/b` is a number then a path: two wildcards in a row could trade characters, so they become one. */
function mergeWildcards(parts: Part[]): Part[] {
  const merged: Part[] = [];
  for (const part of parts) {
    const previous = merged[merged.length - 1];
    const loose = (candidate: Part) => candidate.kind !== "literal" && candidate.kind !== "quoted";
    if (previous !== undefined && loose(previous) && loose(part)) {
      merged[merged.length - 1] = { kind: "token", text: previous.text + part.text };
    } else merged.push(part);
  }
  return merged;
}

/** Literal text, escaped, with any run of white space matching any other run (capped). */
function literalPattern(text: string): string {
  return text
    .split(/(\s+)/)
    .map((piece) => (/^\s+$/.test(piece) ? "\\s{1,40}" : escapeRegExp(piece)))
    .join("");
}

/** Characters a path-like wildcard never takes: white space, quotes, brackets and separators. */
const TOKEN_EXCLUDES = "\\s\"'`<>()\\[\\]{},;:|=";

function wildcard(part: Part, before: Part | undefined, after: Part | undefined): string {
  switch (part.kind) {
    case "quoted": {
      const quote = part.text.charAt(0);
      return `${quote}[^${quote}\\n]{0,200}${quote}`;
    }
    case "hex":
      return "[0-9a-f]{7,40}";
    case "number":
      return "\\d{1,20}";
    default: {
      // The neighbours' own characters are excluded too, so the wildcard stops exactly where they start.
      const edges = [before?.text.slice(-1), after?.text.charAt(0)]
        .filter((char): char is string => char !== undefined && char !== "" && !/\s/.test(char))
        .map((char) => char.replace(/[\\\]^-]/g, "\\$&"));
      return `[^${TOKEN_EXCLUDES}${[...new Set(edges)].join("")}]{1,300}`;
    }
  }
}

export interface LearnedCause {
  pull: { number: number; title: string; url: string };
  issue: { number: number; title: string; url: string; text: string };
  component: string;
  rootCause: string;
  today: string;
}

/** The entry for addRootCauseEntry; it validates it again before anything is written. */
export function rootCauseEntry(learned: LearnedCause): Record<string, unknown> {
  // The error's names and the shape of its line: two signatures, so this entry, which knows the very
  // error, ranks above older entries that only share the error's class.
  const shape = signatureFromReport(learned.issue.text);
  const signatures = [...errorNames(learned.issue.text), ...(shape === null ? [] : [shape])];
  return {
    id: `RC-GH-${learned.issue.number}-${learned.pull.number}`,
    component: learned.component,
    title: learned.issue.title.slice(0, 200) || `Fixed by PR #${learned.pull.number}`,
    signatures,
    symptoms: [learned.issue.title || learned.issue.text.slice(0, 200)],
    rootCause: learned.rootCause,
    fix: `PR #${learned.pull.number}: ${learned.pull.title}`,
    references: [learned.pull.url, learned.issue.url].filter((url) => /^https?:\/\//.test(url)),
    tags: ["learned", "github"],
    occurrences: 1,
    lastSeen: learned.today,
  };
}
