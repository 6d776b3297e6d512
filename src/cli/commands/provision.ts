import { PROVISION_GRAMMAR, provisionRequestFrom } from "../../grammar/commands.js";
import { type Command, stringOption } from "../command.js";
import { appFor, currentUser } from "../environment.js";
import { launchInstructions, progressLine } from "../render.js";

export const provisionCommand: Command = {
  ...PROVISION_GRAMMAR,
  summary: "make an environment for a component at a branch or PR",
  usage: `Usage: hms-env provision --component <hms-sme|hms-esr|hms-dev|hms-sys|all> (--branch NAME | --pr N)
                         [--sparse | --full] [--timeout 8h] [--owner ID] [--json] [--config FILE]

  --component   the component whose Nix shell to use; "all" merges every component
  --branch      a branch of the repository, e.g. feature/new-feature
  --pr          a pull request number; its head (refs/pull/N/head) is checked out
  --sparse      check out only the component's folders, the top-level files and checkout.alwaysInclude
  --full        check out every file (default: checkout.mode, full)
  --timeout     when to clean it up automatically (default: defaults.timeout, 24h; 5m to limits.maxTimeout)
  --owner       who it belongs to (default: your login name)
  --json        print the environment's record as JSON instead of progress and instructions`,
  async run(args, io) {
    const component = stringOption(args, "component");
    if (component === undefined) {
      io.err(`${this.usage}\n\nhms-env: --component is required`);
      return 2;
    }
    const app = appFor(args, io);
    const json = args.values.json === true;
    const env = await app.environments.provision(
      { ...provisionRequestFrom(args, component), owner: stringOption(args, "owner") ?? currentUser(io) },
      {
        progress: (event) => {
          if (!json) io.err(progressLine(event));
        },
        ...(io.interrupt && { signal: io.interrupt }),
      },
    );
    io.out(json ? JSON.stringify(env, null, 2) : launchInstructions(env, app.clock.now()));
    return 0;
  },
};
