/**
 * Nix's own words when a step fails: the whole message from `error:` through the reason (which often
 * follows on later lines, as in nixpkgs' "evaluation aborted with the following error message: '"),
 * without the source excerpts and trace lines around it, plus the fix for the cases people meet.
 */

/** Lines that locate an error rather than explain it. */
const NOISE = [
  /^\s*at .*:\d+:\d+:$/, // "at /path/file.nix:12:3:"
  /^\s*\d*\s*\|/, // source excerpt "  12| foo" and its "   |   ^" marker
  /^\s*…/, // "… while evaluating the attribute 'x'"
  /^\s*\(use '--show-trace'/,
  /^\s*\(stack trace truncated/,
  /^\s*\(\d+ duplicate frames omitted\)/,
  /^warning: /, // retries and similar: the final error says the same
];

export function wholeNixError(stderr: string): string {
  const lines = stderr.replace(/\r/g, "").split("\n");
  const start = lines.findIndex((line) => line.trimStart().startsWith("error:"));
  if (start === -1)
    return (
      lines
        .filter((line) => line.trim() !== "")
        .at(-1)
        ?.trim() ?? "no output"
    );
  const kept: string[] = [];
  for (const line of lines.slice(start)) {
    if (NOISE.some((pattern) => pattern.test(line))) continue;
    // One blank line at most between paragraphs; none at the ends.
    if (line.trim() === "" && (kept.length === 0 || kept.at(-1) === "")) continue;
    kept.push(line.trimEnd());
  }
  while (kept.at(-1) === "") kept.pop();
  return dedent(kept).join("\n");
}

/** Nix indents continuation lines by the width of "error: "; the message reads better without it. */
function dedent(lines: string[]): string[] {
  const indents = lines
    .slice(1)
    .filter((line) => line.trim() !== "")
    .map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line, index) => (index === 0 ? line : line.slice(common)));
}

export interface NixFixContext {
  /** What selects nixpkgs, for the messages: "pinned", "channel" or a path. */
  nixpkgs: string;
  /** nix --version's number, when known. */
  nixVersion?: string | undefined;
  /** The command that fetches the pin, when the pin is in use. */
  fetchCommand?: string | undefined;
}

interface KnownCase {
  pattern: RegExp;
  fix: (match: RegExpExecArray, context: NixFixContext) => string;
}

const UPGRADE_NIX =
  "upgrade Nix with the official installer (curl -L https://nixos.org/nix/install | sh; Debian's nix-bin is too old for current nixpkgs)";

const KNOWN: KnownCase[] = [
  {
    // nixpkgs' default.nix: "This version of Nixpkgs requires Nix >= 2.3.17" (minver.nix), or the
    // minfeatures.nix list ("`builtins.nixVersion` reports at least 2.18").
    pattern: /requires Nix >= ?([0-9.]+)|reports at least ([0-9.]+)|requires an implementation of Nix/,
    fix: (match, context) => {
      const wanted = match[1] ?? match[2];
      return `this nixpkgs needs Nix ${wanted ? `>= ${wanted}` : "newer than this one"}${context.nixVersion ? `, this machine has ${context.nixVersion}` : ""}: ${UPGRADE_NIX}, or set nix.nixpkgs to a nixpkgs this Nix supports (nixos-25.05 and older accept Nix 2.8; \`hms-env doctor\` checks it)`;
    },
  },
  {
    // `with pkgs; [ jq ]` says "undefined variable 'jq'" for the same reason
    pattern: /attribute '([^']+)' missing|undefined variable '([^']+)'/,
    fix: (match, context) =>
      `the nixpkgs in use (${context.nixpkgs}) has no attribute '${match[1] ?? match[2]}': pin a nixpkgs that has it (nix/nixpkgs.json or nix.nixpkgs), or change hms-env.nix to the name this nixpkgs uses`,
  },
  {
    pattern: /hash mismatch/,
    fix: () =>
      "the downloaded nixpkgs does not match the pin's sha256: recompute it with nix-prefetch-url --unpack URL (or take narHash from a flake.lock of the same rev) and update nix/nixpkgs.json",
  },
  {
    pattern: /unable to download '([^']+)'|Couldn't resolve host|Could not resolve host/,
    fix: (match, context) =>
      `${match[1] ? `${match[1]} cannot be downloaded` : "a download failed"} (offline?): fetch it where there is network${context.fetchCommand ? ` (${context.fetchCommand})` : ""} or run \`hms-env warm\` there, or set nix.nixpkgs to channel or to a local nixpkgs path`,
  },
  {
    // NIX_REMOTE=daemon (or a multi-user install) with no nix-daemon listening on its socket.
    pattern: /cannot connect to socket at '([^']+)'|cannot open connection to remote store '([^']+)'/,
    fix: (match) =>
      `no nix-daemon answers${match[1] ? ` at ${match[1]}` : ""}: start nix-daemon (sudo systemctl start nix-daemon, or run nix-daemon as root) or unset NIX_REMOTE to use the store directly`,
  },
  {
    pattern: /hms-env\.nix: unknown component "([^"]+)"/,
    fix: (match) =>
      `hms-env.nix defines no shell for the component "${match[1]}" of the configuration: add it to the components of nix.file (nix/hms-env.nix), or remove it from components in hms.config.yaml`,
  },
  {
    pattern: /file 'nixpkgs' was not found in the Nix search path/,
    fix: () =>
      "add a nixpkgs channel or set nix.nixPath in hms.config.yaml, or set nix.nixpkgs to pinned; `hms-env doctor` checks it",
  },
];

/** The fix for a known failure, or undefined. */
export function nixFix(message: string, context: NixFixContext): string | undefined {
  for (const known of KNOWN) {
    const match = known.pattern.exec(message);
    if (match) return known.fix(match, context);
  }
  return undefined;
}
