import type { OptionSpec, ParsedArgs } from "../grammar/parse.js";
import type { CliIo } from "./io.js";

export { checkoutModeOption, type ParsedArgs, stringOption } from "../grammar/parse.js";

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  /** How many words may follow the command (ids, durations, text); more is a usage error. Default 0. */
  maxPositionals?: number;
  /**
   * Whether the command stops its git and Nix commands itself when it is stopped (serve: after the
   * pass under way had its grace). Any other command passes the stop signal on to them at once, as a
   * terminal's Ctrl-C would (src/envs/child-processes.ts).
   */
  endsChildrenItself?: boolean;
  /** Returns the exit code. Errors thrown are HmsErrors, reported by the runner. */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}
