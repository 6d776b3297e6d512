import { PROVISION_GRAMMAR, PROVISION_OPTIONS, provisionRequestFrom } from "../../grammar/commands.js";
import { helpList, missingOption, optionHelp } from "../../grammar/options.js";
import { type Command, stringOption } from "../command.js";
import { appFor, currentUser } from "../environment.js";
import { launchInstructions, progressLine } from "../render.js";

export const provisionCommand: Command = {
  ...PROVISION_GRAMMAR,
  summary: "make an environment for a component at a branch or PR",
  usage: `Usage: hms-env provision --component <hms-sme|hms-esr|hms-dev|hms-sys|all> (--branch NAME | --pr N)
                         [--sparse | --full] [--timeout 8h] [--owner ID] [--json] [--config FILE]

${helpList({
  ...optionHelp(PROVISION_OPTIONS),
  "--json": "print the environment's record as JSON instead of progress and instructions",
})}`,
  async run(args, io) {
    const missing = missingOption(PROVISION_OPTIONS, args);
    if (missing !== undefined) {
      io.err(`${this.usage}\n\nhms-env: ${missing}`);
      return 2;
    }
    const component = stringOption(args, "component") as string;
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
