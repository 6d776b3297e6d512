import { execa, type ResultPromise } from "execa";
import { CLI, type Workspace } from "./workspace.js";

export interface ServeProcess {
  url: string;
  process: ResultPromise;
  log(): string;
  stop(): Promise<void>;
  /** Sends `signal` and resolves with serve's exit code, or "still running" if it has not exited within `ms`. */
  exitOn(signal: NodeJS.Signals, ms?: number): Promise<number | undefined | "still running">;
}

/** Starts the real `hms-env serve` on a free port and waits until it listens. */
export async function startServe(ws: Workspace, env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = execa("node", [CLI, "serve", "--port", "0"], {
    cwd: ws.dir,
    env: { HMS_CONFIG: ws.configFile, USER: "tester", ...env },
    reject: false,
    stdin: "ignore",
    buffer: false,
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 20_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", () => reject(new Error(`serve exited:\n${output}`)));
  });
  return {
    url,
    process: child,
    log: () => output,
    async stop() {
      child.kill("SIGTERM");
      await child;
    },
    exitOn(signal, ms = 15_000) {
      child.kill(signal);
      return Promise.race([
        child.then((result) => result.exitCode),
        new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), ms)),
      ]);
    },
  };
}

/** Polls until `check` holds; real timers take real (short) time, so tests wait for the effect. */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
