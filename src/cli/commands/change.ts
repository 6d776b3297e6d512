import { resolve } from "node:path";
import { formatDuration } from "../../config/duration.js";
import { environmentInFolder } from "../../envs/env-dir.js";
import { momentOf } from "../../envs/lifecycle.js";
import { CLEANUP_GRAMMAR, EXTEND_GRAMMAR } from "../../grammar/commands.js";
import { type Command, stringOption } from "../command.js";
import { appFor, currentUser } from "../environment.js";
import { describeEnvironment } from "../render.js";

export const extendCommand: Command = {
  ...EXTEND_GRAMMAR,
  summary: "push an environment's cleanup deadline back",
  usage: `Usage: hms-env extend ID DURATION [--json] [--config FILE]

The new deadline counts from the later of now and the current deadline, and is capped at
limits.maxTimeout from now. DURATION: 30m, 8h, 2d ...`,
  async run(args, io) {
    const [key, duration] = args.positionals;
    if (key === undefined || duration === undefined) {
      io.err(`${this.usage}\n\nhms-env: extend takes an ID and a DURATION`);
      return 2;
    }
    const app = appFor(args, io);
    const env = await app.environments.extend(key, duration, currentUser(io));
    const cap = env.capped
      ? ` (capped at limits.maxTimeout (${formatDuration(app.config.timeouts.maxMs)}) from now; ${duration} would have gone past it)`
      : "";
    io.out(
      args.values.json ? JSON.stringify(env, null, 2) : `${env.id} now expires at ${env.expiresAt}${cap}`,
    );
    return 0;
  },
};

export const cleanupCommand: Command = {
  ...CLEANUP_GRAMMAR,
  summary: "remove an environment now",
  usage: `Usage: hms-env cleanup ID [--json] [--config FILE]
       hms-env cleanup --env-dir DIR [--config FILE]   (what an environment's ./cleanup.sh runs)

With --env-dir, the configured state file must hold the environment that DIR/.hms-env/env.json
names, made in DIR; anything else is refused and nothing is removed.`,
  async run(args, io) {
    const envDir = stringOption(args, "env-dir");
    const [key] = args.positionals;
    if ((envDir === undefined) === (key === undefined)) {
      io.err(`${this.usage}\n\nhms-env: cleanup takes one ID or --env-dir DIR`);
      return 2;
    }
    // The configuration decides the state file and env root; the folder's env.json only names its id.
    const app = appFor(args, io);
    const id =
      envDir === undefined
        ? (key as string)
        : (await environmentInFolder(app.envs, resolve(io.cwd, envDir))).id;
    const env = await app.environments.cleanup(id, "manual", currentUser(io));
    io.out(args.values.json ? JSON.stringify(env, null, 2) : describeEnvironment(env, momentOf(app.envs)));
    return 0;
  },
};
