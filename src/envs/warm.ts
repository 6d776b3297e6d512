import { rmSync } from "node:fs";
import { join } from "node:path";
import { ALL_COMPONENTS } from "../config/defaults.js";
import { HmsError } from "../errors.js";
import type { EnvContext } from "./context.js";
import type { RealiseCounts } from "./nix.js";
import { gcRootsDir, pinRootPath } from "./pin-root.js";

export interface WarmResult {
  component: string;
  /** The GC root that keeps the warmed shell (and so its inputs) until the next warm replaces it. */
  root: string;
  /** The GC root on the pinned nixpkgs tree, when nix.nixpkgs is pinned. */
  pinRoot?: string;
  shell: string;
  counts: RealiseCounts;
  ms: number;
}

/** Where warmed shells are rooted: beside the state file, one folder per component. */
export function warmRootDir(context: EnvContext, component: string): string {
  return join(gcRootsDir(context.config.stateFile), `warm-${component}`);
}

/**
 * Builds a component's shell ahead of time (nightly, or after a pin bump), so that provisioning finds
 * every input in the store and only builds the environment's own small shell derivation. "all" builds
 * the shell of every component at once. Each run moves the root to the shell of the current
 * hms-env.nix and pin, so the previous one is freed by the next garbage collection.
 */
export async function warm(context: EnvContext, component: string): Promise<WarmResult> {
  const known = [...Object.keys(context.config.components), ALL_COMPONENTS];
  if (!known.includes(component)) {
    throw new HmsError("INVALID_INPUT", `unknown component "${component}" (components: ${known.join(", ")})`);
  }
  if (!context.nix.available()) {
    throw new HmsError(
      "NIX_FAILED",
      "nix-instantiate was not found: install Nix first (`hms-env doctor` says how)",
    );
  }
  const gcRootDir = warmRootDir(context, component);
  const pinRoot = pinRootPath(context.config.stateFile);
  const started = performance.now();
  const prepared = await context.nix.prepareShell({
    nixFile: context.config.nix.file,
    component,
    envDir: "",
    gcRootDir,
    pinRoot,
  });
  rmSync(join(gcRootDir, "shell.drv"), { force: true });
  return {
    component,
    root: join(gcRootDir, "shell"),
    ...(context.config.nix.nixpkgs.kind === "pinned" ? { pinRoot } : {}),
    shell: prepared.shell,
    counts: prepared.counts,
    ms: Math.round(performance.now() - started),
  };
}
