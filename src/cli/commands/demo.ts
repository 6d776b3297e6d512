import { existsSync } from "node:fs";
import { join } from "node:path";
import { prepareDemo, runCleanupScript, runInEnvironment } from "../../envs/demo.js";
import { shellQuote, shellWord } from "../../envs/shell-quote.js";
import type { Command } from "../command.js";
import { appFor, currentUser } from "../environment.js";
import { launchInstructions, progressLine } from "../render.js";

const SHOW_VARIABLES =
  'echo "HMS_COMPONENT=$HMS_COMPONENT"; echo "HMS_DEV_ROOT=$HMS_DEV_ROOT"; echo "HMS_ROOT_CAUSE_DB=$HMS_ROOT_CAUSE_DB"; echo "NODE_ENV=$NODE_ENV"; command -v node tsc cargo';

const SEED_COMMAND =
  "./SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh --component hms-sme --branch feature/new-feature";

export const demoCommand: Command = {
  name: "demo",
  summary: "try it: provision from a sample HMS monorepo, launch the shell, clean up",
  usage: `Usage: hms-env demo [--keep]

Makes a sample HMS monorepo (the four components under SYSTEM-COMPONENTS/, a feature branch and
PR #123) in a temporary folder, provisions an hms-dev environment from it, shows the launch
instructions, runs ./launch.sh --run when Nix is installed, and cleans up with ./cleanup.sh.
The shell uses the small offline stand-in for nixpkgs shipped for the tests, so the demo takes
seconds and downloads nothing; --channel uses your nixpkgs channel instead (real toolchains).

  --keep      leave the temporary folder (and the environment) for a look around
  --channel   use your nixpkgs channel instead of the offline stand-in`,
  options: { keep: { type: "boolean" }, channel: { type: "boolean" } },
  async run(args, io) {
    const workspace = await prepareDemo({ useChannel: args.values.channel === true });
    io.err(`hms-env demo: sample monorepo and hms.config.yaml in ${workspace.dir}`);
    try {
      const app = appFor({ values: { config: workspace.configFile }, positionals: [] }, io);
      io.err("provisioning hms-dev at feature/new-feature:");
      const env = await app.environments.provision(
        { component: "hms-dev", branch: "feature/new-feature", timeout: "1h", owner: currentUser(io) },
        { progress: (event) => io.err(progressLine(event)) },
      );
      io.out(`\n${launchInstructions(env, app.clock.now())}\n`);

      if (workspace.nixpkgs === "no nix") {
        io.out("Nix is not installed, so the shell is not started; ./launch.sh would say how to install it.");
      } else {
        io.out(
          `$ ./launch.sh --run '...'   (nixpkgs: ${workspace.nixpkgs === "channel" ? "your channel" : "offline stand-in"})`,
        );
        const launched = await runInEnvironment(env, SHOW_VARIABLES);
        io.out(launched.all ?? "");
        if (launched.exitCode !== 0) io.err(`launch.sh exited with ${launched.exitCode}`);
      }
      if (args.values.keep) {
        io.out(
          `\nKept: ${workspace.dir} (run ${shellWord(join(env.path, "cleanup.sh"))}, then rm -rf ${shellWord(workspace.dir)})`,
        );
        io.out(
          `The seed's command works in the sample monorepo:\n  cd ${shellQuote(workspace.repo)} && HMS_CONFIG=${shellQuote(workspace.configFile)} ${SEED_COMMAND}`,
        );
        return 0;
      }
      io.out("\n$ ./cleanup.sh");
      const cleaned = await runCleanupScript(env);
      io.out(
        `${cleaned.exitCode === 0 ? "cleaned" : `cleanup.sh exited with ${cleaned.exitCode}`}: ${env.path} ${existsSync(env.path) ? "still exists" : "is gone"}`,
      );
      return cleaned.exitCode === 0 ? 0 : 1;
    } finally {
      if (!args.values.keep) workspace.remove();
    }
  },
};
