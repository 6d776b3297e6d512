import type { ProvisionRequest } from "../envs/plan.js";
import { HmsError } from "../errors.js";
import {
  CLEANUP_GRAMMAR,
  type CommandGrammar,
  EXTEND_GRAMMAR,
  LIST_GRAMMAR,
  PROVISION_GRAMMAR,
  provisionRequestFrom,
} from "../grammar/commands.js";
import { findSubcommand, parseCommandArgs } from "../grammar/parse.js";
import { SLASH_COMMAND } from "./ids.js";

/** `/hms-env ...` as parsed: the CLI's grammar, with the caller's Slack ID standing in for --owner. */
export type SlashCommand =
  | ({ name: "provision" } & Omit<ProvisionRequest, "owner">)
  | { name: "list" }
  | { name: "extend"; id: string; duration: string }
  | { name: "cleanup"; id: string }
  | { name: "triage"; text: string }
  | { name: "help" };

export const SLASH_USAGE = `Usage:
  ${SLASH_COMMAND} provision --component <hms-sme|hms-esr|hms-dev|hms-sys|all> (--branch NAME | --pr N) [--sparse | --full] [--timeout 8h]
  ${SLASH_COMMAND} list                    your live environments
  ${SLASH_COMMAND} extend ID DURATION      e.g. extend env-3f9c2a1b 4h
  ${SLASH_COMMAND} cleanup ID              remove it now
  ${SLASH_COMMAND} triage TEXT             what the bot would decide for a report (records nothing)
  ${SLASH_COMMAND} help`;

/** Splits like a shell does for quotes (Slack may turn "..." into curly quotes), and nothing else. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|“([^”]*)”|'([^']*)'|‘([^’]*)’|(\S+)/g;
  for (const match of text.matchAll(pattern)) {
    words.push(match[1] ?? match[2] ?? match[3] ?? match[4] ?? match[5] ?? "");
  }
  return words;
}

const usageError = (message: string) => new HmsError("USAGE", `${message}\n\n${SLASH_USAGE}`);

/** The options of the CLI command, less those that make no sense in Slack (--owner, --config, --json). */
function parseLike(command: CommandGrammar, argv: string[]) {
  const args = parseCommandArgs(argv, command.options, SLASH_USAGE);
  for (const refused of ["owner", "config", "json", "help", "env-dir"]) {
    if (args.values[refused] !== undefined) {
      throw usageError(
        refused === "owner"
          ? "--owner is not taken in Slack: environments made here belong to you"
          : `--${refused} is not taken in Slack`,
      );
    }
  }
  const extra = args.positionals.slice(command.maxPositionals ?? 0);
  if (extra.length > 0) throw usageError(`unexpected argument "${extra[0]}"`);
  return args;
}

const text = (value: unknown) => (typeof value === "string" ? value : undefined);

export function parseSlashCommand(input: string): SlashCommand {
  const trimmed = input.trim();
  const { name, rest } = findSubcommand(splitWords(trimmed));
  switch (name) {
    case undefined:
    case "help":
      return { name: "help" };
    case "triage": {
      // The report is free text: everything after the word, exactly as typed.
      const report = trimmed.replace(/^triage\b/, "").trim();
      if (report === "") throw usageError("triage takes the text of a report");
      return { name: "triage", text: report };
    }
    case "provision": {
      const args = parseLike(PROVISION_GRAMMAR, rest);
      const component = text(args.values.component);
      if (component === undefined) throw usageError("--component is required");
      // Only what was given, so the request reads as typed; the rules are those of the CLI.
      const request = Object.entries(provisionRequestFrom(args, component)).filter(
        ([, value]) => value !== undefined,
      );
      return { name: "provision", ...(Object.fromEntries(request) as Omit<ProvisionRequest, "owner">) };
    }
    case "list":
      parseLike(
        LIST_GRAMMAR,
        rest.filter((word) => word !== "--all"),
      );
      return { name: "list" };
    case "extend": {
      const [id, duration] = parseLike(EXTEND_GRAMMAR, rest).positionals;
      if (id === undefined || duration === undefined) throw usageError("extend takes an ID and a DURATION");
      return { name: "extend", id, duration };
    }
    case "cleanup": {
      const [id] = parseLike(CLEANUP_GRAMMAR, rest).positionals;
      if (id === undefined) throw usageError("cleanup takes an ID");
      return { name: "cleanup", id };
    }
    default:
      throw usageError(`unknown command "${name}"`);
  }
}
