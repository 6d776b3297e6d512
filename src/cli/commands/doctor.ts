import { type Check, runDoctor } from "../../envs/doctor.js";
import { describeError, isHmsError } from "../../errors.js";
import type { Command } from "../command.js";
import { environmentFor } from "../environment.js";

export const doctorCommand: Command = {
  name: "doctor",
  summary: "check git, nix, the config, the state file and the disk, each with its fix",
  usage:
    "Usage: hms-env doctor [--json] [--config FILE]\n\nExit code 0 when every check passes, 1 otherwise.",
  options: {},
  async run(args, io) {
    let checks: Check[];
    try {
      checks = await runDoctor(environmentFor(args, io), io.env.PATH, io.env.NIX_CONFIG);
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
