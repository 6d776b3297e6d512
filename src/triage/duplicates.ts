import { createSearch } from "./search.js";
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
}

interface TermVector {
  weights: Map<string, number>;
  norm: number;
}

/** minisearch narrows 1,000 open bugs to the few worth comparing term by term. */
const CANDIDATES = 20;

/**
 * Possible duplicates among open bugs: cosine similarity of the two reports' term weights (1 + log of
 * the count, so a stack trace repeating a frame does not drown the rest). Numbers, hashes and
 * stopwords are not terms (text.ts), so two reports of the same failure at different times and
 * addresses still look alike.
 */
export function createDuplicateIndex(bugs: readonly OpenBug[]) {
  const search = createSearch<IndexedBug>(["title", "text"], { title: 2, text: 1 });
  const vectors = new Map<string, TermVector>();
  const titles = new Map<string, string>();

  const remove = (id: string) => {
    if (!vectors.delete(id)) return;
    titles.delete(id);
    search.discard(id);
  };
  /** Adds a bug, or replaces it when its text changed. */
  const add = (bug: OpenBug) => {
    remove(bug.id);
    vectors.set(bug.id, termVector(`${bug.title}\n${bug.text}`));
    titles.set(bug.id, bug.title);
    search.add({ id: bug.id, title: bug.title, text: clampText(bug.text) });
  };
  for (const bug of bugs) add(bug);

  return {
    add,
    /** A bug that was closed is no longer a duplicate candidate. */
    remove,
    find(
      text: string,
      { threshold, exclude }: { threshold: number; exclude?: string | undefined },
    ): DuplicateMatch[] {
      const report = termVector(text);
      if (report.norm === 0) return [];
      return search
        .search(report.weights.keys(), { filter: (result) => result.id !== exclude })
        .slice(0, CANDIDATES)
        .map((result) => ({
          id: result.id as string,
          title: titles.get(result.id) ?? "",
          similarity: Math.round(cosine(report, vectors.get(result.id) as TermVector) * 100) / 100,
        }))
        .filter((match) => match.similarity >= threshold)
        .sort((a, b) => b.similarity - a.similarity)
        .slice(0, 3);
    },
  };
}

function termVector(text: string): TermVector {
  const counts = new Map<string, number>();
  for (const term of searchTerms(clampText(text))) counts.set(term, (counts.get(term) ?? 0) + 1);
  const weights = new Map<string, number>();
  let sum = 0;
  for (const [term, count] of counts) {
    const weight = 1 + Math.log(count);
    weights.set(term, weight);
    sum += weight * weight;
  }
  return { weights, norm: Math.sqrt(sum) };
}

function cosine(a: TermVector, b: TermVector): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  const [small, large] = a.weights.size <= b.weights.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [term, weight] of small.weights) dot += weight * (large.weights.get(term) ?? 0);
  return dot / (a.norm * b.norm);
}
