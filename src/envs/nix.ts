import { accessSync, constants, mkdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { execa } from "execa";
import { HmsError } from "../errors.js";

export interface NixShellTarget {
  /** The environment's own copy of hms-env.nix. */
  nixFile: string;
  component: string;
  envDir: string;
  /** Where the GC roots go: inside the environment, so they disappear with it. */
  gcRootDir: string;
  nixPath: string | undefined;
}

export interface Nix {
  /** Whether nix-instantiate is on PATH; without it an environment is still made, launch.sh explains. */
  available(): boolean;
  /**
   * Evaluates the component's shell, keeps it from garbage collection with an indirect GC root, and
   * builds its inputs ahead of time so ./launch.sh starts at once. Returns the shell's .drv.
   */
  prepareShell(target: NixShellTarget): Promise<string>;
}

/** What every "Nix is missing" message tells people to do. */
export const INSTALL_NIX =
  "install Nix: sudo apt-get install nix-bin (Debian/Ubuntu) or curl -L https://nixos.org/nix/install | sh";

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

/** Nix prints the source excerpt around an error; the `error:` line itself is what people need. */
function nixFailure(step: string, stderr: string, cause?: unknown): HmsError {
  const lines = stderr.trim().split("\n");
  const message =
    lines.find((line) => line.trimStart().startsWith("error:"))?.trim() ?? lines.at(-1) ?? "no output";
  const hint = /not found in the Nix search path/.test(stderr)
    ? " (add a nixpkgs channel or set nix.nixPath in hms.config.yaml; `hms-env doctor` checks it)"
    : "";
  return new HmsError("NIX_FAILED", `${step} failed: ${message}${hint}`, { cause });
}

export function createNix({ path }: { path: string | undefined }): Nix {
  return {
    available: () => findOnPath("nix-instantiate", path) !== undefined,

    async prepareShell(target) {
      mkdirSync(target.gcRootDir, { recursive: true });
      const env = target.nixPath === undefined ? {} : { NIX_PATH: target.nixPath };
      const shellArgs = ["--argstr", "component", target.component, "--argstr", "envDir", target.envDir];
      const instantiate = await execa(
        "nix-instantiate",
        [target.nixFile, ...shellArgs, "--add-root", join(target.gcRootDir, "shell.drv"), "--indirect"],
        { env, reject: false, stdin: "ignore" },
      );
      if (instantiate.exitCode !== 0) throw nixFailure("nix-instantiate of the shell", instantiate.stderr);
      const drv = instantiate.stdout.trim().split("\n").pop() ?? "";

      // nix-shell builds the shell's input derivations on entry; doing it now moves that wait out of
      // the developer's first launch, and the roots keep the results alive as long as the environment.
      const inputs = await execa("nix-store", ["--query", "--references", drv], { env, reject: false });
      if (inputs.exitCode !== 0) throw nixFailure("nix-store --query of the shell's inputs", inputs.stderr);
      const inputDrvs = inputs.stdout.split("\n").filter((line) => line.endsWith(".drv"));
      if (inputDrvs.length > 0) {
        const realise = await execa(
          "nix-store",
          ["--realise", ...inputDrvs, "--add-root", join(target.gcRootDir, "input"), "--indirect", "--quiet"],
          { env, reject: false, stdin: "ignore" },
        );
        if (realise.exitCode !== 0) throw nixFailure("building the shell's inputs", realise.stderr);
      }
      return drv;
    },
  };
}
