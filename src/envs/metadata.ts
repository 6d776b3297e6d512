import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { HmsError } from "../errors.js";
import { envRecordSchema } from "../store/schema.js";
import { META_DIR, META_FILE } from "./context.js";

/**
 * The environment's own description, kept inside it: cleanup.sh hands this folder to `hms-env cleanup
 * --env-dir`, which learns from it which state file and env root the environment belongs to.
 */
const metadataSchema = z.object({
  record: envRecordSchema,
  stateFile: z.string(),
  envRoot: z.string(),
});
export type EnvMetadata = z.infer<typeof metadataSchema>;

export function writeMetadata(envDir: string, metadata: EnvMetadata): void {
  writeFileSync(join(envDir, META_DIR, META_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
}

export function readMetadata(envDir: string): EnvMetadata {
  const file = join(envDir, META_DIR, META_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new HmsError("NOT_FOUND", `${envDir} is not an hms-env environment (cannot read ${file})`, {
      cause: error,
    });
  }
  const result = metadataSchema.safeParse(raw);
  if (!result.success) throw new HmsError("NOT_FOUND", `${file} is not an hms-env environment description`);
  return result.data;
}
