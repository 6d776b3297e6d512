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

/** The folders whose sources a built module may come from. */
const SOURCE_DIRS = ["store", "config", "envs"];

/**
 * Child processes import the built store (a real second process, not a second module instance): the
 * URL of `dist/store/<module>.js` (or `dist/envs/git.js`), rebuilt first when the sources are newer.
 */
export function builtStoreModule(module: "store" | "file-lock" | "git"): string {
  const built =
    module === "git" ? join(PROJECT_ROOT, "dist", "envs", "git.js") : join(BUILT_STORE_DIR, `${module}.js`);
  const sources = Math.max(
    ...SOURCE_DIRS.map((dir) => newestSource(join(PROJECT_ROOT, "src", dir))),
    statSync(join(PROJECT_ROOT, "src", "errors.ts")).mtimeMs,
  );
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    execaSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: PROJECT_ROOT, reject: false });
  }
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    throw new Error(`${built} is older than its sources: run \`npm run build\``);
  }
  return pathToFileURL(built).href;
}
