import { accessSync, constants, mkdirSync, readlinkSync, renameSync, rmSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { NixConfig } from "../config/load.js";
import { HmsError } from "../errors.js";
import { type Exec, execHere } from "./exec.js";
import { nixFix, wholeNixError } from "./nix-errors.js";
import {
  describeChoice,
  describeNixpkgs,
  fetchCommand,
  nixEnvironment,
  nixpkgsArgs,
  PIN_FILE,
  PKGS_FILE,
  readPin,
} from "./nixpkgs.js";
import { rootPinnedTree } from "./pin-root.js";
import { captureCommand } from "./shell-env.js";
import { shellQuote } from "./shell-quote.js";
import { execWithin, type StepDescription, stepTimedOut, TIMEOUT_KEYS, timedOut } from "./step-limits.js";

export interface NixShellTarget {
  /** The environment's own copy of hms-env.nix (pkgs.nix and nixpkgs.json beside it). */
  nixFile: string;
  component: string;
  /** The environment folder ("" for a shell that belongs to none, as `hms-env warm` builds). */
  envDir: string;
  /** Where the GC root goes: inside the environment, so it disappears with it. */
  gcRootDir: string;
  /** The GC root that keeps the pinned nixpkgs tree (see pin-root.ts); moved to this shell's pin. */
  pinRoot?: string;
}

/** How much of a shell's closure the store already held, and what this realisation built or fetched. */
export interface RealiseCounts {
  present: number;
  built: number;
  fetched: number;
}

/** "13 paths already in the store, 1 built, 0 fetched" */
export function describeCounts({ present, built, fetched }: RealiseCounts): string {
  return `${present} path${present === 1 ? "" : "s"} already in the store, ${built} built, ${fetched} fetched`;
}

export interface PreparedShell {
  /** The shell's .drv: nix-shell can enter it without evaluating anything. */
  drv: string;
  /** The built shell (mkShell's output): it references every input, so its one root keeps them all. */
  shell: string;
  counts: RealiseCounts;
}

export interface Nix {
  /** Whether nix-instantiate is on PATH; without it an environment is still made, launch.sh explains. */
  available(): boolean;
  /**
   * Evaluates the component's shell and builds it with one GC root (`<gcRootDir>/shell`) on its output,
   * which references every input, so nothing else needs a root and nothing else is realised. The .drv
   * keeps a second root (`shell.drv`) until `releaseDrv`, so the environment can be captured from it.
   */
  prepareShell(target: NixShellTarget): Promise<PreparedShell>;
  /** Writes the shell's environment as nix-shell sets it in `workdir` to `file` (the launch cache). */
  captureShell(drv: string, workdir: string, file: string): Promise<void>;
  /** What an environment records about the nixpkgs it uses (`pinFolder` holds its nixpkgs.json). */
  describeNixpkgs(pinFolder: string): Promise<string>;
  /**
   * Writes a tiny file into the Nix store and returns its path: throws NIX_FAILED (with the fix) when
   * the store cannot be reached or written, as with NIX_REMOTE=daemon and no nix-daemon running.
   * Evaluating alone (`nix-instantiate --eval`) never opens the store, so it cannot tell.
   */
  checkStore(): Promise<string>;
  /**
   * Evaluates the components' shells from `nixFile` and writes their .drv files, building nothing: what
   * provisioning does first, so a missing nixpkgs attribute or a component hms-env.nix does not know
   * shows here. One evaluation of nixpkgs serves them all; a failure names none of them, so the caller
   * asks again one component at a time to say which.
   */
  instantiateShells(nixFile: string, components: readonly string[]): Promise<void>;
}

/** Every listed shell of a hms-env.nix over one nixpkgs (the pinned one beside it unless `pkgs` is given). */
const ALL_SHELLS =
  '{ file, pinned, components, pkgs ? import pinned { } }: map (component: import file { inherit pkgs component; envDir = ""; }) (builtins.fromJSON components)';

/** What every "Nix is missing" message tells people to do. */
export const INSTALL_NIX =
  "install Nix: curl -L https://nixos.org/nix/install | sh (the official installer; Debian's nix-bin 2.8 only works with nix.nixpkgs set to nixos-25.05 or older)";

/** The first executable called `name` on `path`, as the shell would find it. */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface NixOptions {
  path: string | undefined;
  /** The configuration's nix section; without it nixpkgs is whatever hms-env.nix defaults to. */
  settings?: NixConfig | undefined;
  /** The caller's own NIX_CONFIG, which the configured binary caches are added to. */
  inheritedNixConfig?: string | undefined;
  /** Runs the Nix commands: `serve` passes its helper process (see exec.ts). */
  exec?: Exec;
  /** How long building a shell (and capturing its environment) may take: `timeouts.build`. */
  buildTimeoutMs?: number | undefined;
}

/** One step's commands under one time limit, and what its timeout says. */
interface BuildStep {
  exec: Exec;
  describe: StepDescription;
}

/** The paths listed under a `nix-store --realise --dry-run` heading such as "these 3 paths will be fetched". */
function countListed(stderr: string, heading: RegExp): number {
  let counting = false;
  let count = 0;
  for (const line of stderr.split("\n")) {
    if (/^\S/.test(line)) counting = heading.test(line);
    else if (counting && line.trim().startsWith("/")) count++;
  }
  return count;
}

export function createNix({
  path,
  settings,
  inheritedNixConfig,
  exec = execHere,
  buildTimeoutMs,
}: NixOptions): Nix {
  const env = settings ? nixEnvironment(settings, inheritedNixConfig) : {};
  const selection = settings ? nixpkgsArgs(settings.nixpkgs) : [];
  const bash = settings?.bash ?? findOnPath("bash", path) ?? "/bin/bash";

  /** The commands of one build step, sharing one `timeouts.build` budget. */
  const buildStep = (what: string, fix: string): BuildStep | undefined =>
    buildTimeoutMs === undefined
      ? undefined
      : {
          exec: execWithin(exec, buildTimeoutMs),
          describe: { what, key: TIMEOUT_KEYS.build, limitMs: buildTimeoutMs, fix },
        };

  /** Runs one Nix command; a failure carries Nix's whole message and the fix when the case is known. */
  async function run(
    step: string,
    command: string,
    args: string[],
    options: { cwd?: string; pinDir?: string; limit?: BuildStep | undefined } = {},
  ) {
    const result = await (options.limit?.exec ?? exec)(command, args, {
      env: { ...env, NIX_BUILD_SHELL: bash },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    if (result.exitCode === 0) return result;
    if (options.limit && timedOut(result)) throw stepTimedOut(options.limit.describe);
    const message = wholeNixError(result.stderr);
    const fix = nixFix(message, {
      nixpkgs: settings ? describeChoice(settings.nixpkgs) : "the default",
      fetchCommand: pinFetchCommand(settings, options.pinDir),
    });
    throw new HmsError("NIX_FAILED", `${step} failed: ${message}${fix ? `\nfix: ${fix}` : ""}`);
  }

  return {
    available: () => findOnPath("nix-instantiate", path) !== undefined,

    async prepareShell(target) {
      const limit = buildStep(
        `build of the ${target.component} shell`,
        `see what it builds or fetches with nix-store --realise --dry-run on the shell's .drv; a binary cache that has those paths (nix.substituters) or \`hms-env warm\` ahead of time makes it quick`,
      );
      mkdirSync(target.gcRootDir, { recursive: true });
      const pinDir = join(target.nixFile, "..");
      const shellArgs = ["--argstr", "component", target.component, "--argstr", "envDir", target.envDir];
      const drvRoot = join(target.gcRootDir, "shell.drv");
      const instantiated = await run(
        "nix-instantiate of the shell",
        "nix-instantiate",
        [target.nixFile, ...shellArgs, ...selection, "--add-root", drvRoot, "--indirect"],
        { pinDir, limit },
      );
      const drv = instantiated.stdout.trim().split("\n").pop() ?? "";
      if (target.pinRoot !== undefined && settings) {
        await rootPinnedTree(settings, target.nixFile, target.pinRoot, env, exec, (args) =>
          run("rooting the pinned nixpkgs (nix-store --add-root)", "nix-store", args),
        );
      }

      const plan = await run(
        "planning the build (nix-store --realise --dry-run)",
        "nix-store",
        ["--realise", "--dry-run", drv],
        { limit },
      );
      const built = countListed(plan.stderr, /will be built/);
      const fetched = countListed(plan.stderr, /will be fetched/);
      const realised = await run(
        "building the shell (nix-store --realise)",
        "nix-store",
        ["--realise", drv, "--add-root", join(target.gcRootDir, "shell"), "--indirect", "--quiet"],
        { pinDir, limit },
      );
      // --add-root prints the root; the shell is where it points
      const shell = readlinkSync(realised.stdout.trim().split("\n").pop() ?? "");
      const closure = await run(
        "listing the shell's closure",
        "nix-store",
        ["--query", "--requisites", shell],
        { limit },
      );
      const size = closure.stdout.split("\n").filter((line) => line.startsWith("/")).length;
      return { drv, shell, counts: { present: Math.max(0, size - built - fetched), built, fetched } };
    },

    async checkStore() {
      const written = await run("writing to the Nix store", "nix-instantiate", [
        "--eval",
        "--read-write-mode",
        "--expr",
        'builtins.toFile "hms-env-store-check" "ok"',
      ]);
      return JSON.parse(written.stdout.trim()) as string;
    },

    async instantiateShells(nixFile, components) {
      const pinDir = join(nixFile, "..");
      const args = { file: nixFile, pinned: join(pinDir, PKGS_FILE), components: JSON.stringify(components) };
      await run(
        `nix-instantiate of the ${components.join(", ")} shell${components.length === 1 ? "" : "s"}`,
        "nix-instantiate",
        [
          "--expr",
          ALL_SHELLS,
          ...Object.entries(args).flatMap(([name, value]) => ["--argstr", name, value]),
          ...selection,
        ],
        { pinDir },
      );
    },

    describeNixpkgs: async (pinFolder) =>
      settings ? describeNixpkgs(settings, env, pinFolder, exec) : "the default of hms-env.nix",

    async captureShell(drv, workdir, file) {
      const partial = `${file}.partial`;
      try {
        await run(
          "capturing the shell's environment (nix-shell --pure)",
          "nix-shell",
          [drv, "--pure", "--run", `${captureCommand()} > ${shellQuote(partial)}`],
          {
            cwd: workdir,
            limit: buildStep(
              `capture of the shell's environment (nix-shell --pure ${drv})`,
              "check that the shell's shellHook finishes without a terminal (it runs with --run)",
            ),
          },
        );
        renameSync(partial, file);
      } finally {
        rmSync(partial, { force: true });
      }
    },
  };
}

/** The fetch command of the pin in use, for the "cannot download" fix. */
function pinFetchCommand(settings: NixConfig | undefined, pinDir: string | undefined): string | undefined {
  if (settings?.nixpkgs.kind !== "pinned" || pinDir === undefined) return undefined;
  try {
    return fetchCommand(readPin(join(pinDir, PIN_FILE)));
  } catch {
    return undefined;
  }
}
