import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const REAL_GIT = execFileSync("bash", ["-c", "command -v git"], { encoding: "utf8" }).trim();

/**
 * A folder holding a `git` that runs bash `before` and `after` a real `git fetch`: put first on PATH,
 * it lets a test stop or kill a real provisioning at that exact step ($PPID is the hms-env process).
 */
export function gitWrapper(dir: string, fetch: { before?: string; after?: string }): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "git"),
    `#!/usr/bin/env bash
if [ "$1" = fetch ]; then :; ${fetch.before ?? ""}
fi
${REAL_GIT} "$@"
status=$?
if [ "$1" = fetch ]; then :; ${fetch.after ?? ""}
fi
exit $status
`,
    { mode: 0o755 },
  );
  return dir;
}

export const withWrapper = (dir: string) => `${dir}:${process.env.PATH ?? ""}`;
