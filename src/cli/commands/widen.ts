import { momentOf } from "../../envs/lifecycle.js";
import { widenEnvironment } from "../../envs/widen.js";
import type { Command } from "../command.js";
import { appFor, currentUser } from "../environment.js";
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
    const app = appFor(args, io);
    const env = await widenEnvironment(app.envs, key, paths, currentUser(io));
    io.out(args.values.json ? JSON.stringify(env, null, 2) : describeEnvironment(env, momentOf(app.envs)));
    return 0;
  },
};
