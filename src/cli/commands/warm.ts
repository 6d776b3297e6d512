import { ALL_COMPONENTS } from "../../config/defaults.js";
import { describeCounts } from "../../envs/nix.js";
import { warm } from "../../envs/warm.js";
import { type Command, stringOption } from "../command.js";
import { appFor } from "../environment.js";

export const warmCommand: Command = {
  name: "warm",
  summary: "build the Nix shells ahead of time, so that provisioning finds everything in the store",
  usage: `Usage: hms-env warm [--component <hms-sme|hms-esr|hms-dev|hms-sys|all>] [--json] [--config FILE]

Builds the shell of a component (default: all, which holds every component's tools) from the configured
hms-env.nix and nixpkgs, and keeps it with a GC root beside the state file (and the pinned nixpkgs
tree with another, gcroots/nixpkgs, so that provisioning works offline after a garbage collection). Run it nightly or after
bumping nix/nixpkgs.json: the next provisionings then build nothing but their own small shell.

  --component   the component whose shell to build (default: all)`,
  options: { component: { type: "string" } },
  async run(args, io) {
    const result = await warm(appFor(args, io).envs, stringOption(args, "component") ?? ALL_COMPONENTS);
    if (args.values.json) {
      io.out(JSON.stringify(result, null, 2));
      return 0;
    }
    io.out(
      `${result.component} shell warm in ${result.ms} ms: ${describeCounts(result.counts)}\n  ${result.shell}\n  kept by ${result.root}${result.pinRoot ? `\n  the pinned nixpkgs kept by ${result.pinRoot}` : ""}`,
    );
    return 0;
  },
};
