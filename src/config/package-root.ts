import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The installed hms-env package: src/config or dist/config sit two levels below it. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const SHIPPED_NIX_FILE = resolve(PACKAGE_ROOT, "nix", "hms-env.nix");
export const SHIPPED_ROOT_CAUSE_DB = resolve(PACKAGE_ROOT, "data", "root_cause.json");
export const CLI_ENTRY = resolve(PACKAGE_ROOT, "dist", "cli.js");
