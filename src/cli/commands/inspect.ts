import { momentOf } from "../../envs/lifecycle.js";
import { LIST_GRAMMAR } from "../../grammar/commands.js";
import type { Command } from "../command.js";
import { appFor } from "../environment.js";
import { describeEnvironment, environmentTable } from "../render.js";

export const listCommand: Command = {
  ...LIST_GRAMMAR,
  summary: "list the live environments (--all: also cleaned and failed ones)",
  usage: "Usage: hms-env list [--all] [--json] [--config FILE]",
  async run(args, io) {
    const app = appFor(args, io);
    const envs = await app.environments.list({ all: args.values.all === true });
    io.out(args.values.json ? JSON.stringify(envs, null, 2) : environmentTable(envs, momentOf(app.envs)));
    return 0;
  },
};

export const showCommand: Command = {
  name: "show",
  summary: "show one environment",
  maxPositionals: 1,
  usage:
    "Usage: hms-env show ID [--json] [--config FILE]\n\nID is the id, a unique prefix of it, or the folder name.",
  options: {},
  async run(args, io) {
    const [key] = args.positionals;
    if (key === undefined) {
      io.err(`${this.usage}\n\nhms-env: show takes one ID`);
      return 2;
    }
    const app = appFor(args, io);
    const env = await app.environments.find(key);
    io.out(args.values.json ? JSON.stringify(env, null, 2) : describeEnvironment(env, momentOf(app.envs)));
    return 0;
  },
};
