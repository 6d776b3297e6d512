import type { ComponentConfig } from "../config/schema.js";
import { HmsError } from "../errors.js";
import { createPathOwnership, pathsInText } from "./paths.js";
import { clampText, compilePhrase } from "./text.js";
import {
  type ComponentMatch,
  type ComponentRouting,
  EVIDENCE_KINDS,
  type EvidenceKind,
  type TriageReport,
} from "./types.js";

/**
 * Which components a report is about. Precedence: an explicit choice, then file paths (changed files
 * and paths in stack traces and logs), then GitHub labels, then the component's names (aliases), then
 * keywords. Components are ranked by their evidence in that order, kind by kind (more paths beats fewer
 * paths; any path beats any number of labels); the count of a weaker kind only breaks a tie of the
 * stronger ones. If the two best are still tied, or nothing matched, the outcome is needs-triage.
 */

/** Confidence of each kind: a base, a step per extra piece of evidence, and how many steps count. */
const CONFIDENCE: Record<EvidenceKind, { base: number; step: number; steps: number }> = {
  explicit: { base: 1, step: 0, steps: 0 },
  path: { base: 0.85, step: 0.03, steps: 3 },
  label: { base: 0.75, step: 0.03, steps: 1 },
  alias: { base: 0.6, step: 0.05, steps: 1 },
  keyword: { base: 0.25, step: 0.05, steps: 4 },
};

/** Stack traces repeat the same frames; a few paths convince a reader as much as twenty. */
const PATHS_SHOWN = 3;

interface Cue {
  text: string;
  pattern: RegExp;
}

interface ComponentCues {
  id: string;
  labels: Set<string>;
  aliases: Cue[];
  keywords: Cue[];
}

type Evidence = Record<EvidenceKind, string[]>;

export function createComponentDetector(components: Readonly<Record<string, ComponentConfig>>) {
  const ownerOf = createPathOwnership(components);
  const cues: ComponentCues[] = Object.entries(components).map(([id, component]) => ({
    id,
    labels: new Set([id, `comp:${id}`, ...component.labels].map((label) => label.toLowerCase())),
    aliases: cuesFor([id, component.name, ...component.aliases], true),
    keywords: cuesFor(component.keywords, false),
  }));

  return function detect(report: TriageReport): ComponentRouting {
    const evidence = new Map<string, Evidence>(cues.map((cue) => [cue.id, emptyEvidence()]));
    const add = (component: string, kind: EvidenceKind, reason: string) => {
      const list = evidence.get(component)?.[kind];
      if (list && !list.includes(reason)) list.push(reason);
    };

    if (report.component !== undefined) {
      if (!evidence.has(report.component)) {
        throw new HmsError(
          "INVALID_INPUT",
          `unknown component "${report.component}": choose one of ${[...evidence.keys()].join(", ")}`,
        );
      }
      add(report.component, "explicit", `chosen explicitly: ${report.component}`);
    }
    const text = clampText(report.text);
    const addPath = (path: string, what: string) => {
      const owner = ownerOf(path);
      if (owner)
        add(owner.component, "path", `${what} ${owner.path} matches ${owner.component} (${owner.pattern})`);
    };
    for (const file of report.files ?? []) addPath(file, "changed file");
    for (const path of pathsInText(text)) addPath(path, "path");
    const labels = new Set((report.labels ?? []).map((label) => label.toLowerCase()));
    for (const cue of cues) {
      for (const label of labels) if (cue.labels.has(label)) add(cue.id, "label", `label ${label}`);
      // Naming a component is one piece of evidence however it is spelled, so one alias is enough.
      const named = cue.aliases.find((alias) => alias.pattern.test(text));
      if (named) add(cue.id, "alias", `names "${named.text}"`);
      for (const keyword of cue.keywords) {
        if (keyword.pattern.test(text)) add(cue.id, "keyword", `keyword "${keyword.text}"`);
      }
    }
    return route(evidence);
  };
}

function cuesFor(words: readonly string[], looseSeparators: boolean): Cue[] {
  const seen = new Set<string>();
  const cues: Cue[] = [];
  for (const word of words) {
    const key = word.toLowerCase().trim();
    if (key === "" || seen.has(key)) continue;
    seen.add(key);
    cues.push({ text: word, pattern: compilePhrase(word, { looseSeparators }) });
  }
  return cues;
}

function emptyEvidence(): Evidence {
  return { explicit: [], path: [], label: [], alias: [], keyword: [] };
}

/** Compares evidence kind by kind, in precedence order: negative when `a` is stronger. */
function compareEvidence(a: Evidence, b: Evidence): number {
  for (const kind of EVIDENCE_KINDS) {
    const difference = b[kind].length - a[kind].length;
    if (difference !== 0) return difference;
  }
  return 0;
}

function route(evidence: Map<string, Evidence>): ComponentRouting {
  const ranked = [...evidence.entries()]
    .filter(([, found]) => EVIDENCE_KINDS.some((kind) => found[kind].length > 0))
    // Array.prototype.sort is stable: equal evidence keeps the configuration's order.
    .sort(([, a], [, b]) => compareEvidence(a, b));
  const components = ranked.map(([component, found]) => describeMatch(component, found));
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
    summary: `${top.component} by ${top.evidence} evidence (confidence ${top.confidence.toFixed(2)})`,
  };
}

function describeMatch(component: string, found: Evidence): ComponentMatch {
  const strongest = EVIDENCE_KINDS.find((kind) => found[kind].length > 0) as EvidenceKind;
  const { base, step, steps } = CONFIDENCE[strongest];
  const confidence = base + step * Math.min(found[strongest].length - 1, steps);
  const reasons = EVIDENCE_KINDS.flatMap((kind) => {
    const list = found[kind];
    if (kind !== "path" || list.length <= PATHS_SHOWN) return list;
    return [...list.slice(0, PATHS_SHOWN), `and ${list.length - PATHS_SHOWN} more paths in ${component}`];
  });
  return { component, confidence: Math.round(confidence * 100) / 100, evidence: strongest, reasons };
}
