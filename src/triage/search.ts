import { searchTerm, tokenize } from "./text.js";

/**
 * Full-text search over a few fields of documents, with triage's own words (text.ts), so the index, the
 * signature anchors and duplicate similarity agree on what a term is. Exact terms only: prefix and
 * fuzzy matching cost time on every query and blur error names that differ by one letter on purpose
 * (EACCES, EACCESS).
 *
 * Scored by BM25 exactly as minisearch scores it (each field on its own with its boost, a field's
 * length counted in distinct words, and the sum multiplied by how many query terms matched). Exact
 * terms need no more than an inverted index in plain Maps: minisearch's radix tree serves prefix and
 * fuzzy search, and indexing 10,000 root-cause entries into it took 2.5 times as long (bench/triage).
 *
 * A query is not the whole report. A stack trace has a hundred words, most of them in thousands of
 * entries ("build", "shell", "install"), and every entry that contains any of them would be scored:
 * 20 ms a report against 10,000 entries. The rarest words decide the ranking anyway, so a query takes
 * the report's rarest words, up to QUERY_TERMS of them and while their occurrences in the index add up
 * to at most POSTINGS_BUDGET (always at least one word).
 */
const QUERY_TERMS = 12;
const POSTINGS_BUDGET = 500;

/** minisearch's BM25+ parameters: k1 1.2, b 0.7, and d 0.5 so that a term present at all always counts. */
const K1 = 1.2;
const B = 0.7;
const D = 0.5;

/**
 * The BM25 weight of a term that occurs `count` times in a document of `length` words, when
 * `containing` of `documents` documents have it.
 */
export function bm25(
  count: number,
  containing: number,
  documents: number,
  length: number,
  averageLength: number,
): number {
  const idf = Math.log(1 + (documents - containing + 0.5) / (containing + 0.5));
  return idf * (D + (count * (K1 + 1)) / (count + K1 * (1 - B + (B * length) / averageLength)));
}

export interface SearchResult {
  id: string;
  score: number;
  /** The query terms the document has, rarest first. */
  terms: string[];
}

export interface SearchOptions {
  /** Leaves out documents that have fewer of the query's terms than this... */
  minTerms?: number;
  /** ...unless they are one of these (found some other way, and ranked by their relevance too). */
  keep?: ReadonlySet<string>;
}

export interface Search<T> {
  add(document: T): void;
  search(words: Iterable<string>, options?: SearchOptions): SearchResult[];
}

/** The documents of one field that have a term, and how often (parallel arrays, by document number). */
interface FieldPostings {
  documents: number[];
  counts: number[];
}

interface TermPostings {
  /** In all fields of all documents: what makes a word rare. */
  occurrences: number;
  byField: (FieldPostings | undefined)[];
}

export function createSearch<T extends { id: string }>(
  fields: readonly (keyof T & string)[],
  boost: Readonly<Record<string, number>>,
): Search<T> {
  const ids: string[] = [];
  const numbers = new Map<string, number>();
  /** Field -> document number -> distinct words in that field. */
  const lengths: number[][] = fields.map(() => []);
  const totalLengths: number[] = fields.map(() => 0);
  const boosts = fields.map((field) => boost[field] ?? 1);
  /**
   * Every word seen while indexing, stopwords included: whether it is a term (its postings, or null),
   * and the last field it was counted in, so one Map lookup a word does all of indexing's bookkeeping
   * (10,000 entries hold 500,000 words and fewer than 20,000 distinct ones).
   */
  const words = new Map<string, { postings: TermPostings | null; lastField: number }>();
  let fieldsIndexed = 0;

  function indexField(document: number, field: number, text: string) {
    const stamp = ++fieldsIndexed;
    let length = 0;
    for (const token of tokenize(text)) {
      let word = words.get(token);
      if (word === undefined) {
        const term = searchTerm(token);
        word = { postings: term === null ? null : { occurrences: 0, byField: [] }, lastField: 0 };
        words.set(token, word);
      }
      if (word.lastField !== stamp) {
        word.lastField = stamp;
        length++;
      }
      const entry = word.postings;
      if (entry === null) continue;
      entry.occurrences++;
      let list = entry.byField[field];
      if (list === undefined) {
        list = { documents: [], counts: [] };
        entry.byField[field] = list;
      }
      // Documents are numbered in the order they are added, so a repeat is always the last one listed.
      const last = list.documents.length - 1;
      if (list.documents[last] === document) list.counts[last] = (list.counts[last] as number) + 1;
      else {
        list.documents.push(document);
        list.counts.push(1);
      }
    }
    (lengths[field] as number[]).push(length);
    totalLengths[field] = (totalLengths[field] as number) + length;
  }

  const postingsOf = (word: string) => words.get(word)?.postings ?? undefined;
  const rarest = (query: Iterable<string>): string[] => {
    const known = [...new Set(query)]
      .filter((word) => postingsOf(word) !== undefined)
      .sort((a, b) => occurrencesOf(a) - occurrencesOf(b));
    const chosen: string[] = [];
    let budget = 0;
    for (const word of known) {
      const cost = occurrencesOf(word);
      if (chosen.length === QUERY_TERMS || (chosen.length > 0 && budget + cost > POSTINGS_BUDGET)) break;
      chosen.push(word);
      budget += cost;
    }
    return chosen;
  };
  const occurrencesOf = (word: string) => (postingsOf(word) as TermPostings).occurrences;

  return {
    add(document) {
      const number = ids.length;
      ids.push(document.id);
      numbers.set(document.id, number);
      fields.forEach((field, index) => {
        indexField(number, index, String(document[field] ?? ""));
      });
    },

    search(words, { minTerms = 1, keep = new Set<string>() } = {}) {
      const found = new Map<number, { score: number; terms: string[] }>();
      const documents = ids.length;
      const query = rarest(words);
      // A query of one very common word ("build" is in a third of a large database) would score
      // thousands of documents for nothing when none of them can have enough of its terms.
      const only =
        query.length >= minTerms ? undefined : new Set([...keep].flatMap((id) => numbers.get(id) ?? []));
      if (only?.size === 0) return [];
      for (const term of query) {
        const { byField } = postingsOf(term) as TermPostings;
        byField.forEach((list, field) => {
          if (list === undefined) return;
          const fieldLengths = lengths[field] as number[];
          const averageLength = (totalLengths[field] as number) / documents;
          const weight = boosts[field] as number;
          list.documents.forEach((document, at) => {
            if (only !== undefined && !only.has(document)) return;
            const score =
              weight *
              bm25(
                list.counts[at] as number,
                list.documents.length,
                documents,
                fieldLengths[document] as number,
                averageLength,
              );
            const known = found.get(document);
            if (known === undefined) found.set(document, { score, terms: [term] });
            else {
              known.score += score;
              if (!known.terms.includes(term)) known.terms.push(term);
            }
          });
        });
      }
      return [...found]
        .filter(([document, { terms }]) => terms.length >= minTerms || keep.has(ids[document] as string))
        .map(([document, { score, terms }]) => ({
          id: ids[document] as string,
          score: score * terms.length,
          terms,
        }))
        .sort((a, b) => b.score - a.score);
    },
  };
}
