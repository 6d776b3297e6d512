import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type ResultPromise } from "execa";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startServe } from "../helpers/serve.js";
import { startFakeSlack } from "../helpers/slack.js";
import { CLI, createWorkspace, type Workspace } from "../helpers/workspace.js";

/** A git server that accepts connections and never answers: a remote black-holed by a proxy. */
let silent: Server;
const sockets = new Set<Socket>();
let ws: Workspace;
let port: number;

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  port = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});
beforeEach(async () => {
  ws = await createWorkspace(`repo: http://127.0.0.1:${port}/hms.git\ncacheDir: ./mirrors`);
});
afterEach(() => ws.remove());

function provisionInBackground(component: string, branch: string): ResultPromise {
  return execa("node", [CLI, "provision", "--component", component, "--branch", branch], {
    cwd: ws.dir,
    reject: false,
    stdin: "ignore",
    env: { HMS_CONFIG: "", USER: "tester" },
  });
}

/** The pid in the mirror lock's owner file, once a process holds it. */
async function mirrorLockHolder(): Promise<number> {
  const mirrors = join(ws.dir, "mirrors");
  for (;;) {
    const lock = existsSync(mirrors)
      ? readdirSync(mirrors).find((name) => name.endsWith(".git.lock"))
      : undefined;
    const owner = lock && join(mirrors, lock, "owner.json");
    if (owner && existsSync(owner)) return (JSON.parse(readFileSync(owner, "utf8")) as { pid: number }).pid;
    await sleep(50);
  }
}

describe("a stop request while a command waits for the mirror lock", () => {
  it.each([
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)(
    "ends the waiting command on %s with exit %i, leaving the holder alone",
    async (signal, code) => {
      const holder = provisionInBackground("hms-dev", "main");
      try {
        const holderPid = await mirrorLockHolder();
        expect(holderPid).toBe(holder.pid);
        const waiter = provisionInBackground("hms-sme", "other");
        // It says whom it waits for: then it is in the lock wait.
        await new Promise<void>((resolve) => {
          let said = "";
          waiter.stderr?.on("data", (chunk: Buffer) => {
            said += chunk.toString();
            if (/waiting for the lock on the mirror .* held by process \d+/.test(said)) resolve();
          });
        });
        waiter.kill(signal);
        const result = await waiter;
        expect(result.exitCode).toBe(code);
        expect(result.stderr).toMatch(/interrupted/);
        // The holder still runs and still holds the lock; the waiter left no folder and no live record.
        expect(holder.exitCode).toBeNull();
        expect(await mirrorLockHolder()).toBe(holderPid);
        const envs = existsSync(ws.stateFile) ? ws.state().environments : [];
        expect(envs.filter((env) => env.status === "provisioning" || env.status === "ready")).toEqual([]);
        const envRoot = existsSync(ws.envRoot)
          ? readdirSync(ws.envRoot).filter((name) => name.startsWith("env-"))
          : [];
        expect(envRoot).toEqual([]);
      } finally {
        holder.kill("SIGTERM");
      }
      // The holder's own stop ends its fetch and gives the lock back.
      expect((await holder).exitCode).toBe(143);
    },
    60_000,
  );
});

describe("serve with a repository that never answers", () => {
  it("listens and answers /healthz while triage's first fetch waits, and stops on the first SIGTERM", async () => {
    const slack = await startFakeSlack();
    try {
      const serve = await startServe(ws, {
        SLACK_BOT_TOKEN: "xoxb-test",
        SLACK_SIGNING_SECRET: "secret",
        SLACK_API_URL: slack.apiUrl,
      });
      const health = await fetch(`${serve.url}/healthz`);
      expect(health.status).toBe(200);
      // It says what it waits for; the fetch has not finished (the remote never answers).
      expect(serve.log()).toContain("triage: listing the repository's files");
      // Within the 5 s a service manager allows, with room for a loaded machine.
      expect(await serve.exitOn("SIGTERM", 8000), serve.log()).toBe(0);
      expect(serve.log()).toContain(`"action":"stopped"`);
    } finally {
      await slack.close();
    }
  }, 60_000);
});
