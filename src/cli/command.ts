import type { CheckoutMode } from "../envs/sparse.js";
import { HmsError } from "../errors.js";
import type { OptionSpec } from "./args.js";
import type { CliIo } from "./io.js";

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

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

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}

/** `--sparse` / `--full` (one at most); undefined leaves it to `checkout.mode`. */
export function checkoutModeOption(args: ParsedArgs): CheckoutMode | undefined {
  if (args.values.sparse === true && args.values.full === true) {
    throw new HmsError("USAGE", "give either --sparse or --full, not both");
  }
  if (args.values.sparse === true) return "sparse";
  return args.values.full === true ? "full" : undefined;
}
