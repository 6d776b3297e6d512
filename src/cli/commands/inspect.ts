import { findEnvironment, listEnvironments } from "../../envs/lifecycle.js";
import type { Command } from "../command.js";
import { environmentFor } from "../environment.js";
import { describeEnvironment, environmentTable } from "../render.js";

export const listCommand: Command = {
  name: "list",
  summary: "list the live environments (--all: also cleaned and failed ones)",
  usage: "Usage: hms-env list [--all] [--json] [--config FILE]",
  options: { all: { type: "boolean" } },
  async run(args, io) {
    const context = environmentFor(args, io);
    const envs = await listEnvironments(context, { all: args.values.all === true });
    io.out(args.values.json ? JSON.stringify(envs, null, 2) : environmentTable(envs, context.clock.now()));
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
    const context = environmentFor(args, io);
    const env = await findEnvironment(context, key);
    io.out(args.values.json ? JSON.stringify(env, null, 2) : describeEnvironment(env, context.clock.now()));
    return 0;
  },
};
