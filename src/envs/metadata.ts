import { lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { realPathOf } from "../config/env-root.js";
import { HmsError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import { META_DIR, META_FILE } from "./context.js";

/**
 * `.hms-env/env.json`: hms-env's own mark on a folder it made, written the moment the folder is
 * reserved. It names the environment (`id`), the folder it was made as (`path`), the env root and the
 * state file whose record owns it (two configurations may share an env root and a cache folder, and
 * each must leave the other's environments alone). Anyone who can write the folder can edit it, so it
 * is only ever used to find the record in the configured state file, and to tell hms-env's folders
 * (and whose they are) from others; never to choose a state file or an env root, nor a folder to delete.
 */
export interface EnvMarker {
  id: string;
  path: string;
  envRoot: string;
  /** The state file of the configuration that made it; null in marks of older hms-env versions. */
  stateFile: string | null;
}

/** Older environments kept the id and path inside `record` only, and no state file; every shape is read. */
const markerSchema = z.union([
  z
    .object({
      id: z.string().min(1),
      path: z.string().min(1),
      envRoot: z.string(),
      stateFile: z.string().min(1).optional(),
    })
    .transform((mark) => ({ ...mark, stateFile: mark.stateFile ?? null })),
  z
    .object({ record: z.object({ id: z.string().min(1), path: z.string().min(1) }), envRoot: z.string() })
    .transform(({ record, envRoot }) => ({ id: record.id, path: record.path, envRoot, stateFile: null })),
]);

/** Where a configuration keeps its environments: the two paths a mark records. */
export interface MarkPlace {
  envRoot: string;
  stateFile: string;
}

export function metadataFile(envDir: string): string {
  return join(envDir, META_DIR, META_FILE);
}

/** Marks the record's folder as hms-env's: at its reservation, and again as the record changes. */
export function writeMetadata(record: EnvRecord, { envRoot, stateFile }: MarkPlace): void {
  mkdirSync(join(record.path, META_DIR), { recursive: true });
  const text = JSON.stringify({ id: record.id, path: record.path, envRoot, stateFile, record }, null, 2);
  writeFileSync(metadataFile(record.path), `${text}\n`);
}

/** The line of env.json that names the folder, as writeMetadata writes it: cleanup.sh looks for it. */
export function metadataPathLine(path: string): string {
  return `"path": ${JSON.stringify(path)}`;
}

/**
 * The marker of `envDir`, or undefined when it carries none: no `.hms-env/env.json`, a symlink in its
 * place (a link could borrow another environment's mark), or a file that is not hms-env's.
 */
export function findMarker(envDir: string): EnvMarker | undefined {
  try {
    if (!lstatSync(join(envDir, META_DIR)).isDirectory()) return undefined;
    if (!lstatSync(metadataFile(envDir)).isFile()) return undefined;
    const parsed = markerSchema.safeParse(JSON.parse(readFileSync(metadataFile(envDir), "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function readMarker(envDir: string): EnvMarker {
  const marker = findMarker(envDir);
  if (marker === undefined) {
    throw new HmsError(
      "NOT_FOUND",
      `${envDir} is not an hms-env environment: it holds no readable ${META_DIR}/${META_FILE} of hms-env's`,
    );
  }
  return marker;
}

/**
 * Whether the mark was made for this state file. Compared on real paths, so a state file reached
 * through a link is the same file. A mark that names none (an older hms-env) is nobody's for sure.
 */
export function markedFor(marker: EnvMarker, stateFile: string): boolean {
  return marker.stateFile !== null && realPathOf(marker.stateFile) === realPathOf(stateFile);
}
