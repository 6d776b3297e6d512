/**
 * The doctor's checks that Nix can really make an environment: the store can be written (evaluating
 * alone never opens it, so a missing nix-daemon passes every other check), and each configured
 * component's shell instantiates against the configured nixpkgs (a missing attribute, or a component
 * of the configuration that hms-env.nix does not define, fails here and not at the end of a provision).
 * Instantiating builds nothing, so this stays quick.
 */

import type { NixConfig } from "../config/load.js";
import { describeError } from "../errors.js";
import type { Check } from "./doctor.js";
import type { Nix } from "./nix.js";
import { describeChoice } from "./nixpkgs.js";

/** Nix's message for the check's detail, and the `fix:` line NIX_FAILED carries, split apart. */
function failure(name: string, error: unknown, fallbackFix: string): Check {
  const [detail = "", fix] = describeError(error).split("\nfix: ");
  return { name, ok: false, detail, fix: fix ?? fallbackFix };
}

export async function checkStore(nix: Nix): Promise<Check> {
  try {
    const written = await nix.checkStore();
    return { name: "nix store", ok: true, detail: `reachable and writable (wrote ${written})` };
  } catch (error) {
    return failure("nix store", error, "check that this user may write the Nix store, or use the nix-daemon");
  }
}

/**
 * Every configured component's shell and `all`, in one evaluation; when that fails, each on its own
 * (side by side) to say which. One line when they all instantiate.
 */
export async function checkShells(
  nix: Nix,
  settings: NixConfig,
  components: readonly string[],
): Promise<Check[]> {
  const ids = [...components, "all"];
  try {
    await nix.instantiateShells(settings.file, ids);
  } catch (together) {
    const alone = await Promise.all(
      ids.map((id) =>
        nix.instantiateShells(settings.file, [id]).then(
          () => undefined,
          (error: unknown) => failure("shell", error, showsItToo(settings, id)),
        ),
      ),
    );
    const failed = alone.filter((result): result is Check => result !== undefined);
    return failed.length > 0 ? failed : [failure("shells", together, showsItToo(settings, ids.join(" ")))];
  }
  return [
    {
      name: "shells",
      ok: true,
      detail: `${ids.join(", ")} instantiate from ${settings.file} against nixpkgs (${describeChoice(settings.nixpkgs)}); nothing was built`,
    },
  ];
}

const showsItToo = (settings: NixConfig, id: string) =>
  `\`nix-instantiate ${settings.file} --argstr component ${id}\` shows it too`;
