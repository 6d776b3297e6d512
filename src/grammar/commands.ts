import type { ProvisionRequest } from "../envs/plan.js";
import { type OptionTable, parserOptions } from "./options.js";
import { checkoutModeOption, type OptionSpec, type ParsedArgs, stringOption } from "./parse.js";

/**
 * The words of a command that both the command line (`hms-env provision ...`) and Slack
 * (`/hms-env provision ...`) take: its name, its options and how many words may follow it. Each side
 * adds what is its own (usage, what it runs, the options it refuses) around the same parse.
 */
export interface CommandGrammar {
  name: string;
  options: OptionSpec;
  /** How many words may follow the command (ids, durations, text); more is a usage error. Default 0. */
  maxPositionals?: number;
}

/** provision's options, in the order `--help` lists them; the values' rules are plan.ts's, for every door. */
export const PROVISION_OPTIONS = {
  component: {
    type: "string",
    required: true,
    help: 'the component whose Nix shell to use; "all" merges every component',
  },
  branch: { type: "string", help: "a branch of the repository, e.g. feature/new-feature" },
  pr: { type: "string", help: "a pull request number; its head (refs/pull/N/head) is checked out" },
  sparse: {
    type: "boolean",
    help: "check out only the component's folders, the top-level files and checkout.alwaysInclude",
  },
  full: { type: "boolean", help: "check out every file (default: checkout.mode, full)" },
  timeout: {
    type: "string",
    help: "when to clean it up automatically (default: defaults.timeout, 24h; 5m to limits.maxTimeout)",
  },
  owner: { type: "string", help: "who it belongs to (default: your login name)" },
} satisfies OptionTable;

export const PROVISION_GRAMMAR = {
  name: "provision",
  options: parserOptions(PROVISION_OPTIONS),
} satisfies CommandGrammar;

export const LIST_GRAMMAR = { name: "list", options: { all: { type: "boolean" } } } satisfies CommandGrammar;

export const EXTEND_GRAMMAR = { name: "extend", options: {}, maxPositionals: 2 } satisfies CommandGrammar;

export const CLEANUP_GRAMMAR = {
  name: "cleanup",
  options: { "env-dir": { type: "string" } },
  maxPositionals: 1,
} satisfies CommandGrammar;

/** triage's options, in the order `--help` lists them. */
export const TRIAGE_OPTIONS = {
  files: {
    type: "string",
    help: "changed or affected files, comma-separated, relative to the repository root",
  },
  labels: { type: "string", help: "GitHub labels, comma-separated (e.g. comp:hms-dev)" },
  reporter: {
    type: "string",
    help: "Slack user ID or GitHub login of the reporter (never assigned their own report)",
  },
  component: { type: "string", help: "a component chosen by hand; it outranks every other evidence" },
} satisfies OptionTable;

export const TRIAGE_GRAMMAR = {
  name: "triage",
  options: parserOptions(TRIAGE_OPTIONS),
  maxPositionals: 1,
} satisfies CommandGrammar;

/** What the provision options ask for, whoever parsed them. The owner is the caller's to set. */
export function provisionRequestFrom(args: ParsedArgs, component: string): Omit<ProvisionRequest, "owner"> {
  return {
    component,
    branch: stringOption(args, "branch"),
    pr: stringOption(args, "pr"),
    timeout: stringOption(args, "timeout"),
    checkout: checkoutModeOption(args),
  };
}
