// A second hms-env process for tests: runs lifecycle operations it reads as JSON lines on stdin, with
// its own pid, and answers each with a JSON line. Built code only (dist/), as the CLI runs it.
import { hostname } from "node:os";
import { createInterface } from "node:readline";
import { loadConfig } from "../../dist/config/load.js";
import { processIsAlive } from "../../dist/envs/claims.js";
import { createEnvContext } from "../../dist/envs/context.js";
import { systemClock } from "../../dist/schedule/system-clock.js";
import { operate } from "./lifecycle-operations.mjs";

const [configFile, path] = process.argv.slice(2);
const self = {
  pid: process.pid,
  host: hostname(),
  isAlive: processIsAlive,
};
const context = createEnvContext(loadConfig({ explicitPath: configFile, cwd: process.cwd() }), {
  path,
  clock: systemClock(),
  self,
  nodeBinary: process.execPath,
});
for await (const line of createInterface({ input: process.stdin })) {
  const { id, op } = JSON.parse(line);
  const answer = await operate(context, op).then(
    (result) => ({ id, ok: true, result }),
    (error) => ({ id, ok: false, code: error.code ?? "UNEXPECTED", message: String(error.message ?? error) }),
  );
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
