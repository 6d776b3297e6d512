import picomatch from "picomatch";
import type { ComponentConfig } from "../config/schema.js";

/**
 * Which component owns a file path. Paths come from changed files (repository-relative) and from stack
 * traces and logs (absolute, from wherever the checkout was: /home/ci/work/hms/SYSTEM-COMPONENTS/...),
 * so every suffix of a path is tried against the globs. When globs overlap, the deepest pattern wins,
 * as in rust-lang/triagebot: SYSTEM-COMPONENTS/HMS-DEV/bridge/** beats SYSTEM-COMPONENTS/HMS-DEV/**.
 */
export interface PathOwner {
  component: string;
  pattern: string;
  /** The part of the path the pattern matched: what a person can check in the repository. */
  path: string;
}

interface Rule {
  component: string;
  pattern: string;
  /** Literal directories before the first wildcard: how deep, so how specific, the pattern is. */
  depth: number;
  matches: (path: string) => boolean;
}

/**
 * Path-like words in free text: at least one slash, no spaces; `:42:7` and `(...)` fall outside. A path
 * starts where a run of path characters starts (the lookbehind): without it, a long run without a slash
 * (a minified line, a base64 blob) was scanned again from each of its characters, and a 100 kB one took
 * 40 seconds.
 */
const PATH_IN_TEXT = /(?<![\w.@~+-])(?:[A-Za-z]:)?[\w.@~+-]*(?:[\\/][\w.@~+-]+)+/g;
const MAX_PATHS = 200;

export function pathsInText(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(PATH_IN_TEXT)) {
    found.add(match[0]);
    if (found.size >= MAX_PATHS) break;
  }
  return [...found];
}

/** `.` and `..` segments, which picomatch never matches with `**`. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * picomatch's matcher, or for the usual `folder/**` a plain prefix test that answers the same: a file
 * index of 100,000 paths asks this once a path.
 */
function matcher(pattern: string, base: string, glob: string): (path: string) => boolean {
  const matches = picomatch(pattern, { dot: true });
  if (glob !== "**" || base === "" || pattern !== `${base}/**` || /[\\[\]{}()!*?+@]/.test(base))
    return matches;
  const folder = `${base}/`;
  return (path) => (DOT_SEGMENT.test(path) ? matches(path) : path === base || path.startsWith(folder));
}

interface Rules {
  /** Rules by their first literal directory: a suffix is only tried against the rules that could match it. */
  byFirstSegment: Map<string, Rule[]>;
  // Rules starting with a wildcard (**/*.proto), tried on every suffix.
  anywhere: Rule[];
}

function compileRules(components: Readonly<Record<string, ComponentConfig>>): Rules {
  const byFirstSegment = new Map<string, Rule[]>();
  const anywhere: Rule[] = [];
  for (const [component, { paths }] of Object.entries(components)) {
    for (const pattern of paths) {
      const { base, glob } = picomatch.scan(pattern);
      const segments = base === "" ? [] : base.split("/");
      const rule: Rule = {
        component,
        pattern,
        depth: segments.length,
        matches: matcher(pattern, base, glob),
      };
      const first = segments[0];
      if (first === undefined) anywhere.push(rule);
      else byFirstSegment.set(first, [...(byFirstSegment.get(first) ?? []), rule]);
    }
  }
  return { byFirstSegment, anywhere };
}

/** The deepest rule matching `path` as a whole. */
function deepestRule({ byFirstSegment, anywhere }: Rules, path: string, first: string): Rule | undefined {
  let best: Rule | undefined;
  for (const rules of [byFirstSegment.get(first), anywhere]) {
    if (rules === undefined) continue;
    for (const rule of rules) {
      if ((best === undefined || rule.depth > best.depth) && rule.matches(path)) best = rule;
    }
  }
  return best;
}

export function createPathOwnership(components: Readonly<Record<string, ComponentConfig>>) {
  const rules = compileRules(components);

  return function ownerOf(rawPath: string): PathOwner | undefined {
    const segments = rawPath
      .replace(/\\/g, "/")
      .replace(/^[A-Za-z]:/, "")
      .split("/")
      .filter((segment) => segment !== "" && segment !== ".");
    let best: (PathOwner & { depth: number }) | undefined;
    for (let start = 0; start < segments.length; start++) {
      const first = segments[start] as string;
      if (!rules.byFirstSegment.has(first) && rules.anywhere.length === 0) continue;
      const suffix = segments.slice(start).join("/");
      const rule = deepestRule(rules, suffix, first);
      if (rule && (best === undefined || rule.depth > best.depth)) {
        best = { component: rule.component, pattern: rule.pattern, path: suffix, depth: rule.depth };
      }
    }
    return best && { component: best.component, pattern: best.pattern, path: best.path };
  };
}

/** The component owning a repository file (a path from the repository root), or null. */
export function createFileOwnership(components: Readonly<Record<string, ComponentConfig>>) {
  const rules = compileRules(components);
  return (file: string): string | null => {
    const slash = file.indexOf("/");
    return deepestRule(rules, file, slash < 0 ? file : file.slice(0, slash))?.component ?? null;
  };
}
