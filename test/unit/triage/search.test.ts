import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import MiniSearch from "minisearch";
import { describe, expect, it } from "vitest";
import { createSearch } from "../../../src/triage/search.js";
import { searchTerm, tokenize, uniqueTokens } from "../../../src/triage/text.js";
import { PROJECT_ROOT, shippedEntries } from "./support.js";

interface Doc {
  id: string;
  title: string;
  symptoms: string;
  tags: string;
}

const FIELDS = ["title", "symptoms", "tags"] as const;
const BOOST = { title: 2, symptoms: 1.5 };

const documents = (): Doc[] =>
  shippedEntries().map((entry) => ({
    id: entry.id,
    title: entry.title,
    symptoms: entry.symptoms.join("\n"),
    tags: entry.tags.join(" "),
  }));

/** Every fixture report, as people pasted them. */
function reports(): string[] {
  const root = join(PROJECT_ROOT, "test", "fixtures", "triage");
  return ["reports", "pasted"].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((name) => name.endsWith(".txt"))
      .map((name) => readFileSync(join(root, dir, name), "utf8")),
  );
}

describe("createSearch", () => {
  it("scores exactly as minisearch does, for every fixture report against the shipped entries", () => {
    const ours = createSearch<Doc>(FIELDS, BOOST);
    const theirs = new MiniSearch<Doc>({
      fields: [...FIELDS],
      storeFields: [],
      tokenize: (text) => tokenize(text),
      processTerm: (term) => searchTerm(term),
      searchOptions: { boost: BOOST, prefix: false, fuzzy: false, combineWith: "OR" },
    });
    for (const document of documents()) ours.add(document);
    theirs.addAll(documents());

    let compared = 0;
    for (const report of reports()) {
      const found = ours.search(uniqueTokens(report));
      // The same query terms (our rarest words) asked of minisearch.
      const terms = [...new Set(found.flatMap((result) => result.terms))];
      if (terms.length === 0) continue;
      const expected = theirs.search(terms.join(" "));
      expect(found.map(({ id }) => id).sort()).toEqual(expected.map(({ id }) => id).sort());
      for (const result of found) {
        const theirsResult = expected.find(({ id }) => id === result.id);
        expect(result.score).toBeCloseTo(theirsResult?.score ?? Number.NaN, 9);
        expect([...result.terms].sort()).toEqual([...(theirsResult?.queryTerms ?? [])].sort());
      }
      compared += found.length;
    }
    expect(compared).toBeGreaterThan(200);
  });

  it("leaves out documents with too few of the query's terms, unless asked to keep them", () => {
    const search = createSearch<Doc>(FIELDS, {});
    search.add({ id: "A", title: "postgres deadlock detected", symptoms: "deadlock", tags: "postgres" });
    search.add({ id: "B", title: "postgres connection refused", symptoms: "refused", tags: "" });
    search.add({ id: "C", title: "yarn lockfile", symptoms: "lockfile", tags: "" });
    const words = ["postgres", "deadlock", "detected"];

    expect(search.search(words).map(({ id }) => id)).toEqual(["A", "B"]);
    expect(search.search(words, { minTerms: 2 }).map(({ id }) => id)).toEqual(["A"]);
    expect(search.search(words, { minTerms: 2, keep: new Set(["B"]) }).map(({ id }) => id)).toEqual([
      "A",
      "B",
    ]);
    // A query with fewer terms than required scores only the documents to keep.
    expect(search.search(["postgres"], { minTerms: 3 })).toEqual([]);
    expect(search.search(["postgres"], { minTerms: 3, keep: new Set(["B"]) }).map(({ id }) => id)).toEqual([
      "B",
    ]);
  });

  it("finds a document added after the others, and weighs words by how rare they are", () => {
    const search = createSearch<Doc>(FIELDS, {});
    for (let n = 0; n < 20; n++) search.add({ id: `N${n}`, title: "build failed", symptoms: "", tags: "" });
    search.add({ id: "LATE", title: "build segfault", symptoms: "", tags: "" });
    const [best] = search.search(["build", "segfault"]);
    expect(best?.id).toBe("LATE");
    expect(best?.terms).toEqual(["segfault", "build"]);
  });
});
