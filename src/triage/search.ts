import MiniSearch, { type SearchOptions, type SearchResult } from "minisearch";
import { searchTerm, tokenize } from "./text.js";

/**
 * minisearch set up with triage's own words (text.ts), so the full-text index, the signature anchors
 * and duplicate similarity agree on what a term is. Exact terms only: prefix and fuzzy matching cost
 * time on every query and blur error names that differ by one letter on purpose (EACCES, EACCESS).
 *
 * A query is not the whole report. A stack trace has a hundred words, most of them in thousands of
 * entries ("build", "shell", "install"), and minisearch scores every entry that contains any of them:
 * 20 ms a report against 10,000 entries. The rarest words (counted as documents are added) decide the
 * ranking anyway, so a query takes the report's rarest words, up to QUERY_TERMS of them and while their
 * occurrences in the index add up to at most POSTINGS_BUDGET (always at least one word).
 */
const QUERY_TERMS = 12;
const POSTINGS_BUDGET = 500;

export interface Search<T> {
  add(document: T): void;
  addAll(documents: readonly T[]): void;
  search(words: Iterable<string>, options?: SearchOptions): SearchResult[];
}

export function createSearch<T extends { id: string }>(
  fields: readonly (keyof T & string)[],
  boost: Record<string, number>,
): Search<T> {
  const index = new MiniSearch<T>({
    fields: [...fields],
    storeFields: [],
    tokenize: (text) => tokenize(text),
    processTerm: (term) => searchTerm(term),
    searchOptions: { boost, prefix: false, fuzzy: false, combineWith: "OR" },
  });
  const occurrences = new Map<string, number>();
  const count = (document: T) => {
    for (const field of fields) {
      for (const token of tokenize(String(document[field] ?? ""))) {
        occurrences.set(token, (occurrences.get(token) ?? 0) + 1);
      }
    }
  };

  const rarest = (words: Iterable<string>): string[] => {
    const known = [...new Set(words)]
      .filter((word) => searchTerm(word) !== null && occurrences.has(word))
      .sort((a, b) => (occurrences.get(a) as number) - (occurrences.get(b) as number));
    const chosen: string[] = [];
    let postings = 0;
    for (const word of known) {
      const cost = occurrences.get(word) as number;
      if (chosen.length === QUERY_TERMS || (chosen.length > 0 && postings + cost > POSTINGS_BUDGET)) break;
      chosen.push(word);
      postings += cost;
    }
    return chosen;
  };

  return {
    add(document) {
      count(document);
      index.add(document);
    },
    addAll(documents) {
      for (const document of documents) count(document);
      index.addAll(documents);
    },
    search(words, options) {
      const query = rarest(words);
      return query.length === 0 ? [] : index.search(query.join(" "), options);
    },
  };
}
