import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The folder inside each witness root (the env root, the mirror cache) that holds the records. */
export const WITNESS_DIR = ".hms-env-state";

/**
 * A record, kept outside the state file's folder, that a state file exists: the marker beside the file
 * vanishes with its folder (`rm -rf data/`), these do not. The configuration names the roots (the env
 * root and the mirror cache, where that state file's environments and mirrors live), so a new process
 * that finds the file gone, folder and all, still knows it is not a first use.
 */
export interface StateWitnesses {
  /** What records that the state file existed: the first record found, described; undefined if none. */
  evidence(): string | undefined;
  /** Records the state file in every root that exists; best effort (a read-only root is skipped). */
  record(createdAt: Date): void;
  /** The record files, for the message that says how to start over on purpose. */
  readonly files: readonly string[];
}

/** One record file per state file, named after its path: roots may serve several state files. */
export function witnessFile(root: string, stateFile: string): string {
  const digest = createHash("sha256").update(stateFile).digest("hex").slice(0, 16);
  return join(root, WITNESS_DIR, `${digest}.json`);
}

export function stateWitnesses(stateFile: string, roots: readonly string[]): StateWitnesses {
  const files = roots.map((root) => ({ root, file: witnessFile(root, stateFile) }));
  // Once written (or found) in this process, a root is not checked again on every read.
  const recorded = new Set<string>();

  const describe = (file: string): string => {
    try {
      const { createdAt } = JSON.parse(readFileSync(file, "utf8")) as { createdAt?: string };
      return `${file} records that it was created${createdAt ? ` on ${createdAt}` : ""}`;
    } catch {
      return `${file} records that it was created`;
    }
  };

  return {
    files: files.map(({ file }) => file),
    evidence() {
      const found = files.find(({ file }) => existsSync(file));
      return found && describe(found.file);
    },
    record(createdAt) {
      for (const { root, file } of files) {
        if (recorded.has(file)) continue;
        try {
          // A root that does not exist yet holds nothing to lose: it is recorded once it does.
          if (!existsSync(root)) continue;
          if (!existsSync(file)) {
            mkdirSync(join(root, WITNESS_DIR), { recursive: true });
            const text = JSON.stringify({ stateFile, createdAt: createdAt.toISOString() });
            writeFileSync(file, `${text}\n`, { flag: "wx" });
          }
          recorded.add(file);
        } catch {
          // Not writable here (or written by another process meanwhile): the next read tries again.
        }
      }
    },
  };
}
