import { readTriageState } from "../../bugs/triage-state.js";
import { TRIAGE_GRAMMAR, TRIAGE_OPTIONS } from "../../grammar/commands.js";
import { helpList, optionHelp } from "../../grammar/options.js";
import { renderDecision } from "../../triage/render.js";
import { type Command, stringOption } from "../command.js";
import { appFor } from "../environment.js";

const USAGE = `Usage: hms-env triage "TEXT" [--files a,b] [--labels x,y] [--reporter ID] [--component ID]
                      [--json] [--config FILE]
       hms-env triage - [options] < report.txt

Prints what the triage bot would decide for a bug report, and changes nothing: the owning
component(s) with confidence and reasons, the team, the assignee with an explanation, the likely
root causes from the root-cause database, and possible duplicates among the open bugs.
Inside the repository (or with repo: configured), paths in the report are resolved against the
files of the default branch, fetched into the shared mirror.

${helpList({
  TEXT: 'the report: title, body, pasted logs and stack traces ("-" reads it from stdin)',
  ...optionHelp(TRIAGE_OPTIONS),
  "--json": "print the decision as JSON",
})}`;

function list(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** Reads all of stdin; tests pass their own reader. */
export async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

export function createTriageCommand({
  readStdin = readProcessStdin,
  now,
}: {
  readStdin?: () => Promise<string>;
  /** The moment of the decision (rotation, ages); default: the app's clock. */
  now?: () => Date;
} = {}): Command {
  return {
    ...TRIAGE_GRAMMAR,
    summary: "show how a bug report would be routed and assigned (a dry run)",
    usage: USAGE,
    async run(args, io) {
      const [source] = args.positionals;
      if (source === undefined) {
        io.err(`${USAGE}\n\nhms-env: triage takes one TEXT (quote it) or - to read stdin`);
        return 2;
      }
      const text = source === "-" ? await readStdin() : source;
      if (text.trim() === "") {
        io.err(`${USAGE}\n\nhms-env: the report is empty`);
        return 2;
      }
      const app = appFor(args, io);
      const { store } = app;
      // Only reads: the state file and the root-cause database are left exactly as they are.
      const { rotation } = readTriageState(await store.read(), store.file);
      const triage = await app.triage();
      const paths = await triage.refreshFiles();
      const decision = triage.engine.decide(
        {
          text,
          files: list(stringOption(args, "files")),
          labels: list(stringOption(args, "labels")),
          reporter: stringOption(args, "reporter"),
          component: stringOption(args, "component"),
        },
        rotation,
        now?.() ?? app.clock.now(),
      );
      io.out(
        args.values.json
          ? JSON.stringify({ ...decision, paths }, null, 2)
          : `${renderDecision(decision)}\nPaths:      ${paths}\n\nDry run: nothing was recorded or assigned.`,
      );
      return 0;
    },
  };
}

export const triageCommand = createTriageCommand();
