import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../clock.js";
import type { Config } from "../config/load.js";
import { describeError, HmsError, isHmsError } from "../errors.js";
import type { EnvRecord } from "../store/schema.js";
import { cleanupTarget } from "./cleanup-target.js";
import { COMPONENT_ROOTS_FILE, checkComponentFolders, componentRoots } from "./component-folders.js";
import { CHECKOUT_DIR, META_DIR, type ProgressListener } from "./context.js";
import { makeEnvRoot } from "./env-root-folder.js";
import type { Git } from "./git.js";
import { throwIfInterrupted } from "./interrupt.js";
import { writeMetadata } from "./metadata.js";
import { describeCounts, type Nix } from "./nix.js";
import { nixConfigLines, nixpkgsArgs, PIN_FILE, PKGS_FILE, pinDir } from "./nixpkgs.js";
import { removeOrphans, scanOrphans } from "./orphans.js";
import { pinRootPath } from "./pin-root.js";
import type { ProvisionPlan } from "./plan.js";
import type { Runner } from "./ports.js";
import { chooseRepository } from "./repository.js";
import { isInside, removeInsideRoot } from "./safe-remove.js";
import { cleanupScript, envrc, launchScript, type ScriptContext } from "./scripts.js";
import { SHELL_ENV_FILE, SHELL_RC_FILE, shellRc } from "./shell-env.js";
import { describeCheckout, sparseFoldersOf } from "./sparse.js";
import { timedStep } from "./step-progress.js";

/** Each environment pins its commit with a ref of its own in the mirror, dropped at teardown. */
export function envRef(id: string): string {
  return `refs/hms-env/${id}`;
}

export interface LocalRunnerOptions {
  config: Config;
  git: Git;
  nix: Nix;
  /** Absolute node and CLI entry that cleanup.sh calls back into. */
  runtime: { nodeBinary: string; cliEntry: string };
  /** Times the "still running" lines of long steps. */
  clock: Clock;
}

/**
 * The folder's name, adding _2, _3 ... when another environment took the same second and name. Chosen
 * under the state lock, against the records and the disk; the folder itself is made only once the
 * record naming it is written, so a failed write never leaves a folder that no record owns.
 */
function chooseDirectory(envRoot: string, name: string, taken: ReadonlySet<string>): string {
  for (let attempt = 1; attempt <= 99; attempt++) {
    const dir = join(envRoot, attempt === 1 ? name : `${name}_${attempt}`);
    if (!taken.has(dir) && !existsSync(dir)) return dir;
  }
  throw new HmsError("PROVISION_FAILED", `99 folders named ${name} exist already in ${envRoot}`);
}

/** The Nix files an environment keeps its own copies of: the shell and the nixpkgs pin. */
const NIX_FILES = ["hms-env.nix", PKGS_FILE, PIN_FILE];

/**
 * Environments on this machine: a detached worktree of a shared bare mirror per repository, the
 * component's Nix shell evaluated ahead of time with its GC roots inside the folder, and the scripts
 * that enter and remove it.
 */
export function createLocalRunner({ config, git, nix, runtime, clock }: LocalRunnerOptions): Runner {
  /** How each repository was chosen (`check`), shown once on the mirror line (`fetch`). */
  const repositoryNotes = new Map<string, string>();
  const timed = <T>(progress: ProgressListener, name: string, detail: string, task: () => Promise<T>) =>
    timedStep(clock, progress, { name, detail }, task);

  const writeFiles = (record: EnvRecord, plan: ProvisionPlan) => {
    const dir = record.path;
    const scripts: ScriptContext = {
      id: record.id,
      component: record.component,
      source: plan.shownAs,
      commit: record.commit ?? "",
      checkoutName: CHECKOUT_DIR,
      bash: config.nix.bash,
      nixPath: config.nix.nixPath,
      nixpkgsArgs: nixpkgsArgs(config.nix.nixpkgs),
      nixConfig: nixConfigLines(config.nix),
      nodeBinary: runtime.nodeBinary,
      cliEntry: runtime.cliEntry,
      mirror: record.mirror,
      cleanup: cleanupTarget(record.path, config),
    };
    mkdirSync(join(dir, "data"), { recursive: true });
    mkdirSync(join(dir, META_DIR), { recursive: true });
    // Copies, not links: changing nix/ (or bumping the pin) or the database later must not change an
    // environment already made.
    copyFileSync(config.nix.file, join(dir, "hms-env.nix"));
    const pins = pinDir(config.nix.file);
    for (const file of [PKGS_FILE, PIN_FILE]) copyFileSync(join(pins, file), join(dir, file));
    writeFileSync(join(dir, SHELL_RC_FILE), shellRc());
    copyFileSync(config.rootCauseDb, join(dir, "data", "root_cause.json"));
    writeFileSync(join(dir, "launch.sh"), launchScript(scripts));
    writeFileSync(join(dir, "cleanup.sh"), cleanupScript(scripts));
    chmodSync(join(dir, "launch.sh"), 0o755);
    chmodSync(join(dir, "cleanup.sh"), 0o755);
    writeFileSync(join(dir, ".envrc"), envrc(scripts));
    writeFileSync(join(dir, COMPONENT_ROOTS_FILE), JSON.stringify(componentRoots(config.components)));
    writeMetadata(record, config);
  };

  /**
   * Builds the shell with its one GC root and notes which nixpkgs it came from. Undefined when Nix is
   * not installed: the environment is still made, and launch.sh says how to get Nix.
   */
  const prepareNix = async (record: EnvRecord, progress: ProgressListener) => {
    if (!nix.available()) {
      progress({
        step: "nix",
        detail: "skipped: nix-instantiate is not installed (launch.sh says how to get it)",
      });
      return undefined;
    }
    record.nixpkgs = await nix.describeNixpkgs(record.path);
    const nixpkgs = record.nixpkgs;
    return timedStep(
      clock,
      progress,
      {
        name: "nix",
        detail: `building the ${record.component} shell`,
        done: (prepared) =>
          `${record.component} shell built, one GC root (${describeCounts(prepared.counts)}; nixpkgs ${nixpkgs})`,
      },
      () =>
        nix.prepareShell({
          nixFile: join(record.path, "hms-env.nix"),
          component: record.component,
          envDir: record.path,
          gcRootDir: join(record.path, META_DIR, "gcroots"),
          pinRoot: pinRootPath(config.stateFile),
        }),
    );
  };

  return {
    async check(plan) {
      if (plan.source.kind === "branch") await git.checkBranchName(plan.source.branch);
      const chosen = await chooseRepository(config, git);
      if (chosen === undefined) {
        throw new HmsError(
          "USAGE",
          `no repository: ${config.cwd} is not inside a git checkout and the config sets no "repo"`,
        );
      }
      repositoryNotes.set(chosen.repo, chosen.note);
      return { repo: chosen.repo };
    },

    async fetch(record, plan, progress) {
      const shown = `${record.repo}${repositoryNotes.get(record.repo) ?? ""}`;
      makeEnvRoot(config.envRoot);
      record.mirror = await timed(progress, "mirror", shown, () =>
        git.ensureMirror(record.repo, config.cacheDir, { partialClone: config.mirror.partialClone }),
      );
      record.commit = await timed(progress, "fetch", plan.shownAs, () =>
        git.fetchRef(record.mirror, plan.sourceRef, envRef(record.id), plan.shownAs),
      );
      await checkComponentFolders(git, config, plan, record.mirror, record.commit);
    },

    place(plan, taken) {
      const path = chooseDirectory(config.envRoot, plan.dirName, taken);
      return { path, workdir: join(path, CHECKOUT_DIR) };
    },

    /**
     * Makes the folder (someone may have made one of that name by hand meanwhile: then it fails, and
     * that folder is left alone) and marks it at once: `gc --orphans` removes only folders that carry
     * hms-env's mark. A folder that cannot be marked (a full disk) is this environment's own, just made:
     * it goes.
     */
    async reserve(record) {
      makeEnvRoot(config.envRoot);
      mkdirSync(record.path);
      try {
        writeMetadata(record, config);
      } catch (error) {
        rmSync(record.path, { recursive: true, force: true });
        throw error;
      }
    },

    mark: (record) => writeMetadata(record, config),

    exists: (env) => existsSync(env.path),

    widen: (env, folders) => git.widenWorktree(env.mirror, env.workdir, env.commit ?? "", folders),

    strays: (live, now) => scanOrphans(config, live, now),

    async removeStrays(orphans, known) {
      const removal = removeOrphans(config.envRoot, orphans);
      // Orphans may have been worktrees: let every mirror forget the ones whose folder is gone.
      for (const mirror of new Set(known.map((env) => env.mirror).filter((m) => m !== ""))) {
        await git.pruneWorktrees(mirror).catch((error: unknown) => {
          removal.failures.push({ id: mirror, error: `git worktree prune failed: ${describeError(error)}` });
        });
      }
      return removal;
    },

    async prepare(record, plan, progress, signal) {
      const commit = record.commit ?? "";
      // The checkout and the Nix build need nothing from each other, so they run side by side.
      const results = await Promise.allSettled([
        (async () => {
          await timed(progress, "worktree", `${commit.slice(0, 12)}${describeCheckout(record)}`, () =>
            git.addWorktree(record.mirror, record.workdir, commit, sparseFoldersOf(record)),
          );
          const started = performance.now();
          const count = await git.initSubmodules(record.mirror, record.workdir, sparseFoldersOf(record));
          if (count > 0) {
            const detail = `${count} initialised (git submodule update --init --recursive)`;
            progress({ step: "submodules", detail, ms: Math.round(performance.now() - started) });
          }
        })(),
        (async () => {
          await timed(
            progress,
            "files",
            `launch.sh, cleanup.sh, .envrc, ${NIX_FILES.join(", ")}, data/root_cause.json`,
            async () => writeFiles(record, plan),
          );
          return prepareNix(record, progress);
        })(),
      ]);
      const failed = results.find((result) => result.status === "rejected");
      if (failed) throw failed.reason;
      throwIfInterrupted(signal);
      const prepared = results[1].status === "fulfilled" ? results[1].value : undefined;
      if (prepared) {
        // The cache needs the checkout: the shell's $PWD-based variables point into it.
        await timed(progress, "shell-env", `${SHELL_ENV_FILE} (./launch.sh enters without evaluating)`, () =>
          nix.captureShell(prepared.drv, record.workdir, join(record.path, SHELL_ENV_FILE)),
        );
        rmSync(join(record.path, META_DIR, "gcroots", "shell.drv"), { force: true });
        record.shell = prepared.shell;
      }
    },

    enter: (env) => ({ cwd: env.path, command: [join(env.path, "launch.sh")] }),

    /**
     * The worktree through git (so the mirror keeps no stale entry), the ref, and the folder with the
     * GC roots inside. The folder is checked against the env root before anything is touched: a refused
     * environment keeps its checkout too. What is already gone is skipped, so a teardown that stopped
     * half-way is simply run again.
     *
     * That is what a full disk needs: the mirror's steps need the mirror's lock, a file that cannot be
     * written on a full disk, while removing the folder needs no new file and frees the space. So when
     * the mirror cannot be locked, the folder still goes, and the teardown then fails saying what is
     * left for the next try.
     */
    async tearDown(env) {
      const { envRoot } = config;
      if (env.path !== "" && existsSync(env.path) && !isInside(envRoot, env.path)) {
        throw new HmsError(
          "UNSAFE_PATH",
          `refusing to delete ${env.path}: it is not inside the env root ${envRoot}`,
        );
      }
      let unlockable: HmsError | undefined;
      if (env.mirror !== "") {
        try {
          if (env.workdir !== "") await git.removeWorktree(env.mirror, env.workdir);
          await git.deleteRef(env.mirror, envRef(env.id));
        } catch (error) {
          // Only a lock that cannot be made (full disk, quota, read-only): git's own failures stop here.
          if (!isHmsError(error, "STATE_UNWRITABLE")) throw error;
          unlockable = error;
        }
      }
      if (env.path !== "") removeInsideRoot(envRoot, env.path);
      if (unlockable !== undefined) {
        throw new HmsError(
          "CLEANUP_FAILED",
          `removed the folder ${env.path} (its disk space is free again), but the mirror's part waits: ${unlockable.message}. Its worktree entry and ${envRef(env.id)} stay in ${env.mirror} until the next try (hms-env gc, cleanup ${env.id}, or serve's next pass) can lock it`,
          { cause: unlockable },
        );
      }
    },
  };
}
