/**
 * The files of the repository's default branch, for reading paths the way people paste them: relative
 * to an app root (`app/models/claim.rb`), to a crate (`agent/src/main.rs`), to wherever a server keeps
 * the code (`/srv/hms/releases/42/lib/esr/export.rb`), from webpack (`webpack:///./src/index.ts`) or from
 * Windows (`C:\work\hms\...`). A path resolves by its longest suffix that files of the repository end
 * with: when those files all belong to one component the path counts for it, when they belong to several
 * it is ambiguous and counts for none.
 *
 * Files are kept as their segments reversed and joined by NUL, sorted: every file ending with a suffix
 * then sits in one contiguous range, found by binary search. 100,000 paths take about 10 MB this way,
 * where a trie of segments would take ten times that.
 */

export interface FileIndex {
  /** The commit the files were listed from. */
  readonly commit: string;
  readonly size: number;
  resolve(rawPath: string): PathResolution;
}

export type PathResolution =
  /** Every file the suffix names belongs to one component (or to none: `component` null). */
  | { kind: "file"; suffix: string; partial: boolean; file: string; count: number; component: string | null }
  /** The suffix names files of several components (or files inside and outside of components). */
  | {
      kind: "ambiguous";
      suffix: string;
      partial: boolean;
      components: (string | null)[];
      examples: string[];
      count: number;
    }
  | { kind: "unknown" };

/** Segments that put a path in someone else's code: a partial match there is a coincidence. */
const FOREIGN_SEGMENTS = new Set([
  "node_modules",
  "gems",
  ".gem",
  "bundle",
  ".bundle",
  "rubygems",
  ".cargo",
  ".rustup",
  "rustlib",
  "site-packages",
  "dist-packages",
]);

const SEPARATOR = "\0";
/** The character after SEPARATOR: the end of the range of keys starting with a given suffix. */
const AFTER_SEPARATOR = "\u0001";
const NO_COMPONENT = 0xffff;
const EXAMPLES_SHOWN = 3;

/** Splits a pasted path into its segments: URL schemes, drive letters, `.`, `..` and `...` go. */
export function pathSegments(rawPath: string): string[] {
  const path = rawPath
    .trim()
    .replace(/[.,;:]+$/, "")
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "")
    .replace(/^[A-Za-z]:(?=[\\/])/, "");
  return path
    .split(/[\\/]+/)
    .filter((segment) => segment !== "" && !/^\.+$/.test(segment) && segment !== "~");
}

const keyOf = (segments: readonly string[]) => [...segments].reverse().join(SEPARATOR);

export function createFileIndex(
  commit: string,
  files: readonly string[],
  componentOf: (file: string) => string | null,
): FileIndex {
  // Owners are looked up before sorting, while each path is still at hand in its usual form.
  const components: string[] = [];
  const ids = new Map<string, number>();
  const ownerOfKey = new Map<string, number>();
  for (const file of files) {
    if (file === "") continue;
    const component = componentOf(file);
    let id = NO_COMPONENT;
    if (component !== null) {
      id = ids.get(component) ?? components.push(component) - 1;
      ids.set(component, id);
    }
    ownerOfKey.set(keyOf(file.split("/")), id);
  }
  const keys = [...ownerOfKey.keys()].sort();
  const owners = Uint16Array.from(keys, (key) => ownerOfKey.get(key) as number);
  ownerOfKey.clear();

  /** First position whose key is not below `target`. */
  const lowerBound = (target: string) => {
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((keys[middle] as string) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  /** The files that end with these segments: the key itself, and keys continuing after a separator. */
  const range = (suffix: readonly string[]): [number, number] => {
    const key = keyOf(suffix);
    return [lowerBound(key), lowerBound(key + AFTER_SEPARATOR)];
  };
  /** Each component owning files in the range, with its first file there. */
  const ownersIn = (low: number, high: number): Map<number, number> => {
    const found = new Map<number, number>();
    for (let position = low; position < high; position++) {
      const owner = owners[position] as number;
      if (!found.has(owner)) found.set(owner, position);
    }
    return found;
  };
  const componentName = (id: number) => (id === NO_COMPONENT ? null : (components[id] as string));

  return {
    commit,
    size: keys.length,
    resolve(rawPath) {
      const segments = pathSegments(rawPath);
      let matched = 0;
      let bounds: [number, number] = [0, 0];
      for (let length = 1; length <= segments.length; length++) {
        const next = range(segments.slice(segments.length - length));
        if (next[0] === next[1]) break;
        matched = length;
        bounds = next;
      }
      if (matched === 0) return { kind: "unknown" };
      const suffixSegments = segments.slice(segments.length - matched);
      const [low, high] = bounds;
      const exact = keys[low] === keyOf(suffixSegments);
      // Partial: the report's path goes on where the repository's files stop matching.
      const partial = matched < segments.length && !exact;
      if (partial) {
        // A different root (a deploy folder) is fine, someone else's code is not, and one segment (a
        // file name) is luck.
        const leading = segments.slice(0, segments.length - matched);
        if (matched < 2 || leading.some((segment) => FOREIGN_SEGMENTS.has(segment)))
          return { kind: "unknown" };
      }
      const suffix = suffixSegments.join("/");
      // A path that contains a whole file's path names that file, however many others end like it.
      if (matched < segments.length && exact) {
        return {
          kind: "file",
          suffix,
          partial,
          file: fileOf(keys[low] as string),
          count: 1,
          component: componentName(owners[low] as number),
        };
      }
      const owning = ownersIn(low, high);
      if (owning.size === 1) {
        const [owner] = owning.keys();
        return {
          kind: "file",
          suffix,
          partial,
          file: fileOf(keys[low] as string),
          count: high - low,
          component: componentName(owner as number),
        };
      }
      // By component id, files of no component last, so the same report always reads the same.
      const name = (owner: number) => componentName(owner) ?? "\uffff";
      const ordered = [...owning].sort(([a], [b]) => (name(a) < name(b) ? -1 : 1));
      return {
        kind: "ambiguous",
        suffix,
        partial,
        components: ordered.map(([owner]) => componentName(owner)),
        examples: ordered.slice(0, EXAMPLES_SHOWN).map(([, position]) => fileOf(keys[position] as string)),
        count: high - low,
      };
    },
  };
}

function fileOf(key: string): string {
  return key.split(SEPARATOR).reverse().join("/");
}
