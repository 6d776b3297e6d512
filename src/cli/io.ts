/** What a command may touch of the outside world; cli.ts passes the real one, tests their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
}
