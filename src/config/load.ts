import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { HmsError } from "../errors.js";
import { readConfigText } from "./config-file.js";
import { defaultPlaces } from "./default-places.js";
import { DEFAULT_COMPONENTS } from "./defaults.js";
import { parseDuration } from "./duration.js";
import { checkEnvRoot, enclosingCheckout } from "./env-root.js";
import { SHIPPED_NIX_FILE, SHIPPED_ROOT_CAUSE_DB } from "./package-root.js";
import { type ComponentConfig, configSchema, type ParsedConfigFile, type TeamConfig } from "./schema.js";

export const DEFAULT_CONFIG_NAME = "hms.config.yaml";

/** The configuration with every path absolute and every duration in milliseconds. */
export interface Config {
  /** The file it came from, or null for the built-in defaults. */
  source: string | null;
  /** Path or URL of the monorepo; undefined means "the git toplevel of the current directory". */
  repo: string | undefined;
  cwd: string;
  /** Undefined: the branch the repository's HEAD names (src/envs/repository.ts defaultBranchOf). */
  defaultBranch: string | undefined;
  envRoot: string;
  cacheDir: string;
  stateFile: string;
  rootCauseDb: string;
  nix: NixConfig;
  timeouts: { defaultMs: number; minMs: number; maxMs: number };
  /** The `timeouts` section: how long a fetch, a checkout or a build may run, and what counts as a stall. */
  stepTimeouts: StepTimeouts;
  maxEnvsPerOwner: number;
  reconcileIntervalMs: number;
  /** Retries of cleanups that fail, and the lease of provisioning and cleanup claims. */
  cleanup: { maxAttempts: number; retryDelayMs: number; maxRetryDelayMs: number; claimLeaseMs: number };
  maintenanceIntervalMs: number;
  checkout: { mode: "full" | "sparse"; alwaysInclude: string[] };
  mirror: { partialClone: boolean };
  /** How long cleaned and failed records stay in the state file. */
  retention: { recordsMs: number };
  components: Record<string, ComponentConfig>;
  /** Triage: who owns which components and who takes the next bug. */
  teams: Record<string, TeamConfig>;
  triage: { fallbackTeam: string | undefined; duplicateThreshold: number };
  admins: string[];
  /** The Slack app: bug channels, auto-provisioning, the warning before a deadline, Extend choices. */
  slack: { bugChannels: string[]; autoProvision: boolean; warnBeforeMs: number; extendChoices: string[] };
  github: GithubConfig;
}

/** The `github` section, its duration in milliseconds. */
export interface GithubConfig {
  repository: string | undefined;
  bugLabel: string;
  keepLabel: string;
  /** Undefined: decided by whether GitHub credentials are set. */
  createIssues: boolean | undefined;
  prEnvironments: boolean;
  /** As written (`24h`): what provisioning is asked for; checked against the limits at load. */
  prTimeout: string;
  prTimeoutMs: number;
  allowForks: boolean;
}

/** The `timeouts` section, in milliseconds: how long the long steps of a provisioning may run. */
export interface StepTimeouts {
  /** One `git fetch` of the ref an environment asks for. */
  fetchMs: number;
  /** The checkout: from a partial mirror it downloads the blobs of the files it writes. */
  checkoutMs: number;
  /** Evaluating and building the component's shell, and capturing its environment. */
  buildMs: number;
  /** A git transfer below 1 KB/s for this long, or an ssh connection this slow to open, fails. */
  stallMs: number;
}

/** Which nixpkgs the shells are evaluated against. */
export type NixpkgsChoice = { kind: "pinned" } | { kind: "channel" } | { kind: "path"; path: string };

export interface NixConfig {
  file: string;
  nixPath: string | undefined;
  bash: string | undefined;
  nixpkgs: NixpkgsChoice;
  substituters: string[];
  trustedPublicKeys: string[];
}

export interface ConfigLookup {
  /** `--config FILE`; a named file must exist. */
  explicitPath?: string | undefined;
  /** `$HMS_CONFIG`; a named file must exist. */
  envPath?: string | undefined;
  cwd: string;
  /** `$HOME`: an env root there (or above it) is refused, as is one at the account's own home. */
  home?: string | undefined;
}

/** `--config`, then `$HMS_CONFIG`, then `./hms.config.yaml`, then the built-in defaults. */
export function findConfigFile(lookup: ConfigLookup): string | null {
  const named = lookup.explicitPath ?? lookup.envPath;
  if (named !== undefined && named !== "") {
    const file = resolve(lookup.cwd, named);
    if (!existsSync(file)) {
      const via = lookup.explicitPath !== undefined ? "--config" : "HMS_CONFIG";
      throw new HmsError("CONFIG_NOT_FOUND", `config file ${file} (from ${via}) does not exist`);
    }
    return file;
  }
  const local = resolve(lookup.cwd, DEFAULT_CONFIG_NAME);
  return existsSync(local) ? local : null;
}

export function loadConfig(lookup: ConfigLookup): Config {
  const file = findConfigFile(lookup);
  const config =
    file === null
      ? resolveConfig(configSchema.parse({}), null, lookup.cwd)
      : resolveConfig(parseConfigText(readConfigText(file), file), file, dirname(file));
  checkEnvRoot(config.envRoot, guardsFor(config, lookup), file ?? "built-in defaults");
  return config;
}

/** The folders an env root must never be, nor lie above. */
function guardsFor(config: Config, lookup: ConfigLookup) {
  const accountHome = (() => {
    try {
      return userInfo().homedir;
    } catch {
      return undefined; // no passwd entry (some containers): $HOME still counts
    }
  })();
  const localRepo = config.repo !== undefined && isAbsolute(config.repo) ? config.repo : undefined;
  return {
    homes: [lookup.home, accountHome].filter((home): home is string => !!home),
    repositories: [localRepo, enclosingCheckout(config.cwd), enclosingCheckout(lookup.cwd)].filter(
      (repo): repo is string => repo !== undefined,
    ),
  };
}

/** Aliases expand on conversion; a billion-laughs file would expand past any memory without a cap. */
const MAX_YAML_ALIASES = 100;

/** Parses YAML (JSON is YAML too) and validates it, naming the file, the key path and what was expected. */
export function parseConfigText(text: string, file: string): ParsedConfigFile {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0];
    throw new HmsError("CONFIG_INVALID", `${file}: not valid YAML: ${first?.message ?? "parse error"}`);
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    throw new HmsError(
      "CONFIG_INVALID",
      `${file}: not a usable YAML document (${(error as Error).message}); a config may expand at most ${MAX_YAML_ALIASES} aliases`,
      { cause: error },
    );
  }
  const result = configSchema.safeParse(value ?? {});
  if (!result.success) {
    throw new HmsError("CONFIG_INVALID", `${file}: ${formatIssues(result.error.issues)}`);
  }
  return result.data;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const at = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
      // A bad record key carries the reason (what a key must look like) in its nested issues.
      const reasons = issue.code === "invalid_key" ? issue.issues.map((inner) => inner.message) : [];
      return `${at}: ${[issue.message, ...reasons].join(": ")}`;
    })
    .join("; ");
}

/** The timeouts must make sense together; zod checks each alone. */
function checkTimeouts(timeouts: Config["timeouts"], parsed: ParsedConfigFile, file: string | null): void {
  const where = file ?? "built-in defaults";
  if (timeouts.minMs > timeouts.maxMs) {
    throw new HmsError(
      "CONFIG_INVALID",
      `${where}: limits.minTimeout (${parsed.limits.minTimeout}) is above limits.maxTimeout (${parsed.limits.maxTimeout})`,
    );
  }
  if (timeouts.defaultMs < timeouts.minMs || timeouts.defaultMs > timeouts.maxMs) {
    throw new HmsError(
      "CONFIG_INVALID",
      `${where}: defaults.timeout (${parsed.defaults.timeout}) must lie within limits.minTimeout (${parsed.limits.minTimeout}) and limits.maxTimeout (${parsed.limits.maxTimeout})`,
    );
  }
  // An Extend button that is always refused would only teach people that the buttons do not work.
  parsed.slack.extendChoices.forEach((choice, index) => {
    const choiceMs = parseDuration(choice);
    if (choiceMs < timeouts.minMs || choiceMs > timeouts.maxMs) {
      throw new HmsError(
        "CONFIG_INVALID",
        `${where}: slack.extendChoices.${index} (${choice}) must lie within limits.minTimeout (${parsed.limits.minTimeout}) and limits.maxTimeout (${parsed.limits.maxTimeout})`,
      );
    }
  });
}

function resolveConfig(parsed: ParsedConfigFile, source: string | null, baseDir: string): Config {
  const at = (path: string) => resolve(baseDir, path);
  const places = defaultPlaces(baseDir);
  const envRoot = parsed.envRoot === undefined ? places.envRoot : at(parsed.envRoot);
  const timeouts = {
    defaultMs: parseDuration(parsed.defaults.timeout),
    minMs: parseDuration(parsed.limits.minTimeout),
    maxMs: parseDuration(parsed.limits.maxTimeout),
  };
  checkTimeouts(timeouts, parsed, source);
  return {
    source,
    repo: parsed.repo === undefined ? undefined : resolveRepo(parsed.repo, baseDir),
    cwd: baseDir,
    defaultBranch: parsed.defaultBranch,
    envRoot,
    cacheDir: parsed.cacheDir === undefined ? resolve(envRoot, ".mirrors") : at(parsed.cacheDir),
    stateFile: parsed.stateFile === undefined ? places.stateFile : at(parsed.stateFile),
    rootCauseDb: parsed.rootCauseDb === undefined ? SHIPPED_ROOT_CAUSE_DB : at(parsed.rootCauseDb),
    nix: {
      file: parsed.nix.file === undefined ? SHIPPED_NIX_FILE : at(parsed.nix.file),
      nixPath: parsed.nix.nixPath,
      bash: parsed.nix.bash,
      nixpkgs: nixpkgsChoice(parsed.nix.nixpkgs, parsed.nix.nixPath, baseDir),
      substituters: parsed.nix.substituters,
      trustedPublicKeys: parsed.nix.trustedPublicKeys,
    },
    timeouts,
    stepTimeouts: {
      fetchMs: parseDuration(parsed.timeouts.fetch),
      checkoutMs: parseDuration(parsed.timeouts.checkout),
      buildMs: parseDuration(parsed.timeouts.build),
      stallMs: parseDuration(parsed.timeouts.stall),
    },
    maxEnvsPerOwner: parsed.limits.maxEnvsPerOwner,
    reconcileIntervalMs: parseDuration(parsed.schedule.reconcileInterval),
    cleanup: {
      maxAttempts: parsed.cleanup.maxAttempts,
      retryDelayMs: parseDuration(parsed.cleanup.retryDelay),
      maxRetryDelayMs: parseDuration(parsed.cleanup.maxRetryDelay),
      claimLeaseMs: parseDuration(parsed.cleanup.claimLease),
    },
    maintenanceIntervalMs: parseDuration(parsed.schedule.maintenanceInterval),
    checkout: {
      mode: parsed.checkout.mode,
      alwaysInclude: parsed.checkout.alwaysInclude.map((folder) => folder.replace(/\/+$/, "")),
    },
    mirror: parsed.mirror,
    retention: { recordsMs: parseDuration(parsed.retention.records) },
    components: parsed.components ?? DEFAULT_COMPONENTS,
    teams: parsed.teams,
    triage: {
      fallbackTeam: parsed.triage.fallbackTeam,
      duplicateThreshold: parsed.triage.duplicateThreshold,
    },
    admins: parsed.admins,
    slack: {
      bugChannels: parsed.slack.bugChannels,
      autoProvision: parsed.slack.autoProvision,
      warnBeforeMs: parseDuration(parsed.slack.warnBefore),
      extendChoices: parsed.slack.extendChoices,
    },
    github: resolveGithub(parsed.github, timeouts, source),
  };
}

function resolveGithub(
  parsed: ParsedConfigFile["github"],
  timeouts: Config["timeouts"],
  file: string | null,
): GithubConfig {
  const prTimeoutMs = parseDuration(parsed.prTimeout);
  if (prTimeoutMs < timeouts.minMs || prTimeoutMs > timeouts.maxMs) {
    throw new HmsError(
      "CONFIG_INVALID",
      `${file ?? "built-in defaults"}: github.prTimeout (${parsed.prTimeout}) must lie within limits.minTimeout and limits.maxTimeout`,
    );
  }
  return { ...parsed, repository: parsed.repository, createIssues: parsed.createIssues, prTimeoutMs };
}

/** URLs and scp-like addresses (git@host:org/repo) stay as they are; paths become absolute. */
export function resolveRepo(repo: string, baseDir: string): string {
  const looksRemote = /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^/\s]+:/.test(repo);
  return looksRemote || isAbsolute(repo) ? repo : resolve(baseDir, repo);
}

/**
 * `pinned`, `channel` or a path (relative to the config file). Unset, a nixPath that names nixpkgs
 * means the person chose their nixpkgs that way, so it is used rather than a pin they did not ask for.
 */
function nixpkgsChoice(
  value: string | undefined,
  nixPath: string | undefined,
  baseDir: string,
): NixpkgsChoice {
  if (value === "pinned" || value === "channel") return { kind: value };
  if (value !== undefined) return { kind: "path", path: resolve(baseDir, value) };
  const namesNixpkgs = (nixPath ?? "").split(":").some((entry) => entry.startsWith("nixpkgs="));
  return namesNixpkgs ? { kind: "channel" } : { kind: "pinned" };
}
