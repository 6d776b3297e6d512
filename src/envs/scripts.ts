/**
 * The files that make an environment usable on its own: launch.sh, cleanup.sh and .envrc. Every value
 * that came from a person or the configuration is single-quoted; the scripts find their own directory
 * at run time, so the environment keeps working if its folder is moved.
 */
import { GC_ROOT_DIR, META_DIR, META_FILE } from "./context.js";
import { metadataPathLine } from "./metadata.js";
import { INSTALL_NIX } from "./nix.js";
import { captureCommand, SHELL_ENV_FILE, SHELL_INPUTS, SHELL_RC_FILE } from "./shell-env.js";
import { shellQuote } from "./shell-quote.js";

export interface ScriptContext {
  id: string;
  /** One component id or "all": the Nix shell to enter. */
  component: string;
  /** Human description: 'branch "feature/x"' or 'PR #12'. */
  source: string;
  commit: string;
  /** Name of the checkout folder inside the environment. */
  checkoutName: string;
  /** Absolute bash for NIX_BUILD_SHELL, or undefined to use the bash running launch.sh. */
  bash: string | undefined;
  nixPath: string | undefined;
  /** Arguments that select nixpkgs (none for the pin, which is hms-env.nix's default). */
  nixpkgsArgs: string[];
  /** NIX_CONFIG lines for the configured binary caches, added to the caller's own. */
  nixConfig: string[];
  /** The hms-env CLI entry (dist/cli.js) that knows how to clean up and update the state file. */
  cliEntry: string;
  nodeBinary: string;
  mirror: string;
  cleanup: CleanupTarget;
}

/** What cleanup.sh needs to hand the folder to hms-env, or to remove it safely when hms-env is gone. */
export interface CleanupTarget {
  /** The folder and the env root as `.hms-env/env.json` names them. */
  envPath: string;
  envRoot: string;
  /** The same two with every symlink resolved, as `pwd -P` shows them. */
  realEnvPath: string;
  realEnvRoot: string;
  /** The configuration the environment was made with (null: the built-in defaults) and its folder. */
  configFile: string | null;
  configDir: string;
}

/** Builtins only, so the script can still explain itself on a PATH without coreutils. */
const FIND_SELF = [
  'case "${BASH_SOURCE[0]}" in */*) HMS_ENV_DIR="${BASH_SOURCE[0]%/*}" ;; *) HMS_ENV_DIR=. ;; esac',
  'HMS_ENV_DIR="$(cd -- "$HMS_ENV_DIR" && pwd -P)"',
].join("\n");

function header(context: ScriptContext, purpose: string): string {
  const comment = `# hms-env ${context.id}: ${context.component} at ${context.source} (${context.commit.slice(0, 12)})`;
  // A newline in a branch name would end the comment line early; print it on one line whatever it holds.
  return [
    "#!/usr/bin/env bash",
    comment.replace(/[\r\n]/g, " "),
    `# ${purpose}`,
    "set -euo pipefail",
    FIND_SELF,
  ].join("\n");
}

function nixEnvironment(context: ScriptContext): string[] {
  const lines = [
    context.bash === undefined
      ? 'export NIX_BUILD_SHELL="$BASH"'
      : `export NIX_BUILD_SHELL=${shellQuote(context.bash)}`,
  ];
  if (context.nixPath !== undefined) lines.push(`export NIX_PATH=${shellQuote(context.nixPath)}`);
  if (context.nixConfig.length > 0) {
    // Added to the person's own NIX_CONFIG, one setting a line, as Nix reads it.
    lines.push(
      `export NIX_CONFIG="\${NIX_CONFIG:+$NIX_CONFIG\n}"${shellQuote(context.nixConfig.join("\n"))}`,
    );
  }
  return lines;
}

export function nixShellArgs(component: string, nixpkgsArgs: readonly string[] = []): string {
  return [
    `--argstr component ${shellQuote(component)} --argstr envDir "$HMS_ENV_DIR"`,
    ...nixpkgsArgs.map(shellQuote),
  ].join(" ");
}

/** True in bash when the cache exists and is newer than hms-env.nix and the pin files. */
const CACHE_FRESH = SHELL_INPUTS.map((file) => `[ "$cache" -nt "$HMS_ENV_DIR/${file}" ]`).join(" && ");

export function launchScript(context: ScriptContext): string {
  return `${header(context, "Enters the component's Nix shell in the checkout. ./launch.sh and ./launch.sh --run 'make test' use the cached environment; --fresh evaluates the shell again; other arguments go to nix-shell.")}
cache="$HMS_ENV_DIR/${SHELL_ENV_FILE}"
fresh=0
if [ "\${1:-}" = "--fresh" ]; then fresh=1; shift; fi
${nixEnvironment(context).join("\n")}
require_nix() {
  if ! command -v nix-shell >/dev/null 2>&1; then
    echo ${shellQuote(`hms-env: nix-shell was not found; ${INSTALL_NIX}, then run ./launch.sh again.`)} >&2
    exit 127
  fi
}
cd -- "$HMS_ENV_DIR"/${shellQuote(context.checkoutName)}
# Only entering the shell or running one command in it can use the cache; other arguments change the shell.
case "$#:\${1:-}" in
  0: | 2:--run | 2:--command) ;;
  *)
    require_nix
    exec nix-shell "$HMS_ENV_DIR/hms-env.nix" ${nixShellArgs(context.component, context.nixpkgsArgs)} "$@"
    ;;
esac
# The cache is used while it is newer than its inputs and the shell it was captured from is still in
# the store (the environment's GC root resolves); otherwise the shell is evaluated again.
roots="$HMS_ENV_DIR/${GC_ROOT_DIR}"
if [ "$fresh" = 1 ] || ! { ${CACHE_FRESH} && [ -e "$roots/shell" ]; }; then
  require_nix
  # Built under the environment's one GC root, which moves to this shell: what the cache points at
  # survives a garbage collection, and the shell it replaces is freed by one.
  mkdir -p -- "$roots"
  drv="$(nix-instantiate "$HMS_ENV_DIR/hms-env.nix" ${nixShellArgs(context.component, context.nixpkgsArgs)} --add-root "$roots/shell.drv" --indirect)"
  nix-store --realise "$drv" --add-root "$roots/shell" --indirect --quiet >/dev/null
  printf -v target %q "$cache.$$"
  capture=${shellQuote(captureCommand())}
  if ! nix-shell "$drv" --pure --run "$capture > $target"; then
    rm -f -- "$cache.$$" "$roots/shell.drv"
    exit 1
  fi
  mv -f -- "$cache.$$" "$cache"
  rm -f -- "$roots/shell.drv"
fi
caller_path="\${PATH:-}"
. "$cache"
PATH="$PATH\${caller_path:+:$caller_path}"
if [ "$#" -eq 0 ]; then exec "$NIX_BUILD_SHELL" --rcfile "$HMS_ENV_DIR/${SHELL_RC_FILE}" -i; fi
exec "$NIX_BUILD_SHELL" -c "$2"
`;
}

export function cleanupScript(context: ScriptContext): string {
  const target = context.cleanup;
  const config = target.configFile === null ? "" : ` --config ${shellQuote(target.configFile)}`;
  return `${header(context, "Removes this environment: its git worktree, its Nix GC roots, this folder, and marks it cleaned.")}
# From the configuration's folder (never this one, which goes away): the built-in defaults resolve there.
cd -- ${shellQuote(target.configDir)} 2>/dev/null || cd /
if command -v ${shellQuote(context.nodeBinary)} >/dev/null 2>&1 && [ -f ${shellQuote(context.cliEntry)} ]; then
  exec ${shellQuote(context.nodeBinary)} ${shellQuote(context.cliEntry)} cleanup --env-dir "$HMS_ENV_DIR"${config} "$@"
fi
${fallbackRemoval(context)}`;
}

/**
 * hms-env itself is gone: remove what git and the disk hold; the state file is reconciled later. Only
 * the folder hms-env made, as it made it: physically at the same place (a moved or copied folder, or
 * one reached through a symlink to somewhere else, does not match), inside the env root, holding its
 * own env.json that names this folder and that root. rm never follows a symlink inside the tree.
 */
function fallbackRemoval(context: ScriptContext): string {
  const target = context.cleanup;
  const meta = `"$HMS_ENV_DIR"/${shellQuote(`${META_DIR}/${META_FILE}`)}`;
  const pathLine = metadataPathLine(target.envPath);
  const rootLine = `"envRoot": ${JSON.stringify(target.envRoot)}`;
  return `hms_refuse() {
  echo "hms-env: the hms-env command was not found, and $HMS_ENV_DIR is not removed: $1. Check it, and remove it by hand if it is yours." >&2
  exit 1
}
[ "$HMS_ENV_DIR" = ${shellQuote(target.realEnvPath)} ] || hms_refuse ${shellQuote(`hms-env made this environment at ${target.realEnvPath}`)}
[[ "$HMS_ENV_DIR" == ${shellQuote(target.realEnvRoot)}/?* ]] || hms_refuse ${shellQuote(`it is not inside the env root ${target.realEnvRoot}`)}
if [ -L "$HMS_ENV_DIR"/${shellQuote(META_DIR)} ] || [ -L ${meta} ] || [ ! -f ${meta} ]; then
  hms_refuse ${shellQuote(`it holds no ${META_DIR}/${META_FILE} of its own`)}
fi
hms_meta="$(<${meta})"
[[ "$hms_meta" == *${shellQuote(pathLine)}* && "$hms_meta" == *${shellQuote(rootLine)}* ]] ||
  hms_refuse ${shellQuote(`its ${META_DIR}/${META_FILE} does not name this folder and its env root`)}
[ ! -L "$HMS_ENV_DIR"/${shellQuote(context.checkoutName)} ] || hms_refuse "its checkout is a symbolic link"
echo "hms-env: the hms-env command was not found; removing the worktree and folder directly" >&2
git -C ${shellQuote(context.mirror)} worktree remove --force --force "$HMS_ENV_DIR"/${shellQuote(context.checkoutName)} 2>/dev/null || true
git -C ${shellQuote(context.mirror)} worktree prune 2>/dev/null || true
rm -rf -- "$HMS_ENV_DIR"
`;
}

export function envrc(context: ScriptContext): string {
  return `# direnv: run \`direnv allow\` here to load the ${context.component} Nix shell in this folder and its checkout.
# It loads the cached environment (./launch.sh captures it again first when hms-env.nix or the pin changed),
# so the variables point into the checkout as in ./launch.sh.
HMS_ENV_DIR="$PWD"
${nixEnvironment(context).join("\n")}
watch_file ${SHELL_INPUTS.map((file) => `"$HMS_ENV_DIR/${file}"`).join(" ")} "$HMS_ENV_DIR/${SHELL_ENV_FILE}"
"$HMS_ENV_DIR/launch.sh" --run true >&2
caller_path="\${PATH:-}"
. "$HMS_ENV_DIR/${SHELL_ENV_FILE}"
PATH="$PATH\${caller_path:+:$caller_path}"
unset caller_path
`;
}
