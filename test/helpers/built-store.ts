import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { execaSync } from "execa";
import { PROJECT_ROOT } from "./workspace.js";

const BUILT_STORE_DIR = join(PROJECT_ROOT, "dist", "store");

/** The newest modification time of the TypeScript files under `dir`. */
function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir)
      .filter((name) => name.endsWith(".ts"))
      .map((name) => statSync(join(dir, name)).mtimeMs),
  );
}

/**
 * Child processes import the built store (a real second process, not a second module instance): the
 * URL of `dist/store/<module>.js`, rebuilt first when the store's sources are newer.
 */
export function builtStoreModule(module: "store" | "file-lock"): string {
  const built = join(BUILT_STORE_DIR, `${module}.js`);
  const sources = Math.max(
    newestSource(join(PROJECT_ROOT, "src", "store")),
    newestSource(join(PROJECT_ROOT, "src", "config")),
    statSync(join(PROJECT_ROOT, "src", "errors.ts")).mtimeMs,
  );
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    execaSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: PROJECT_ROOT, reject: false });
  }
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    throw new Error(`${built} is older than src/store: run \`npm run build\``);
  }
  return pathToFileURL(built).href;
}
