import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Log } from "../../src/envs/context.js";
import { isHmsError } from "../../src/errors.js";
import type { EnvRecord } from "../../src/store/schema.js";
import { type GitHttpMode, gitHttpServer, silentTcpServer } from "../helpers/git-http.js";
import { manualClock } from "../helpers/manual-clock.js";
import { standInCopy } from "../helpers/nix.js";
import { eventually } from "../helpers/serve.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

/**
 * A remote that accepts and never answers (or sends its headers and then nothing) must fail the
 * provisioning within the configured limit, release the mirror lock, record why, and leave the mirror
 * usable: a provisioning right after, once the remote answers again, works.
 */
const opened: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) await resource.close();
});

async function stalledRemote(mode: GitHttpMode, timeouts: string) {
  const ws = await createWorkspace(`timeouts:\n${timeouts}`);
  const server = await gitHttpServer(ws.repo.path, mode);
  opened.push({ close: ws.remove }, server);
  // The repository is reached only through the server.
  const config = readFileSync(ws.configFile, "utf8");
  writeFileSync(ws.configFile, config.replace(/^repo: .*$/m, `repo: ${JSON.stringify(server.url)}`));
  return { ws, server };
}

const mirrorLocks = (ws: Workspace) =>
  readdirSync(join(ws.envRoot, ".mirrors")).filter((name) => name.endsWith(".lock"));

const records = async (ws: Workspace) =>
  JSON.parse((await ws.cli(["list", "--all", "--json"])).stdout) as EnvRecord[];

describe("a remote that stops answering", () => {
  it.each([
    ["accepts and never answers", "silent", "12s"],
    ["sends its headers, then nothing", "headers", "3s"],
  ] as const)(
    "fails the fetch at timeouts.fetch when it %s; the next provisioning is not held up",
    async (_what, mode, limit) => {
      const { ws, server } = await stalledRemote(mode, `  fetch: ${limit}`);
      const failed = await ws.cli(["provision", "--component", "hms-dev", "--branch", "main"]);
      expect(failed.exitCode).toBe(1);
      expect(failed.stderr).toContain(
        `fetch of branch "main" from ${server.url} was stopped after ${limit} (timeouts.fetch): check that ${server.url} answers (git ls-remote ${server.url})`,
      );
      // A step that runs long says so every 10 s.
      if (limit === "12s")
        expect(failed.stderr).toContain(`  fetch          10 s  still running: branch "main"\n`);
      expect(failed.stderr).toContain("or raise timeouts.fetch in the configuration");
      expect(server.connections()).toBeGreaterThan(0);
      expect(mirrorLocks(ws)).toEqual([]);
      const [record] = await records(ws);
      expect(record?.status).toBe("failed");
      expect(record?.failure).toContain(`was stopped after ${limit} (timeouts.fetch)`);

      // The remote answers again: the very next provisioning takes the mirror and works.
      server.mode = "serve";
      const env = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
      expect(env.status).toBe("ready");
      expect(existsSync(join(env.workdir, "README.md"))).toBe(true);
    },
  );

  it("over ssh, fails at timeouts.stall when the host accepts the connection and never answers", async () => {
    const tcp = await silentTcpServer();
    const ws = await createWorkspace(
      `repo: "ssh://git@127.0.0.1:${tcp.port}/hms.git"\ntimeouts:\n  stall: 2s`,
    );
    opened.push({ close: ws.remove }, tcp);
    const failed = await ws.cli(["provision", "--component", "hms-dev", "--branch", "main"], {
      env: { GIT_SSH_COMMAND: "" },
    });
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain(
      `fetch of branch "main" from ssh://git@127.0.0.1:${tcp.port}/hms.git stalled (Connection timed out during banner exchange) after 2s (timeouts.stall)`,
    );
    expect(tcp.connections()).toBe(1);
    expect(mirrorLocks(ws)).toEqual([]);
  });

  it("fails sooner, at timeouts.stall, through git's own low-speed limit, naming what git said", async () => {
    const { ws, server } = await stalledRemote("headers", "  fetch: 10m\n  stall: 2s");
    const failed = await ws.cli(["provision", "--component", "hms-dev", "--branch", "main", "--verbose"]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(
      new RegExp(
        `fetch of branch "main" from ${server.url} stalled \\(Operation too slow[^)]*\\) after 2s \\(timeouts.stall\\)`,
      ),
    );
    expect(failed.stderr).toContain("or raise timeouts.stall in the configuration");
    expect(mirrorLocks(ws)).toEqual([]);
  });
});

describe("a long step under serve", () => {
  it("is logged every 10 s with its environment, on the app's clock", async () => {
    const { ws, server } = await stalledRemote("silent", "  fetch: 4s");
    const clock = manualClock();
    const lines: { fields: Record<string, unknown>; message: string }[] = [];
    const info = (fields: Record<string, unknown>, message: string) => void lines.push({ fields, message });
    const log = { debug: () => undefined, info, warn: info, error: info } as unknown as Log;
    const app = ws.app(clock, log);
    const provisioning = app.environments.provision({ component: "hms-dev", branch: "main", owner: "U0DEV" });
    await eventually(() => server.connections() > 0, "the fetch to reach the remote");
    clock.advance(20_000);
    const error = await provisioning.catch((caught: unknown) => caught);
    expect(isHmsError(error, "STEP_TIMEOUT")).toBe(true);
    const progress = lines.filter((line) => line.fields.action === "progress");
    expect(progress.map((line) => [line.fields.step, line.fields.ms])).toEqual([
      ["fetch", 10_000],
      ["fetch", 20_000],
    ]);
    expect(progress[0]?.fields.envId).toMatch(/^env-[0-9a-f]{8}$/);
    expect(progress[1]?.message).toBe(
      `${progress[1]?.fields.envId}: fetch still running after 20 s: branch "main"`,
    );
  });
});

/** Processes running `sleep SECONDS` (the slow stand-in package's builder). */
function sleepers(seconds: number): number {
  let count = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8") === `sleep\0${seconds}\0`) count += 1;
    } catch {
      // gone meanwhile
    }
  }
  return count;
}

describe("a Nix build that takes too long", () => {
  it("fails at timeouts.build naming the component's shell, and leaves no builder running", async () => {
    const ws = await createWorkspace("nix:\n  nixpkgs: ./nixpkgs-slow\ntimeouts:\n  build: 4s");
    opened.push({ close: ws.remove });
    const slow = 617;
    standInCopy(ws.dir, "nixpkgs-slow", undefined, (text) =>
      text.replace(/(ruby = standIn "ruby" \{[^}]*seconds = )1;/, `$1${slow};`),
    );
    const failed = await ws.cli(["provision", "--component", "hms-sme", "--branch", "main"]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain(
      "build of the hms-sme shell was stopped after 4s (timeouts.build): see what it builds or fetches with nix-store --realise --dry-run",
    );
    expect(failed.stderr).toContain("or raise timeouts.build in the configuration");
    const [record] = await records(ws);
    expect(record?.status).toBe("failed");
    expect(record?.failure).toContain("(timeouts.build)");
    expect(existsSync(record?.path ?? "")).toBe(false);
    await eventually(() => sleepers(slow) === 0, "the builder to be ended with the build");
  });
});

describe("doctor against a remote that never answers", () => {
  it("fails the repo check at timeouts.stall instead of hanging, and does not probe the remote again", async () => {
    const { ws, server } = await stalledRemote("silent", "  stall: 2s");
    const result = await ws.cli(["doctor", "--json"]);
    expect(result.exitCode).toBe(1);
    const checks = JSON.parse(result.stdout) as { name: string; ok: boolean; detail: string; fix?: string }[];
    expect(checks.find((check) => check.name === "repo")).toEqual({
      name: "repo",
      ok: false,
      detail: `${server.url} did not answer within 2s (timeouts.stall): every fetch from it would stall`,
      fix: `check that ${server.url} answers (git ls-remote ${server.url}) and that this machine reaches it`,
    });
    expect(checks.find((check) => check.name === "mirror")?.detail).toBe(
      "not made yet; its kind is known once the remote answers (see repo)",
    );
    // One ask for the branch HEAD names (the config sets none), one for that branch; no mirror probe.
    expect(server.connections()).toBe(2);
  });
});
