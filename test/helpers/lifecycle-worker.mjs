// A second hms-env process for tests: runs lifecycle operations it reads as JSON lines on stdin, with
// its own pid, and answers each with a JSON line. Built code only (dist/), as the CLI runs it.
import { hostname } from "node:os";
import { createInterface } from "node:readline";
import { createApp } from "../../dist/app.js";
import { loadConfig } from "../../dist/config/load.js";
import { processIsAlive } from "../../dist/envs/claims.js";
import { noLog } from "../../dist/envs/context.js";
import { systemClock } from "../../dist/schedule/system-clock.js";
import { currentProcessFacts } from "../../dist/store/lock-holder.js";

const [configFile, path] = process.argv.slice(2);
const self = {
  pid: process.pid,
  host: hostname(),
  ...currentProcessFacts(),
  isAlive: processIsAlive,
};
const app = createApp({
  config: loadConfig({ explicitPath: configFile, cwd: process.cwd() }),
  env: { PATH: path },
  clock: systemClock(),
  log: noLog,
  self,
  nodeBinary: process.execPath,
});
/** Runs one operation: { kind, id?, component? }; returns the environment id it made or touched. */
async function operate({ environments, envs }, op) {
  switch (op.kind) {
    case "provision": {
      const env = await environments.provision({ component: op.component, branch: "main", owner: "prop" });
      return env.id;
    }
    case "extend":
      return (await environments.extend(op.id, "1h", "prop")).id;
    case "cleanup":
      return (await environments.cleanup(op.id, "manual", "prop")).id;
    case "expire":
      // As if its deadline had passed: moved back under the lock, then the due work done.
      await envs.store.update((state) => {
        const env = state.environments.find((candidate) => candidate.id === op.id);
        if (env?.status === "ready") env.expiresAt = new Date(Date.now() - 1000).toISOString();
      });
      await environments.settleDue();
      return op.id;
    case "reconcile":
      await environments.reconcile();
      return null;
    default:
      throw new Error(`unknown operation ${op.kind}`);
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  const { id, op } = JSON.parse(line);
  const answer = await operate(app, op).then(
    (result) => ({ id, ok: true, result }),
    (error) => ({ id, ok: false, code: error.code ?? "UNEXPECTED", message: String(error.message ?? error) }),
  );
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
