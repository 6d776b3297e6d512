import { widenEnvironment } from "../../envs/widen.js";
import type { Command } from "../command.js";
import { currentUser, environmentFor } from "../environment.js";
import { describeEnvironment } from "../render.js";

export const widenCommand: Command = {
  name: "widen",
  summary: "add folders to a sparse environment's checkout",
  maxPositionals: 101,
  usage: `Usage: hms-env widen ID PATH... [--json] [--config FILE]

Adds each PATH (a folder of the repository, relative to its root, e.g. SYSTEM-COMPONENTS/HMS-ESR)
to the sparse checkout of environment ID (git sparse-checkout add). At most 100 folders at once.`,
  options: {},
  async run(args, io) {
    const [key, ...paths] = args.positionals;
    if (key === undefined || paths.length === 0) {
      io.err(`${this.usage}\n\nhms-env: widen takes an ID and at least one PATH`);
      return 2;
    }
    const context = environmentFor(args, io);
    const env = await widenEnvironment(context, key, paths, currentUser(io));
    io.out(args.values.json ? JSON.stringify(env, null, 2) : describeEnvironment(env, context.clock.now()));
    return 0;
  },
};
