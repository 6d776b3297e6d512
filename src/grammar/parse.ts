import { type ParseArgsConfig, parseArgs } from "node:util";
import type { CheckoutMode } from "../envs/sparse.js";
import { HmsError } from "../errors.js";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** Accepted by every subcommand, before or after it. */
export const GLOBAL_OPTIONS = {
  config: { type: "string" },
  json: { type: "boolean" },
  /** Prints the causes under an error (the errno, git's or the lock's own message). */
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionSpec;

/** The subcommand is the first word that is neither an option nor the value of --config. */
export function findSubcommand(argv: readonly string[]): { name: string | undefined; rest: string[] } {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--config") {
      index++;
      continue;
    }
    if (arg === "--") break;
    if (!arg.startsWith("-")) return { name: arg, rest: [...argv.slice(0, index), ...argv.slice(index + 1)] };
  }
  return { name: undefined, rest: [...argv] };
}

export function parseCommandArgs<T extends OptionSpec>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new HmsError("USAGE", `${(error as Error).message}\n\n${usage}`, { cause: error });
  }
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
