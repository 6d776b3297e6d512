import { HmsError } from "../../errors.js";
import { createSearch } from "../search.js";
import { clampText, signatureWords, uniqueTokens } from "../text.js";
import type { RootCauseSuggestion } from "../types.js";
import { parseRootCauseEntry, type RootCauseEntry } from "./schema.js";
import { createSignatureIndex } from "./signature-index.js";
import { compileSignature, matchSignature, signatureText } from "./signatures.js";

/** Entries of this component apply to every component (Nix shells, TLS certificates). */
export const SHARED_COMPONENT = "all";

/** How ranking uses the components triage found: strong evidence restricts, weak evidence boosts. */
export interface RankScope {
  restrictTo?: ReadonlySet<string> | undefined;
  boost?: ReadonlySet<string> | undefined;
}

const COMPONENT_BOOST = 1.5;
const TERMS_SHOWN = 6;
/** A text-only suggestion must share this many terms with the report; a word or two is a coincidence. */
const MIN_SHARED_TERMS = 3;

/**
 * What the full-text index holds: how a failure shows (title, signatures, symptoms, tags), which is
 * what a report describes. The root cause and the fix are what the reader gets back, not what a report
 * says, and indexing them would double the build time of a large database for little.
 */
interface IndexedEntry {
  id: string;
  title: string;
  signatures: string;
  symptoms: string;
  tags: string;
}

interface Candidate {
  entry: RootCauseEntry;
  hits: string[];
  relevance: number;
  terms: string[];
}

export type RootCauseIndex = ReturnType<typeof createRootCauseIndex>;

/**
 * The root-cause database, searchable. Signature hits rank first (more distinct signatures first), then
 * full-text relevance (search.ts). Signatures are looked up by their words (signature-index.ts), so a report runs
 * a handful of them, not all.
 */
export function createRootCauseIndex(entries: readonly RootCauseEntry[]) {
  const search = createSearch<IndexedEntry>(["title", "signatures", "symptoms", "tags"], {
    title: 2,
    signatures: 2,
    symptoms: 1.5,
    tags: 1.5,
  });
  const byId = new Map<string, RootCauseEntry>();
  const signatures = createSignatureIndex();

  const compile = (entry: RootCauseEntry) =>
    entry.signatures.map((signature) => compileSignature(entry.id, signature));
  const compiled = entries.map(compile);
  for (const list of compiled) signatures.count(list);
  for (const list of compiled) for (const signature of list) signatures.file(signature);
  for (const entry of entries) byId.set(entry.id, entry);
  for (const entry of entries) search.add(toDocument(entry));

  /** Entry id -> what its signatures matched. */
  function signatureHits(text: string, tokens: ReadonlySet<string>): Map<string, string[]> {
    const hits = new Map<string, string[]>();
    let bounded: string | undefined;
    for (const signature of signatures.candidates(signatureWords(text, tokens))) {
      bounded ??= signatureText(text);
      const found = matchSignature(signature, bounded);
      if (found === null) continue;
      const list = hits.get(signature.entryId);
      if (list) list.push(found);
      else hits.set(signature.entryId, [found]);
    }
    return hits;
  }

  function rank(reportText: string, scope: RankScope = {}, limit = 3): RootCauseSuggestion[] {
    const text = clampText(reportText);
    const tokens = uniqueTokens(text);
    const entryOf = (id: string) => byId.get(id) as RootCauseEntry;
    const allowed = (entry: RootCauseEntry) =>
      scope.restrictTo === undefined ||
      entry.component === SHARED_COMPONENT ||
      scope.restrictTo.has(entry.component);

    const candidates = new Map<string, Candidate>();
    for (const [id, hits] of signatureHits(text, tokens)) {
      if (allowed(entryOf(id))) candidates.set(id, { entry: entryOf(id), hits, relevance: 0, terms: [] });
    }
    const found = search.search(tokens, { minTerms: MIN_SHARED_TERMS, keep: new Set(candidates.keys()) });
    for (const result of found) {
      const entry = entryOf(result.id);
      if (!allowed(entry)) continue;
      const relevance = result.score * (scope.boost?.has(entry.component) ? COMPONENT_BOOST : 1);
      const known = candidates.get(result.id);
      if (known) Object.assign(known, { relevance, terms: result.terms });
      else candidates.set(result.id, { entry, hits: [], relevance, terms: result.terms });
    }
    return suggestions([...candidates.values()], limit);
  }

  return {
    get size() {
      return byId.size;
    },
    get: (id: string) => byId.get(id),
    rank,
    /** Entry id -> what its signatures matched, before any ranking (the benchmark compares these). */
    signatureHits: (text: string) => {
      const clamped = clampText(text);
      return signatureHits(clamped, uniqueTokens(clamped));
    },
    /** Validates and indexes a new entry at once: the search index adds documents without a rebuild. */
    add(raw: unknown): RootCauseEntry {
      const entry = parseRootCauseEntry(raw);
      if (byId.has(entry.id)) {
        throw new HmsError("INVALID_INPUT", `root-cause entry ${entry.id} already exists; choose another id`);
      }
      const list = compile(entry);
      signatures.count(list);
      for (const signature of list) signatures.file(signature);
      byId.set(entry.id, entry);
      search.add(toDocument(entry));
      return entry;
    },
  };
}

function toDocument(entry: RootCauseEntry): IndexedEntry {
  return {
    id: entry.id,
    title: entry.title,
    signatures: entry.signatures
      .map((signature) => (typeof signature === "string" ? signature : signature.regex))
      .join("\n"),
    symptoms: entry.symptoms.join("\n"),
    tags: entry.tags.join(" "),
  };
}

/**
 * Signature hits first (capped at 3: beyond that a long signature list should not outweigh the text),
 * then relevance. The score shows the same order on a 0..1 scale: 0.7 and up means a signature matched;
 * a text match alone stays at 0.5 or below (relative to this report's best text match), because shared
 * words suggest, they do not prove.
 */
function suggestions(candidates: Candidate[], limit: number): RootCauseSuggestion[] {
  const hitRank = (candidate: Candidate) => Math.min(candidate.hits.length, 3);
  const best = Math.max(0, ...candidates.map((candidate) => candidate.relevance));
  return candidates
    .sort(
      (a, b) => hitRank(b) - hitRank(a) || b.relevance - a.relevance || a.entry.id.localeCompare(b.entry.id),
    )
    .slice(0, limit)
    .map((candidate) => {
      const relative = best > 0 ? candidate.relevance / best : 0;
      const hits = hitRank(candidate);
      const score = hits > 0 ? 0.7 + 0.1 * (hits - 1) + 0.1 * relative : 0.5 * relative;
      const terms = candidate.terms.slice(0, TERMS_SHOWN);
      const { entry } = candidate;
      return {
        id: entry.id,
        title: entry.title,
        component: entry.component,
        score: Math.round(score * 100) / 100,
        signatureHits: candidate.hits.length,
        relevance: Math.round(candidate.relevance * 100) / 100,
        evidence: [...candidate.hits, ...(terms.length > 0 ? [`shared terms: ${terms.join(", ")}`] : [])],
        rootCause: entry.rootCause,
        fix: entry.fix,
        references: entry.references,
      };
    });
}
