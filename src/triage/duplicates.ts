import { exceptionType, type Fingerprint } from "./fingerprint.js";
import { bm25 } from "./search.js";
import { clampText, searchTerms } from "./text.js";
import type { DuplicateMatch } from "./types.js";

/** An open bug as duplicate detection sees it. */
export interface OpenBug {
  id: string;
  title: string;
  text: string;
}

interface IndexedBug {
  id: string;
  title: string;
  text: string;
  terms: Map<string, number>;
  length: number;
  /** Read when the bug is first compared: most bugs never are, and 1,000 of them should build fast. */
  fingerprint?: Fingerprint | undefined;
}

/*
 * Words are weighed by BM25 as the root-cause search scores them (search.ts), with the inverse document
 * frequency taken over the open bugs: a word in every bug (rails, activesupport, a framework's frames)
 * weighs almost nothing, a word in two of them a lot.
 */
/** The rarest words of a report pick the bugs worth comparing, as in search.ts. */
const QUERY_TERMS = 12;
const POSTINGS_BUDGET = 500;
const CANDIDATES = 20;
const SHOWN = 3;
/** Same exception at the same frame of our code: the same failure, whatever the prose around it. */
const SAME_FAILURE = 0.9;
/** Types that say too little to make two failures one: a Rust panic whose message was not pasted. */
const GENERIC_EXCEPTIONS = new Set(["panic"]);
/** A different exception type keeps a report this far under the threshold, however alike the text. */
const BELOW_THRESHOLD = 0.01;

/**
 * Possible duplicates among open bugs. Each bug's words are weighed by BM25 and two reports compared by
 * the cosine of those weights, so the score is 0..1 and the same both ways. Numbers, hashes and
 * stopwords are not terms (text.ts), so two reports of one failure at different times and addresses
 * still look alike. The fingerprint (fingerprint.ts) then decides: the same exception at the same
 * frame is a duplicate, a different exception is not.
 *
 * The index follows the bugs exactly: removing a bug takes its words out of every count.
 */
export function createDuplicateIndex(
  bugs: readonly OpenBug[],
  frameOf: (text: string) => string | null = () => null,
) {
  const indexed = new Map<string, IndexedBug>();
  /** term -> bug id -> occurrences in that bug. */
  const postings = new Map<string, Map<string, number>>();
  let totalLength = 0;

  const fingerprintOf = (text: string): Fingerprint => ({
    exception: exceptionType(text),
    frame: frameOf(text),
  });

  const remove = (id: string) => {
    const bug = indexed.get(id);
    if (bug === undefined) return;
    indexed.delete(id);
    totalLength -= bug.length;
    for (const term of bug.terms.keys()) {
      const list = postings.get(term);
      list?.delete(id);
      if (list?.size === 0) postings.delete(term);
    }
  };

  /** Adds a bug, or replaces it when its text changed. */
  const add = (bug: OpenBug) => {
    const known = indexed.get(bug.id);
    if (known && known.title === bug.title && known.text === bug.text) return;
    remove(bug.id);
    const text = `${bug.title}\n${clampText(bug.text)}`;
    const { terms, length } = termCounts(text);
    indexed.set(bug.id, { ...bug, terms, length });
    totalLength += length;
    for (const [term, count] of terms) {
      const list = postings.get(term) ?? new Map<string, number>();
      list.set(bug.id, count);
      postings.set(term, list);
    }
  };
  for (const bug of bugs) add(bug);

  /**
   * BM25 weights of a bag of terms against the open bugs plus the report (so a word of the report alone
   * is in one document, not none): `inReport` says whether the report has the term. The norm needs every
   * weight, the cosine only those of the words the report has: a bug keeps only those (twenty bugs
   * compared a decision, fifty words each, were most of what a decision left for the garbage collector).
   */
  const weigh = (
    terms: Map<string, number>,
    length: number,
    collection: { documents: number; averageLength: number; inReport: (term: string) => boolean },
    keep: (term: string) => boolean = () => true,
  ) => {
    const { documents, averageLength, inReport } = collection;
    const weights = new Map<string, number>();
    let sum = 0;
    for (const [term, count] of terms) {
      const containing = (postings.get(term)?.size ?? 0) + (inReport(term) ? 1 : 0);
      const weight = bm25(count, containing, documents, length, averageLength);
      if (keep(term)) weights.set(term, weight);
      sum += weight * weight;
    }
    return { weights, norm: Math.sqrt(sum) };
  };

  const candidates = (terms: Map<string, number>): string[] => {
    const rare = [...terms.keys()]
      .filter((term) => postings.has(term))
      .sort((a, b) => (postings.get(a)?.size ?? 0) - (postings.get(b)?.size ?? 0));
    const shared = new Map<string, number>();
    let budget = 0;
    for (const term of rare.slice(0, QUERY_TERMS)) {
      const list = postings.get(term) as Map<string, number>;
      if (budget > 0 && budget + list.size > POSTINGS_BUDGET) break;
      budget += list.size;
      for (const id of list.keys()) shared.set(id, (shared.get(id) ?? 0) + 1);
    }
    return [...shared.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, CANDIDATES)
      .map(([id]) => id);
  };

  return {
    add,
    /** A bug that was closed or deleted: its words leave the index at once. */
    remove,
    /** Makes the index hold exactly these bugs (what the state file says is open now). */
    sync(open: readonly OpenBug[]) {
      const ids = new Set(open.map((bug) => bug.id));
      for (const id of [...indexed.keys()]) if (!ids.has(id)) remove(id);
      for (const bug of open) add(bug);
    },
    get size() {
      return indexed.size;
    },
    /** Reads every bug's frame again: `frameOf` reads differently once the repository's files changed. */
    reframe() {
      for (const bug of indexed.values()) bug.fingerprint = undefined;
    },
    /** How many open bugs contain a term: what the inverse document frequency is made of. */
    documentFrequency: (term: string) => postings.get(term)?.size ?? 0,

    find(
      text: string,
      { threshold, exclude }: { threshold: number; exclude?: string | undefined },
    ): DuplicateMatch[] {
      const clamped = clampText(text);
      const report = termCounts(clamped);
      if (report.terms.size === 0 || indexed.size === 0) return [];
      const documents = indexed.size + 1;
      const collection = {
        documents,
        averageLength: (totalLength + report.length) / documents,
        inReport: (term: string) => report.terms.has(term),
      };
      const query = weigh(report.terms, report.length, collection);
      const fingerprint = fingerprintOf(clamped);
      const matches: DuplicateMatch[] = [];
      for (const id of candidates(report.terms)) {
        if (id === exclude) continue;
        const bug = indexed.get(id) as IndexedBug;
        const other = weigh(bug.terms, bug.length, collection, collection.inReport);
        let dot = 0;
        for (const [term, weight] of query.weights) dot += weight * (other.weights.get(term) ?? 0);
        const textual = query.norm === 0 || other.norm === 0 ? 0 : dot / (query.norm * other.norm);
        // The fingerprint reads the report as written: a title is someone's summary, not the error.
        bug.fingerprint ??= fingerprintOf(clampText(bug.text));
        matches.push(judge(textual, fingerprint, bug.fingerprint, bug, threshold));
      }
      return matches
        .filter((match) => match.similarity >= threshold)
        .sort((a, b) => b.similarity - a.similarity || a.id.localeCompare(b.id))
        .slice(0, SHOWN);
    },
  };
}

/** The text's score, then what the fingerprints say about it. */
function judge(
  textual: number,
  report: Fingerprint,
  { exception, frame }: Fingerprint,
  bug: IndexedBug,
  threshold: number,
): DuplicateMatch {
  const round = (value: number) => Math.round(value * 100) / 100;
  const reasons = [`text similarity ${round(textual).toFixed(2)} (BM25)`];
  let similarity = textual;
  if (report.exception !== null && exception !== null && !sameException(report.exception, exception)) {
    similarity = Math.min(similarity, threshold - BELOW_THRESHOLD);
    reasons.push(`different exception: ${report.exception} here, ${exception} there`);
  } else if (report.exception !== null && exception !== null) {
    if (report.frame !== null && report.frame === frame && !GENERIC_EXCEPTIONS.has(exception)) {
      similarity = Math.max(similarity, SAME_FAILURE);
      reasons.push(`same exception ${exception} at ${frame}`);
    } else reasons.push(`same exception ${exception}`);
  }
  return { id: bug.id, title: bug.title, similarity: round(Math.max(0, similarity)), reasons };
}

/** `PendingMigrationError` and `ActiveRecord::PendingMigrationError` are one type, named more or less fully. */
function sameException(a: string, b: string): boolean {
  const last = (name: string) => name.slice(name.lastIndexOf(":") + 1);
  return last(a) === last(b);
}

function termCounts(text: string): { terms: Map<string, number>; length: number } {
  const terms = new Map<string, number>();
  let length = 0;
  for (const term of searchTerms(text)) {
    terms.set(term, (terms.get(term) ?? 0) + 1);
    length++;
  }
  return { terms, length };
}
