/** What a command may touch of the outside world; cli.ts passes the real one, tests their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted by the first Ctrl-C or SIGTERM: long commands stop cleanly (a second Ctrl-C kills). */
  interrupt?: AbortSignal;
}
