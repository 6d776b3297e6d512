import type { Clock } from "../clock.js";
import type { ProcessIdentity } from "../envs/claims.js";

/** What a command may touch of the outside world; cli.ts passes the real one, tests their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** This process (its claims name it), the clock, and the node binary that cleanup.sh calls back into. */
  host: { self: ProcessIdentity; clock: Clock; nodeBinary: string };
  /**
   * Aborted by the first SIGINT, SIGTERM or SIGHUP: long commands stop cleanly (a second one kills);
   * its reason is the signal's name.
   */
  interrupt?: AbortSignal;
}
