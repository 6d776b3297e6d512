import { signalChildren } from "../envs/child-processes.js";
import { describeCauses, describeError, isHmsError } from "../errors.js";
import { findSubcommand, parseCommandArgs } from "../grammar/parse.js";
import { setLockInterrupt } from "../store/file-lock.js";
import type { Command } from "./command.js";
import { cleanupCommand, extendCommand } from "./commands/change.js";
import { demoCommand } from "./commands/demo.js";
import { doctorCommand } from "./commands/doctor.js";
import { gcCommand } from "./commands/gc.js";
import { listCommand, showCommand } from "./commands/inspect.js";
import { provisionCommand } from "./commands/provision.js";
import { serveCommand } from "./commands/serve.js";
import { triageCommand } from "./commands/triage.js";
import { warmCommand } from "./commands/warm.js";
import { widenCommand } from "./commands/widen.js";
import type { CliIo } from "./io.js";

export const COMMANDS: Command[] = [
  provisionCommand,
  listCommand,
  showCommand,
  extendCommand,
  widenCommand,
  cleanupCommand,
  gcCommand,
  doctorCommand,
  serveCommand,
  demoCommand,
  triageCommand,
  warmCommand,
];

export function mainUsage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return `hms-env: ephemeral Nix development environments for HMS bugs

Usage: hms-env <command> [options]

Commands:
${commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join("\n")}

Every command takes --config FILE (else $HMS_CONFIG, else ./hms.config.yaml, else built-in defaults),
--verbose (an error shows its causes) and --help. Exit codes: 0 done, 1 failed, 2 bad input (nothing was changed).`;
}

/** The signals that stop a command cleanly (SIGHUP: its terminal was closed), with their numbers. */
export const STOP_SIGNALS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** 128 + the signal's number, as shells report it: 129 SIGHUP, 130 SIGINT (and by default), 143 SIGTERM. */
export function interruptedExitCode(reason: unknown): number {
  return 128 + (typeof reason === "string" ? (STOP_SIGNALS[reason] ?? 2) : 2);
}

/** The signal that stopped the command, to pass on to its children; SIGINT when it was not a signal. */
function stopSignalOf(reason: unknown): NodeJS.Signals {
  return typeof reason === "string" && reason in STOP_SIGNALS ? (reason as NodeJS.Signals) : "SIGINT";
}

/** Runs one command line and returns its exit code; errors become one clear line on stderr. */
export async function runCli(argv: readonly string[], io: CliIo, commands = COMMANDS): Promise<number> {
  const { name, rest } = findSubcommand(argv);
  if (name === undefined || name === "help") {
    const wantsHelp = name === "help" || rest.includes("--help") || rest.includes("-h");
    (wantsHelp ? io.out : io.err)(mainUsage(commands));
    return wantsHelp ? 0 : 2;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.err(`hms-env: unknown command "${name}"\n\n${mainUsage(commands)}`);
    return 2;
  }
  // Read before parsing, so a usage error can show its causes too.
  const verbose = rest.includes("--verbose");
  const report = (line: string, error: unknown) =>
    io.err(verbose ? [line, ...describeCauses(error).map((cause) => `  ${cause}`)].join("\n") : line);
  const passStopOn = () => signalChildren(stopSignalOf(io.interrupt?.reason));
  if (!command.endsChildrenItself) {
    io.interrupt?.addEventListener("abort", passStopOn, { once: true });
    // A command stopped while it waits for a lock (a mirror busy with a long fetch) stops at once.
    setLockInterrupt(io.interrupt);
  }
  try {
    const args = parseCommandArgs(rest, command.options, command.usage);
    if (args.values.help) {
      io.out(command.usage);
      return 0;
    }
    const extra = args.positionals.slice(command.maxPositionals ?? 0);
    if (extra.length > 0) {
      io.err(`hms-env ${command.name}: unexpected argument "${extra[0]}"\n\n${command.usage}`);
      return 2;
    }
    return await command.run(args, io);
  } catch (error) {
    if (io.interrupt?.aborted) {
      report(`hms-env ${command.name}: interrupted (${describeError(error)})`, error);
      return interruptedExitCode(io.interrupt.reason);
    }
    if (isHmsError(error)) {
      report(`hms-env ${command.name}: ${error.message}`, error);
      return error.exitCode;
    }
    report(`hms-env ${command.name}: unexpected failure: ${describeError(error)}`, error);
    return 1;
  } finally {
    io.interrupt?.removeEventListener("abort", passStopOn);
  }
}
