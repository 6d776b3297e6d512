/**
 * The cached shell environment: what `nix-shell` would export, captured once so that ./launch.sh and
 * direnv enter the shell without evaluating nixpkgs (as nix-direnv's cache does).
 */

/** The cached shell environment, relative to the environment folder. */
export const SHELL_ENV_FILE = ".hms-env/shell-env.sh";
/** The rc file of an interactive cached shell. */
export const SHELL_RC_FILE = ".hms-env/bashrc";
/** The files whose change makes the cached environment stale. */
export const SHELL_INPUTS = ["hms-env.nix", "pkgs.nix", "nixpkgs.json"];

/**
 * Variables of the capturing nix-shell that belong to that one session (its temporary folder, the
 * person running it), not to the shell's definition: the cache leaves them to whoever enters it.
 */
const SESSION_VARIABLES = [
  "HOME",
  "USER",
  "LOGNAME",
  "DISPLAY",
  "TERM",
  "TZ",
  "PAGER",
  "SHELL",
  "SHLVL",
  "PWD",
  "OLDPWD",
  "_",
  "TMPDIR",
  "TMP",
  "TEMP",
  "TEMPDIR",
  "NIX_BUILD_TOP",
  "NIX_BUILD_SHELL",
  "IN_NIX_SHELL",
  "NIX_SHELL_PRESERVE_PROMPT",
  "NIX_PATH",
  "NIX_CONFIG",
];

/**
 * The command run inside `nix-shell --pure` (after the shellHooks) that prints every exported variable
 * as `export NAME=VALUE`, to be redirected into the cache: bash's printf %q quotes any value so that
 * bash reads it back exactly, newlines included. This is what nix-direnv's cache holds.
 */
export function captureCommand(): string {
  return [
    `{ echo "# hms-env: the shell's environment as nix-shell sets it; ./launch.sh --fresh captures it again"`,
    `for _hms_n in $(compgen -e); do case $_hms_n in ${SESSION_VARIABLES.join("|")}) ;; *) printf 'export %s=%q\\n' "$_hms_n" "\${!_hms_n}" ;; esac; done`,
    "echo 'export IN_NIX_SHELL=impure'; }",
  ].join("; ");
}

/** The interactive cached shell reads the person's ~/.bashrc without letting it replace the shell's PATH. */
export function shellRc(): string {
  return `# hms-env: rc file of the interactive shell ./launch.sh starts from the cached environment.
_hms_path="$PATH"
if [ -f ~/.bashrc ]; then . ~/.bashrc; fi
PATH="$_hms_path"
unset _hms_path
if [ -z "\${NIX_SHELL_PRESERVE_PROMPT:-}" ]; then PS1='\\n\\[\\033[1;32m\\][hms-env:\\w]\\$\\[\\033[0m\\] '; fi
`;
}
