import { pino } from "pino";

/**
 * The structured log of the long-lived process: one JSON object a line (pino), each naming what
 * happened (`action`) and, where there is one, the environment (`envId`), so a log shipper or `jq`
 * can follow one environment through its life. An `err` field carries the error with its causes.
 */
export type Log = pino.Logger;

/** The fields every environment event carries. */
export interface EnvEvent {
  envId?: string;
  action: string;
  [field: string]: unknown;
}

export interface LoggerOptions {
  /** Receives each JSON line without its newline; default: stderr. */
  write?: (line: string) => void;
  /** `debug` shows each reconcile pass too; `silent` logs nothing. Default `info`. */
  level?: pino.LevelWithSilent;
  /** The clock that stamps each line, so tests on fake time see fake timestamps. */
  now?: () => Date;
}

export function createLogger({ write, level = "info", now = () => new Date() }: LoggerOptions = {}): Log {
  const destination: pino.DestinationStream = write
    ? { write: (line: string) => write(line.endsWith("\n") ? line.slice(0, -1) : line) }
    : pino.destination({ fd: 2, sync: true });
  return pino(
    {
      level,
      // No pid or host name read behind the caller's back: whoever runs several replicas adds them as bindings.
      base: undefined,
      timestamp: () => `,"time":"${now().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** For code that must be given a log but whose caller does not want one. */
export const silentLog: Log = createLogger({ level: "silent", write: () => undefined });
