/**
 * Which nixpkgs a shell is evaluated against, and what can be learnt about it without evaluating it:
 * the pin (nix/nixpkgs.json), the arguments that select it, where its tree is, the Nix version it asks
 * for, and the one line an environment records about it.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { NixConfig, NixpkgsChoice } from "../config/load.js";
import { SHIPPED_NIX_FILE } from "../config/package-root.js";
import { describeError, HmsError } from "../errors.js";
import { type Exec, execHere } from "./exec.js";
import { shellWord } from "./shell-quote.js";

export const PIN_FILE = "nixpkgs.json";
export const PKGS_FILE = "pkgs.nix";

const pinSchema = z.object({
  /** The release branch the commit was taken from, for people: nixos-26.05. */
  branch: z.string().optional(),
  url: z.string().regex(/^(https?|file):\/\/\S+$/, "expected the URL of a nixpkgs tarball"),
  rev: z.string().regex(/^[0-9a-f]{40}$/, "expected a 40-character commit"),
  /** The hash of the unpacked tree (a flake.lock's narHash, or nix-prefetch-url --unpack's answer). */
  sha256: z.string().regex(/^(sha256-[A-Za-z0-9+/]{43}=|[0-9a-df-np-sv-z]{52})$/, "expected a sha256 hash"),
});
export type Pin = z.infer<typeof pinSchema>;

/** The folder holding pkgs.nix and nixpkgs.json: beside the configured hms-env.nix, else the shipped one. */
export function pinDir(nixFile: string): string {
  const beside = dirname(nixFile);
  return existsSync(join(beside, PIN_FILE)) ? beside : dirname(SHIPPED_NIX_FILE);
}

export function readPin(file: string): Pin {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new HmsError("NIX_FAILED", `cannot read the nixpkgs pin ${file}: ${describeError(error)}`, {
      cause: error,
    });
  }
  const parsed = pinSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HmsError(
      "NIX_FAILED",
      `${file}: ${issue?.path.join(".") || "(top level)"}: ${issue?.message ?? "invalid"}; see README "Pinned nixpkgs" for its fields`,
    );
  }
  return parsed.data;
}

/** The command that puts the pinned tree into the store, where fetchTarball finds it. */
export function fetchCommand(pin: Pin): string {
  return `nix-prefetch-url --unpack --name source ${shellWord(pin.url)}`;
}

/**
 * Arguments for nix-instantiate, nix-build and nix-shell that select the nixpkgs. The pinned one is
 * hms-env.nix's own default; a path goes through -I so that no value is ever spliced into Nix code.
 */
export function nixpkgsArgs(choice: NixpkgsChoice): string[] {
  const fromSearchPath = ["--arg", "pkgs", "import <nixpkgs> { }"];
  if (choice.kind === "pinned") return [];
  if (choice.kind === "channel") return fromSearchPath;
  return ["-I", `nixpkgs=${choice.path}`, ...fromSearchPath];
}

/** NIX_PATH and NIX_CONFIG for every Nix call; `inherited` is the caller's own NIX_CONFIG, kept. */
export function nixEnvironment(nix: NixConfig, inherited?: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (nix.nixPath !== undefined) env.NIX_PATH = nix.nixPath;
  const extra = nixConfigLines(nix);
  if (extra.length > 0) env.NIX_CONFIG = [...(inherited ? [inherited] : []), ...extra].join("\n");
  return env;
}

export function nixConfigLines(nix: Pick<NixConfig, "substituters" | "trustedPublicKeys">): string[] {
  const lines: string[] = [];
  if (nix.substituters.length > 0) lines.push(`extra-substituters = ${nix.substituters.join(" ")}`);
  if (nix.trustedPublicKeys.length > 0) {
    lines.push(`extra-trusted-public-keys = ${nix.trustedPublicKeys.join(" ")}`);
  }
  return lines;
}

export function describeChoice(choice: NixpkgsChoice): string {
  return choice.kind === "path" ? choice.path : choice.kind;
}

/** Where the selected nixpkgs tree is on disk, or why it cannot be looked at (without fetching anything). */
export type TreeLocation =
  | { found: true; tree: string; pin?: Pin }
  | { found: false; reason: string; fix: string; pin?: Pin };

export async function locateTree(
  nix: NixConfig,
  env: Record<string, string>,
  pinFolder = pinDir(nix.file),
  exec: Exec = execHere,
): Promise<TreeLocation> {
  const choice = nix.nixpkgs;
  if (choice.kind === "path") {
    return existsSync(join(choice.path, "default.nix"))
      ? { found: true, tree: choice.path }
      : {
          found: false,
          reason: `nix.nixpkgs is ${choice.path}, which holds no default.nix`,
          fix: "point nix.nixpkgs at a nixpkgs checkout, or set it to pinned",
        };
  }
  if (choice.kind === "channel") {
    const found = await exec("nix-instantiate", ["--find-file", "nixpkgs"], { env });
    return found.exitCode === 0
      ? { found: true, tree: found.stdout.trim() }
      : {
          found: false,
          reason: "nix.nixpkgs is channel, but <nixpkgs> is not on NIX_PATH",
          fix: "nix-channel --add https://nixos.org/channels/nixos-26.05 nixpkgs && nix-channel --update, set nix.nixPath, or set nix.nixpkgs to pinned",
        };
  }
  const pin = readPin(join(pinFolder, PIN_FILE));
  const path = await pinStorePath(pin, env, exec);
  if (existsSync(join(path, "default.nix"))) return { found: true, tree: path, pin };
  return {
    found: false,
    pin,
    reason: `the pinned nixpkgs (${shortPin(pin)}) is not in the Nix store yet (it would be ${path}); without network it cannot be fetched`,
    fix: `on a machine with network: ${fetchCommand(pin)} (or hms-env warm); offline: set nix.nixpkgs to channel or to a nixpkgs path`,
  };
}

/** The store path fetchTarball gives the pin: fixed by its hash and the name "source". */
export async function pinStorePath(
  pin: Pin,
  env: Record<string, string> = {},
  exec: Exec = execHere,
): Promise<string> {
  const printed = await exec(
    "nix-store",
    ["--print-fixed-path", "--recursive", "sha256", pin.sha256, "source"],
    { env },
  );
  if (printed.exitCode !== 0) {
    throw new HmsError(
      "NIX_FAILED",
      `the pin's sha256 ${pin.sha256} is not a hash Nix accepts: ${printed.stderr.trim()}`,
    );
  }
  return printed.stdout.trim();
}

export function shortPin(pin: Pin): string {
  return `${pin.rev.slice(0, 12)}${pin.branch ? ` of ${pin.branch}` : ""}`;
}

/**
 * The oldest Nix the tree accepts. Trees since 25.11 state it as feature checks in lib/minfeatures.nix
 * (`compareVersions "2.18" builtins.nixVersion`); older ones as a string in lib/minver.nix.
 */
export function minimumNixVersion(tree: string): { version: string; source: string } | undefined {
  const features = join(tree, "lib", "minfeatures.nix");
  if (existsSync(features)) {
    const versions = [
      ...readFileSync(features, "utf8").matchAll(
        /compareVersions\s+"([0-9][0-9.]*)"\s+builtins\.nixVersion/g,
      ),
    ]
      .map((match) => match[1] ?? "")
      .sort(compareVersions);
    const highest = versions.at(-1);
    if (highest) return { version: highest, source: features };
  }
  const minver = join(tree, "lib", "minver.nix");
  if (existsSync(minver)) {
    const match = /"([0-9][0-9.]*)"/.exec(readFileSync(minver, "utf8"));
    if (match?.[1]) return { version: match[1], source: minver };
  }
  return undefined;
}

/** Like builtins.compareVersions for plain dotted numbers: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const left = a.split(".").map(Number);
  const right = b.split(".").map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** "nix (Nix) 2.8.0" -> "2.8.0". */
export function parseNixVersion(output: string): string | undefined {
  return /(\d+\.\d+(?:\.\d+)?)/.exec(output)?.[1];
}

/**
 * What an environment records about its nixpkgs: the pinned commit, or for a channel or path the tree
 * and the commit or version it says it is (channels ship .git-revision and .version).
 */
export async function describeNixpkgs(
  nix: NixConfig,
  env: Record<string, string>,
  pinFolder: string,
  exec: Exec = execHere,
): Promise<string> {
  if (nix.nixpkgs.kind === "pinned") {
    const pin = readPin(join(pinFolder, PIN_FILE));
    return `pinned ${pin.rev}${pin.branch ? ` (${pin.branch})` : ""}`;
  }
  const located = await locateTree(nix, env, pinFolder, exec);
  if (!located.found) return `${nix.nixpkgs.kind} (not found)`;
  const read = (name: string) => {
    const file = join(located.tree, name);
    return existsSync(file) ? readFileSync(file, "utf8").trim().slice(0, 80) : undefined;
  };
  const facts = [read(".git-revision"), read(".version") ?? read(join("lib", ".version"))].filter(Boolean);
  return `${nix.nixpkgs.kind} ${located.tree}${facts.length > 0 ? ` (${facts.join(", ")})` : ""}`;
}
