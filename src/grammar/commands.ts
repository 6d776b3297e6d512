import type { ProvisionRequest } from "../envs/plan.js";
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

export const PROVISION_GRAMMAR = {
  name: "provision",
  options: {
    component: { type: "string" },
    branch: { type: "string" },
    pr: { type: "string" },
    timeout: { type: "string" },
    owner: { type: "string" },
    sparse: { type: "boolean" },
    full: { type: "boolean" },
  },
} satisfies CommandGrammar;

export const LIST_GRAMMAR = { name: "list", options: { all: { type: "boolean" } } } satisfies CommandGrammar;

export const EXTEND_GRAMMAR = { name: "extend", options: {}, maxPositionals: 2 } satisfies CommandGrammar;

export const CLEANUP_GRAMMAR = {
  name: "cleanup",
  options: { "env-dir": { type: "string" } },
  maxPositionals: 1,
} satisfies CommandGrammar;

export const TRIAGE_GRAMMAR = {
  name: "triage",
  options: {
    files: { type: "string" },
    labels: { type: "string" },
    reporter: { type: "string" },
    component: { type: "string" },
  },
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
