import type { EnvContext } from "../../envs/context.js";
import { type Check, runDoctor } from "../../envs/doctor.js";
import { describeError, isHmsError } from "../../errors.js";
import { restoreStateBackup } from "../../store/restore.js";
import type { Command } from "../command.js";
import { appFor } from "../environment.js";
import type { CliIo } from "../io.js";

async function restoreState(context: EnvContext, io: CliIo): Promise<void> {
  const restored = await restoreStateBackup(context.config.stateFile, {
    now: () => context.clock.now(),
    holder: context.self,
  });
  const aside = restored.keptAside ? `; the damaged file is kept as ${restored.keptAside}` : "";
  io.err(`restored ${restored.file} from ${restored.backup} (${restored.environments} environments)${aside}`);
}

export const doctorCommand: Command = {
  name: "doctor",
  summary: "check git, nix, the config, the state file and the disk, each with its fix",
  usage:
    "Usage: hms-env doctor [--json] [--restore-state] [--config FILE]\n\n--restore-state puts the state file's backup (<stateFile>.bak) back when the state file is corrupt\nor has vanished; the backup is checked first and a damaged file is kept aside.\nExit code 0 when every check passes, 1 otherwise.",
  options: { "restore-state": { type: "boolean" } },
  async run(args, io) {
    // Restoring needs a loadable config, and its failure is the answer: it is not folded into the checks.
    if (args.values["restore-state"] === true) await restoreState(appFor(args, io).envs, io);
    let checks: Check[];
    try {
      checks = await runDoctor(appFor(args, io).envs, io.env.PATH, io.env.NIX_CONFIG);
    } catch (error) {
      // A config that does not load is itself the finding.
      if (!isHmsError(error)) throw error;
      checks = [
        { name: "config", ok: false, detail: describeError(error), fix: "correct the file named above" },
      ];
    }
    if (args.values.json) io.out(JSON.stringify(checks, null, 2));
    else {
      // Details may be Nix's whole message over several lines: they stay under their check.
      const indent = " ".repeat(19);
      for (const check of checks) {
        const detail = check.detail.split("\n").join(`\n${indent}`);
        io.out(`${check.ok ? "pass" : "FAIL"}  ${check.name.padEnd(11)}  ${detail}`);
        if (!check.ok && check.fix) io.out(`${indent}fix: ${check.fix}`);
      }
    }
    return checks.every((check) => check.ok) ? 0 : 1;
  },
};
