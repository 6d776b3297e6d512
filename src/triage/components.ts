import type { ComponentConfig } from "../config/schema.js";
import { HmsError } from "../errors.js";
import type { FileIndex } from "./file-index.js";
import { createPathResolver } from "./path-resolver.js";
import { pathsInText } from "./paths.js";
import { clampText, compilePhrase, type TextPattern } from "./text.js";
import {
  type ComponentMatch,
  type ComponentRouting,
  EVIDENCE_KINDS,
  type EvidenceKind,
  type TriageReport,
} from "./types.js";

/**
 * Which components a report is about. Precedence: an explicit choice, then changed files (what a change
 * touches), then paths in the text (stack traces and logs, which also quote other components), then
 * GitHub labels, then the component's names (aliases), then keywords. Components are ranked by their
 * evidence in that order, kind by kind (more paths beats fewer paths; any path beats any number of
 * labels); the count of a weaker kind only breaks a tie of the stronger ones. If the two best are still
 * tied, or nothing matched, the outcome is needs-triage.
 * Paths are read by path-resolver.ts.
 */

/** Confidence of each kind: a base, a step per extra piece of evidence, and how many steps count. */
const CONFIDENCE: Record<EvidenceKind, { base: number; step: number; steps: number }> = {
  explicit: { base: 1, step: 0, steps: 0 },
  changed: { base: 0.9, step: 0.02, steps: 3 },
  path: { base: 0.85, step: 0.03, steps: 3 },
  label: { base: 0.75, step: 0.03, steps: 1 },
  alias: { base: 0.6, step: 0.05, steps: 1 },
  keyword: { base: 0.25, step: 0.05, steps: 4 },
};
/** A winner only just ahead of a rival of the same kind keeps this share of its confidence. */
const CONTESTED_SHARE = 0.7;

/** Stack traces repeat the same frames; a few paths convince a reader as much as twenty. */
const PATHS_SHOWN = 3;
/** Paths that count for nobody, shown so a person sees why; a long log could list hundreds. */
const UNCOUNTED_SHOWN = 5;

interface Cue {
  text: string;
  pattern: TextPattern;
}

interface ComponentCues {
  id: string;
  labels: Set<string>;
  aliases: Cue[];
  keywords: Cue[];
}

/** Per kind: what the evidence is about (a file, a label) -> the reason shown for it. */
type Evidence = Record<EvidenceKind, Map<string, string>>;

export function createComponentDetector(
  components: Readonly<Record<string, ComponentConfig>>,
  files?: FileIndex,
) {
  const { resolvePath } = createPathResolver(components, files);
  const shared = sharedKeywords(components);
  const sharedCues = cuesFor([...shared.keys()], false);
  const cues: ComponentCues[] = Object.entries(components).map(([id, component]) => ({
    id,
    labels: new Set([id, `comp:${id}`, ...component.labels].map((label) => label.toLowerCase())),
    aliases: cuesFor([id, component.name, ...component.aliases], true),
    keywords: cuesFor(
      component.keywords.filter((keyword) => !shared.has(normalizeCue(keyword))),
      false,
    ),
  }));

  return function detect(report: TriageReport): ComponentRouting {
    const evidence = new Map<string, Evidence>(cues.map((cue) => [cue.id, emptyEvidence()]));
    const uncounted: string[] = [];
    const add = (component: string, kind: EvidenceKind, about: string, reason: string) => {
      const found = evidence.get(component)?.[kind];
      if (found && !found.has(about)) found.set(about, reason);
    };
    const notCounted = (note: string) => {
      if (!uncounted.includes(note)) uncounted.push(note);
    };

    if (report.component !== undefined) {
      if (!evidence.has(report.component)) {
        throw new HmsError(
          "INVALID_INPUT",
          `unknown component "${report.component}": choose one of ${[...evidence.keys()].join(", ")}`,
        );
      }
      add(report.component, "explicit", report.component, `chosen explicitly: ${report.component}`);
    }
    const text = clampText(report.text);

    const addPath = (path: string, kind: "changed" | "path") => {
      const what = kind === "changed" ? "changed file" : "path";
      const resolved = resolvePath(path, { repositoryPath: kind === "changed" });
      if (resolved.kind === "owned")
        add(resolved.component, kind, resolved.file, `${what} ${resolved.description}`);
      else if (resolved.kind === "uncounted") notCounted(`${what} ${resolved.description}`);
    };
    for (const file of report.files ?? []) addPath(file, "changed");
    for (const path of pathsInText(text)) addPath(path, "path");

    const labels = new Set((report.labels ?? []).map((label) => label.toLowerCase()));
    for (const cue of cues) {
      for (const label of labels) if (cue.labels.has(label)) add(cue.id, "label", label, `label ${label}`);
      // Naming a component is one piece of evidence however it is spelled, so one alias is enough.
      const named = cue.aliases.find((alias) => alias.pattern.test(text));
      if (named) add(cue.id, "alias", "name", `names "${named.text}"`);
      for (const keyword of cue.keywords) {
        if (keyword.pattern.test(text)) add(cue.id, "keyword", keyword.text, `keyword "${keyword.text}"`);
      }
    }
    for (const keyword of sharedCues) {
      if (keyword.pattern.test(text)) {
        const owners = shared.get(normalizeCue(keyword.text)) ?? [];
        notCounted(
          `keyword "${keyword.text}" is shared by ${owners.join(" and ")}, so it counts for neither`,
        );
      }
    }
    return { ...route(evidence), uncounted: uncounted.slice(0, UNCOUNTED_SHOWN) };
  };
}

const normalizeCue = (word: string) => word.toLowerCase().trim();

/** Keywords that several components list: evidence for none of them. Derived, so it never drifts. */
function sharedKeywords(components: Readonly<Record<string, ComponentConfig>>): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const [id, { keywords }] of Object.entries(components)) {
    for (const keyword of new Set(keywords.map(normalizeCue))) {
      owners.set(keyword, [...(owners.get(keyword) ?? []), id]);
    }
  }
  return new Map([...owners].filter(([, ids]) => ids.length > 1));
}

function cuesFor(words: readonly string[], looseSeparators: boolean): Cue[] {
  const seen = new Set<string>();
  const cues: Cue[] = [];
  for (const word of words) {
    const key = normalizeCue(word);
    if (key === "" || seen.has(key)) continue;
    seen.add(key);
    cues.push({ text: word, pattern: compilePhrase(word, { looseSeparators }) });
  }
  return cues;
}

function emptyEvidence(): Evidence {
  return {
    explicit: new Map(),
    changed: new Map(),
    path: new Map(),
    label: new Map(),
    alias: new Map(),
    keyword: new Map(),
  };
}

/** Compares evidence kind by kind, in precedence order: negative when `a` is stronger. */
function compareEvidence(a: Evidence, b: Evidence): number {
  for (const kind of EVIDENCE_KINDS) {
    const difference = b[kind].size - a[kind].size;
    if (difference !== 0) return difference;
  }
  return 0;
}

const strongestKind = (found: Evidence) =>
  EVIDENCE_KINDS.find((kind) => found[kind].size > 0) as EvidenceKind;

function route(evidence: Map<string, Evidence>): Omit<ComponentRouting, "uncounted"> {
  const ranked = [...evidence.entries()]
    .filter(([, found]) => EVIDENCE_KINDS.some((kind) => found[kind].size > 0))
    // Array.prototype.sort is stable: equal evidence keeps the configuration's order.
    .sort(([, a], [, b]) => compareEvidence(a, b));
  const components = ranked.map(([component, found]) =>
    describeMatch(
      component,
      found,
      ranked.filter(([other]) => other !== component).map(([, rival]) => rival),
    ),
  );
  const [first, second] = ranked;
  if (first === undefined) {
    return {
      outcome: "needs-triage",
      primary: null,
      components,
      summary: "nothing in the report points to a component",
    };
  }
  if (second !== undefined && compareEvidence(first[1], second[1]) === 0) {
    const tied = ranked.filter(([, found]) => compareEvidence(first[1], found) === 0).map(([id]) => id);
    return {
      outcome: "needs-triage",
      primary: null,
      components,
      summary: `${tied.join(" and ")} match equally (${components[0]?.evidence} evidence); a person has to choose`,
    };
  }
  const top = components[0] as ComponentMatch;
  return {
    outcome: "routed",
    primary: top.component,
    components,
    summary: `${top.component} by ${describeKind(top.evidence)} (confidence ${top.confidence.toFixed(2)})`,
  };
}

function describeKind(kind: EvidenceKind): string {
  return kind === "changed" ? "changed-file evidence" : `${kind} evidence`;
}

/**
 * Confidence from the strongest kind of evidence and how much of it there is, lowered when a rival has
 * evidence of the same kind: three paths against one is a lead, one path each is a coin toss.
 */
function describeMatch(component: string, found: Evidence, rivals: readonly Evidence[]): ComponentMatch {
  const strongest = strongestKind(found);
  const { base, step, steps } = CONFIDENCE[strongest];
  const count = found[strongest].size;
  const rival = Math.max(
    0,
    ...rivals.filter((other) => strongestKind(other) === strongest).map((other) => other[strongest].size),
  );
  const lead = Math.max(0, (count - rival) / count);
  const confidence =
    (base + step * Math.min(count - 1, steps)) * (CONTESTED_SHARE + (1 - CONTESTED_SHARE) * lead);
  const reasons = EVIDENCE_KINDS.flatMap((kind) => {
    const list = [...found[kind].values()];
    if ((kind !== "path" && kind !== "changed") || list.length <= PATHS_SHOWN) return list;
    const more = kind === "path" ? "paths" : "changed files";
    return [...list.slice(0, PATHS_SHOWN), `and ${list.length - PATHS_SHOWN} more ${more} in ${component}`];
  });
  return { component, confidence: Math.round(confidence * 100) / 100, evidence: strongest, reasons };
}
