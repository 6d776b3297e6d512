/**
 * Writes schema/hms.config.schema.json from the zod schema, so editors complete and check
 * hms.config.yaml (`# yaml-language-server: $schema=./node_modules/hms-env/schema/hms.config.schema.json`).
 * A unit test fails when the committed file is out of date.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { PACKAGE_ROOT } from "./package-root.js";
import { configSchema } from "./schema.js";

export function configJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: "input" });
  return `${JSON.stringify({ title: "hms-env configuration (hms.config.yaml)", ...schema }, null, 2)}\n`;
}

export const JSON_SCHEMA_FILE = resolve(PACKAGE_ROOT, "schema", "hms.config.schema.json");

if (
  process.argv[1] &&
  resolve(process.argv[1]) === resolve(PACKAGE_ROOT, "dist", "config", "write-json-schema.js")
) {
  writeFileSync(JSON_SCHEMA_FILE, configJsonSchema());
  console.log(`wrote ${JSON_SCHEMA_FILE}`);
}
