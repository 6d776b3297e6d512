// What the benchmarks measure with: timing, the median of the rounds, a scratch folder, a local listener.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** How long `task` took, in ms, with what it returned. */
export async function timed(task) {
  const started = performance.now();
  const result = await task();
  return { ms: performance.now() - started, result };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * A new folder in $TMPDIR (else /tmp), where the benchmark's env root goes. Not /dev/shm: an env root under
 * /dev is refused. A disk adds writeback noise to the absolute times; TMPDIR on a tmpfs mount avoids it.
 */
export const scratchFolder = (prefix) => mkdtempSync(join(tmpdir(), prefix));

/** Listens on a free port of 127.0.0.1 and resolves with the server's URL. */
export const listen = (server) =>
  new Promise((done) =>
    server.listen(0, "127.0.0.1", () => done(`http://127.0.0.1:${server.address().port}`)),
  );
