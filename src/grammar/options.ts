import type { ParsedArgs } from "./parse.js";

/** An option a command takes: how it is read, the rule it must meet, and the line `--help` gives it. */
export interface OptionEntry {
  type: "string" | "boolean";
  /** What `--help` says the option does. */
  help: string;
  /** Leaving it out is a usage error, `--NAME is required`. */
  required?: true;
}

export type OptionTable = Record<string, OptionEntry>;

/** How node:util parseArgs reads a table's options: by type only. */
export function parserOptions<T extends OptionTable>(table: T): { [K in keyof T]: { type: T[K]["type"] } } {
  return Object.fromEntries(Object.entries(table).map(([name, { type }]) => [name, { type }])) as {
    [K in keyof T]: { type: T[K]["type"] };
  };
}

/** The usage error for the first required option missing from `args`, if any. */
export function missingOption(table: OptionTable, args: ParsedArgs): string | undefined {
  const missing = Object.keys(table).find((name) => table[name]?.required && args.values[name] === undefined);
  return missing === undefined ? undefined : `--${missing} is required`;
}

/** `--help`'s list, one entry a line: the option (or positional), then what it does, in one column. */
export function helpList(entries: Record<string, string>): string {
  const width = Math.max(...Object.keys(entries).map((word) => word.length)) + 3;
  return Object.entries(entries)
    .map(([word, help]) => `  ${word.padEnd(width)}${help}`)
    .join("\n");
}

/** A table's options as `helpList` entries, in the table's order. */
export function optionHelp(table: OptionTable): Record<string, string> {
  return Object.fromEntries(Object.entries(table).map(([name, { help }]) => [`--${name}`, help]));
}
