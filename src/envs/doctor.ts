import { accessSync, constants, existsSync, mkdirSync, statfsSync } from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";
import ms from "ms";
import type { NixConfig } from "../config/load.js";
import { describeError } from "../errors.js";
import type { EnvContext } from "./context.js";
import { checkShells, checkStore } from "./doctor-shells.js";
import { execHere } from "./exec.js";
import { mirrorPathFor } from "./git.js";
import { shownRemote } from "./git-network.js";
import { findOnPath, INSTALL_NIX } from "./nix.js";
import { nixFix, wholeNixError } from "./nix-errors.js";
import {
  compareVersions,
  describeChoice,
  locateTree,
  minimumNixVersion,
  nixEnvironment,
  parseNixVersion,
  shortPin,
  type TreeLocation,
} from "./nixpkgs.js";
import { BLOB_FILTER, mirrorKind, remoteAllowsFilter } from "./partial-mirror.js";
import { checkPinRoot } from "./pin-root.js";
import { chooseRepository, defaultBranchOf } from "./repository.js";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when it failed. */
  fix?: string;
}

/** Below this an environment's checkout and Nix inputs may not fit. */
const MIN_FREE_BYTES = 1024 ** 3;

async function version(command: string, args: string[]): Promise<string | undefined> {
  const result = await execa(command, args, { reject: false, stdin: "ignore" }).catch(() => undefined);
  return result?.exitCode === 0 ? result.stdout.trim().split("\n")[0] : undefined;
}

/** Sparse environments (`sparse-checkout set --sparse-index`) and mirror maintenance need git 2.32. */
const MIN_GIT: readonly [number, number] = [2, 32];

/** Whether `git --version`'s line names MIN_GIT or newer. */
export function gitIsRecentEnough(versionLine: string): boolean {
  const [major = 0, minor = 0] = (/(\d+)\.(\d+)/.exec(versionLine) ?? []).slice(1).map(Number);
  return major > MIN_GIT[0] || (major === MIN_GIT[0] && minor >= MIN_GIT[1]);
}

async function checkGit(): Promise<Check> {
  const found = await version("git", ["--version"]);
  if (!found) {
    return {
      name: "git",
      ok: false,
      detail: "git was not found",
      fix: "install git: sudo apt-get install git",
    };
  }
  const [major = 0, minor = 0] = (/(\d+)\.(\d+)/.exec(found) ?? []).slice(1).map(Number);
  if (major > MIN_GIT[0] || (major === MIN_GIT[0] && minor >= MIN_GIT[1]))
    return { name: "git", ok: true, detail: found };
  return {
    name: "git",
    ok: false,
    detail: `${found}: sparse environments and mirror maintenance need git ${MIN_GIT.join(".")} or newer`,
    fix: "upgrade git (Debian/Ubuntu: a backports or the git-core PPA package)",
  };
}

/** How long evaluating `lib.version` may take: a real nixpkgs needs a few seconds, a broken setup forever. */
const EVAL_TIMEOUT_MS = 60_000;

async function checkNix(
  path: string | undefined,
  settings: NixConfig,
  inheritedNixConfig: string | undefined,
): Promise<Check[]> {
  const missing = ["nix-shell", "nix-instantiate", "nix-store"].filter((tool) => !findOnPath(tool, path));
  if (missing.length > 0) {
    return [{ name: "nix", ok: false, detail: `not found: ${missing.join(", ")}`, fix: INSTALL_NIX }];
  }
  const reported = (await version("nix", ["--version"])) ?? (await version("nix-shell", ["--version"]));
  const installed = parseNixVersion(reported ?? "");
  const nix: Check = { name: "nix", ok: true, detail: reported ?? "nix-shell" };
  return [nix, ...(await checkNixpkgs(settings, installed, nixEnvironment(settings, inheritedNixConfig)))];
}

/**
 * The selected nixpkgs: where it is (without fetching it), whether this Nix is new enough for it (as
 * its lib/minfeatures.nix or lib/minver.nix says), and whether it evaluates.
 */
async function checkNixpkgs(
  settings: NixConfig,
  installed: string | undefined,
  env: Record<string, string>,
): Promise<Check[]> {
  const chosen = describeChoice(settings.nixpkgs);
  let located: TreeLocation;
  try {
    located = await locateTree(settings, env);
  } catch (error) {
    return [{ name: "nixpkgs", ok: false, detail: describeError(error), fix: "repair nix/nixpkgs.json" }];
  }
  if (!located.found) {
    return [{ name: "nixpkgs", ok: false, detail: `${chosen}: ${located.reason}`, fix: located.fix }];
  }
  const where: Check = {
    name: "nixpkgs",
    ok: true,
    detail: `${settings.nixpkgs.kind}: ${located.tree}${located.pin ? ` (${shortPin(located.pin)})` : ""}`,
  };
  const minimum = minimumNixVersion(located.tree);
  if (minimum && installed && compareVersions(installed, minimum.version) < 0) {
    return [
      where,
      {
        name: "nix version",
        ok: false,
        detail: `this nixpkgs needs Nix >= ${minimum.version} (${minimum.source}); this machine has Nix ${installed}`,
        fix: `upgrade Nix with the official installer (curl -L https://nixos.org/nix/install | sh), or set nix.nixpkgs to a nixpkgs that Nix ${installed} supports (nixos-25.05 or older for Nix 2.8)`,
      },
    ];
  }
  const versionCheck: Check = {
    name: "nix version",
    ok: true,
    detail: minimum
      ? `Nix ${installed ?? "?"} >= ${minimum.version}, as ${minimum.source} asks`
      : `${located.tree} states no minimum Nix version`,
  };
  return [where, versionCheck, await evaluateLibVersion(located.tree, env)];
}

/** `(import <selected> { }).lib.version`, with a timeout, so a broken nixpkgs shows here and not at provision. */
async function evaluateLibVersion(tree: string, env: Record<string, string>): Promise<Check> {
  const evaluated = await execa(
    "nix-instantiate",
    ["--eval", "-I", `nixpkgs=${tree}`, "--expr", "(import <nixpkgs> { }).lib.version"],
    { env, reject: false, stdin: "ignore", timeout: EVAL_TIMEOUT_MS },
  );
  if (evaluated.timedOut) {
    return {
      name: "evaluate",
      ok: false,
      detail: `evaluating lib.version of ${tree} took over ${EVAL_TIMEOUT_MS / 1000} s`,
      fix: "check the nixpkgs tree and the disk; provisioning will be as slow",
    };
  }
  if (evaluated.exitCode !== 0) {
    const message = wholeNixError(evaluated.stderr);
    return {
      name: "evaluate",
      ok: false,
      detail: message,
      fix:
        nixFix(message, { nixpkgs: tree }) ??
        "read the message above; `nix-instantiate --eval` of the tree shows it too",
    };
  }
  return { name: "evaluate", ok: true, detail: `lib.version is ${evaluated.stdout.trim()}` };
}

async function checkRepo(context: EnvContext): Promise<Check> {
  const repo = (await chooseRepository(context.config, context.git))?.repo;
  if (repo === undefined) {
    return {
      name: "repo",
      ok: false,
      detail: `${context.config.cwd} is not inside a git checkout and the config sets no repo`,
      fix: "set repo: in hms.config.yaml (a path or URL), or run hms-env inside the monorepo",
    };
  }
  // A remote that accepts and never answers must not hold doctor up: it gets timeouts.stall.
  const { stallMs } = context.config.stepTimeouts;
  const branch = await defaultBranchOf({ ...context.config, repo }, context.git);
  const where = context.config.defaultBranch === undefined ? ", its HEAD" : "";
  const listed = await execHere("git", ["ls-remote", "--heads", repo, branch], {
    env: { GIT_TERMINAL_PROMPT: "0" },
    timeoutMs: stallMs,
  });
  if (listed.timedOut) {
    return {
      name: "repo",
      ok: false,
      detail: `${shownRemote(repo)} did not answer within ${ms(stallMs)} (timeouts.stall): every fetch from it would stall`,
      fix: `check that ${shownRemote(repo)} answers (git ls-remote ${shownRemote(repo)}) and that this machine reaches it`,
    };
  }
  if (listed.exitCode !== 0) {
    return {
      name: "repo",
      ok: false,
      detail: `cannot reach ${repo}: ${listed.stderr.trim()}`,
      fix: "check the repo setting and your git credentials",
    };
  }
  if (listed.stdout.trim() === "") {
    return {
      name: "repo",
      ok: false,
      detail: `${repo} has no branch ${branch}`,
      fix: "set defaultBranch in hms.config.yaml",
    };
  }
  return { name: "repo", ok: true, detail: `${repo} (${branch} found${where})` };
}

/** Which kind of mirror the repository has, or will get; either kind works, so this never fails. */
async function checkMirror(context: EnvContext, remoteAnswers: boolean): Promise<Check> {
  const repo = (await chooseRepository(context.config, context.git))?.repo;
  if (repo === undefined) return { name: "mirror", ok: true, detail: "no repository yet (see repo)" };
  const mirror = mirrorPathFor(repo, context.config.cacheDir);
  if (existsSync(join(mirror, "HEAD"))) {
    const kind = await mirrorKind(mirror);
    return {
      name: "mirror",
      ok: true,
      detail: kind.partial
        ? `${mirror}: partial (${BLOB_FILTER}): commits and trees fetched, blobs as checkouts need them`
        : `${mirror}: full: ${kind.reason}`,
    };
  }
  if (!remoteAnswers) {
    return {
      name: "mirror",
      ok: true,
      detail: "not made yet; its kind is known once the remote answers (see repo)",
    };
  }
  const detail = !context.config.mirror.partialClone
    ? "full: mirror.partialClone is false"
    : (await remoteAllowsFilter(repo))
      ? `partial (${BLOB_FILTER}): the remote allows filters`
      : "full: the remote does not allow filters (uploadpack.allowFilter)";
  return { name: "mirror", ok: true, detail: `not made yet; the first provision makes it ${detail}` };
}

async function checkState(context: EnvContext): Promise<Check> {
  const file = context.config.stateFile;
  try {
    if (!existsSync(file)) {
      // Reading tells a first use (nothing yet) from a vanished file (STATE_MISSING).
      await context.store.read();
      return { name: "state", ok: true, detail: `${file} (created on first use)` };
    }
    const state = await context.store.read();
    return { name: "state", ok: true, detail: `${file}: ${state.environments.length} environments recorded` };
  } catch (error) {
    return {
      name: "state",
      ok: false,
      detail: describeError(error),
      fix: existsSync(`${file}.bak`)
        ? "hms-env doctor --restore-state (checks the backup, puts it back, keeps the damaged file aside)"
        : `repair ${file} or move it aside (hms-env never resets it)`,
    };
  }
}

function checkDisk(envRoot: string): Check {
  try {
    mkdirSync(envRoot, { recursive: true });
    accessSync(envRoot, constants.W_OK);
    const stats = statfsSync(envRoot);
    const free = stats.bavail * stats.bsize;
    const gib = (free / 1024 ** 3).toFixed(1);
    return free >= MIN_FREE_BYTES
      ? { name: "disk", ok: true, detail: `${envRoot}: ${gib} GiB free` }
      : {
          name: "disk",
          ok: false,
          detail: `${envRoot}: only ${gib} GiB free`,
          fix: "free space, or move envRoot (hms-env gc --orphans removes stray folders)",
        };
  } catch (error) {
    return {
      name: "disk",
      ok: false,
      detail: `${envRoot} is not writable: ${describeError(error)}`,
      fix: `make ${dirname(envRoot)} writable or set envRoot`,
    };
  }
}

/** Once Nix, nixpkgs and the Nix file are there: the store, then every component's shell. */
async function checkNixWorks(context: EnvContext, before: readonly Check[]): Promise<Check[]> {
  if (!before.every((check) => check.ok)) return [];
  const store = await checkStore(context.nix);
  if (!store.ok) return [store];
  return [
    store,
    ...(await checkShells(context.nix, context.config.nix, Object.keys(context.config.components))),
  ];
}

/** `nixConfig` is the caller's own NIX_CONFIG: the configured binary caches are added to it, as for every Nix call. */
export async function runDoctor(
  context: EnvContext,
  path: string | undefined,
  nixConfig?: string | undefined,
): Promise<Check[]> {
  const config: Check = {
    name: "config",
    ok: true,
    detail: `${context.config.source ?? "built-in defaults"}; components ${Object.keys(context.config.components).join(", ")}`,
  };
  const nixFile: Check = existsSync(context.config.nix.file)
    ? { name: "nix file", ok: true, detail: context.config.nix.file }
    : {
        name: "nix file",
        ok: false,
        detail: `${context.config.nix.file} is missing`,
        fix: "set nix.file in hms.config.yaml or reinstall hms-env",
      };
  const nix = await checkNix(path, context.config.nix, nixConfig);
  const repo = await checkRepo(context);
  return [
    config,
    await checkGit(),
    ...nix,
    ...(await checkPinRoot(
      context.config.nix,
      context.config.stateFile,
      nixEnvironment(context.config.nix, nixConfig),
    )),
    nixFile,
    ...(await checkNixWorks(context, [...nix, nixFile])),
    repo,
    await checkMirror(context, repo.ok),
    await checkState(context),
    checkDisk(context.config.envRoot),
  ];
}
