import type { RequiredWord } from "./regex-anchors.js";
import type { CompiledSignature } from "./signatures.js";

/**
 * Signatures filed by one word every match contains (the anchor), so a report only runs the signatures
 * filed under its own tokens, under a prefix or suffix of them, or under nothing (no certain word).
 * The anchor is the signature's rarest word across all signatures: thousands of signatures may say
 * "could not find", few name the same gem.
 */
export function createSignatureIndex() {
  const byPosition = {
    whole: new Map<string, CompiledSignature[]>(),
    start: new Map<string, CompiledSignature[]>(),
    end: new Map<string, CompiledSignature[]>(),
  };
  /** Lengths of the filed prefixes and suffixes: the only slices of a token worth looking up. */
  const startLengths = new Set<number>();
  const endLengths = new Set<number>();
  const unanchored: CompiledSignature[] = [];
  const wordUse = new Map<string, number>();

  const use = (word: RequiredWord) => wordUse.get(word.word) ?? 0;

  return {
    /** Counts the words of signatures about to be filed, so anchors are chosen by rarity. */
    count(signatures: readonly CompiledSignature[]) {
      for (const { words } of signatures)
        for (const { word } of words) wordUse.set(word, (wordUse.get(word) ?? 0) + 1);
    },

    file(signature: CompiledSignature) {
      const anchor = signature.words.reduce<RequiredWord | undefined>(
        (best, word) => (best === undefined || use(word) < use(best) ? word : best),
        undefined,
      );
      if (anchor === undefined) {
        unanchored.push(signature);
        return;
      }
      const map = byPosition[anchor.position];
      const list = map.get(anchor.word);
      if (list) list.push(signature);
      else map.set(anchor.word, [signature]);
      if (anchor.position === "start") startLengths.add(anchor.word.length);
      if (anchor.position === "end") endLengths.add(anchor.word.length);
    },

    /** The signatures worth running on a report with these tokens, each once. */
    candidates(tokens: ReadonlySet<string>): Set<CompiledSignature> {
      const found = new Set<CompiledSignature>(unanchored);
      const add = (list: CompiledSignature[] | undefined) => {
        if (list) for (const signature of list) found.add(signature);
      };
      for (const token of tokens) {
        add(byPosition.whole.get(token));
        for (const length of startLengths)
          if (length <= token.length) add(byPosition.start.get(token.slice(0, length)));
        for (const length of endLengths)
          if (length <= token.length) add(byPosition.end.get(token.slice(-length)));
      }
      return found;
    },
  };
}
