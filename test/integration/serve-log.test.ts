import { mkdirSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startServe } from "../helpers/serve.js";
import { CLI, createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace('schedule:\n  reconcileInterval: "1h"');
});
afterAll(() => ws.remove());

/** Every line `serve` wrote, each of which must be one JSON object. */
function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("serve's structured log", () => {
  it("writes JSON lines that name the environment and the action", async () => {
    const env = await ws.provision(["--component", "hms-dev", "--branch", "main", "--timeout", "5m"]);
    await ws.rewrite(env.id, (stored) => {
      stored.expiresAt = new Date(Date.now() - 1000).toISOString();
    });
    const serve = await startServe(ws);
    try {
      await eventually(() => serve.log().includes('"action":"expire"'), "the expiry in the log");
    } finally {
      await serve.stop();
    }
    const lines = jsonLines(serve.log());
    expect(lines.find((line) => line.action === "expire")).toMatchObject({
      level: "info",
      envId: env.id,
      path: env.path,
    });
    expect(lines.find((line) => line.action === "listen")).toMatchObject({ host: "127.0.0.1" });
    expect(lines.every((line) => typeof line.time === "string" && typeof line.msg === "string")).toBe(true);
  });
});

describe("serve --host", () => {
  const serveOn = (args: string[], env: Record<string, string> = {}) =>
    execa("node", [CLI, "serve", "--port", "0", ...args], {
      cwd: ws.dir,
      env: { HMS_CONFIG: ws.configFile, ...env },
      reject: false,
      stdin: "ignore",
      timeout: 20_000,
    });

  it("listens on 127.0.0.1 by default, not on every address", async () => {
    const serve = await startServe(ws);
    try {
      const health = await fetch(`${serve.url}/healthz`);
      expect(health.status).toBe(200);
      const listening = jsonLines(serve.log()).find((line) => line.action === "listen");
      expect(listening?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(listening?.host).toBe("127.0.0.1");
      // Reached through loopback only: this machine's other addresses refuse the connection.
      const outside = Object.values(networkInterfaces())
        .flat()
        .find((address) => address?.family === "IPv4" && !address.internal)?.address;
      if (outside !== undefined) {
        const port = new URL(serve.url).port;
        await expect(fetch(`http://${outside}:${port}/healthz`)).rejects.toThrow();
      }
    } finally {
      await serve.stop();
    }
  });

  it("takes --host, else $HOST", async () => {
    for (const [args, env] of [
      [["--host", "::1"], {}],
      [[], { HOST: "::1" }],
    ] as const) {
      const child = serveOn([...args], env);
      let output = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      await eventually(() => output.includes('"action":"listen"'), "serve listening on ::1");
      const url = jsonLines(output).find((line) => line.action === "listen")?.url as string;
      expect(url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      child.kill("SIGTERM");
      await child;
    }
  });

  it("refuses an address that is not one, or not this machine's, with exit 2", async () => {
    const bad = await serveOn(["--host", "not a host!"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('host "not a host!" is not an IP address or host name');
    const foreign = await serveOn(["--host", "203.0.113.9"]);
    expect(foreign.exitCode).toBe(2);
    expect(foreign.stderr).toContain("cannot listen on 203.0.113.9: it is not an address of this machine");
  });
});

describe("--verbose", () => {
  it("prints the causes under an error, and only when asked", async () => {
    // A state file that is a folder: the read fails with EISDIR under hms-env's own message.
    const dir = join(ws.dir, "state-is-a-folder");
    mkdirSync(join(dir, "state.json"), { recursive: true });
    const config = join(dir, "hms.config.yaml");
    await execa("sh", ["-c", `printf 'stateFile: ./state.json\\n' > '${config}'`]);
    const plain = await ws.cli(["list", "--config", config]);
    expect(plain.exitCode).toBe(1);
    expect(plain.stderr).toContain("cannot read the state file");
    expect(plain.stderr).not.toContain("caused by");
    const verbose = await ws.cli(["list", "--config", config, "--verbose"]);
    expect(verbose.exitCode).toBe(1);
    expect(verbose.stderr).toMatch(
      /\n {2}caused by: \[EISDIR read\] EISDIR: illegal operation on a directory/,
    );
  });
});
