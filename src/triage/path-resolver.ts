import type { ComponentConfig } from "../config/schema.js";
import type { FileIndex } from "./file-index.js";
import { createPathOwnership, pathsInText } from "./paths.js";

/** A path from a report, read against the repository's files and the components' globs. */
export type ResolvedPath =
  /** Evidence for `component`; `file` is the repository path, `description` says how it was found. */
  | { kind: "owned"; component: string; file: string; description: string }
  /** Found, but evidence for nobody (ambiguous, or a file no component owns); `description` says why. */
  | { kind: "uncounted"; description: string }
  | { kind: "unknown" };

/**
 * With the repository's file index, a path resolves by its longest suffix that the repository's files
 * end with (file-index.ts); without it (or when the index does not know the path, or only part of it),
 * by the components' globs, as far as the path carries them.
 */
export function createPathResolver(
  components: Readonly<Record<string, ComponentConfig>>,
  files: FileIndex | undefined,
) {
  const ownerOf = createPathOwnership(components);

  const byGlob = (path: string): ResolvedPath => {
    const owner = ownerOf(path);
    if (owner === undefined) return { kind: "unknown" };
    return {
      kind: "owned",
      component: owner.component,
      file: owner.path,
      description: `${owner.path} matches ${owner.component} (${owner.pattern})`,
    };
  };

  /** `repositoryPath`: a changed file, relative to the repository root, which the globs read as it is. */
  function resolvePath(path: string, { repositoryPath = false } = {}): ResolvedPath {
    if (repositoryPath) {
      const owned = byGlob(path);
      if (owned.kind === "owned") return owned;
    }
    const resolved = files?.resolve(path) ?? { kind: "unknown" };
    // A path the repository's files only partly explain is read by the globs first, if they can.
    if (resolved.kind === "unknown" || resolved.partial) {
      const owned = repositoryPath ? { kind: "unknown" as const } : byGlob(path);
      if (owned.kind === "owned" || resolved.kind === "unknown") return owned;
    }
    if (resolved.kind === "ambiguous") {
      const owners = resolved.components.map((component) => component ?? "no component").join(", ");
      return {
        kind: "uncounted",
        description: `${resolved.suffix} is ambiguous: ${resolved.count} files of ${owners} end with it (${resolved.examples.join(", ")})`,
      };
    }
    const where =
      resolved.count === 1 ? resolved.file : `${resolved.file} and ${resolved.count - 1} more files`;
    if (resolved.component === null) {
      return {
        kind: "uncounted",
        description: `${resolved.suffix} resolved to ${where}, which no component owns`,
      };
    }
    return {
      kind: "owned",
      component: resolved.component,
      file: resolved.file,
      description: `${resolved.suffix} resolved to ${where} (${resolved.component})`,
    };
  }

  return {
    resolvePath,
    /** The first frame of a report in a component's code: Sentry's "top in-app frame". */
    topFrame(text: string): string | null {
      for (const path of pathsInText(text)) {
        const resolved = resolvePath(path);
        if (resolved.kind === "owned") return resolved.file;
      }
      return null;
    },
  };
}
