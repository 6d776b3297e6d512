import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { execaSync } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { withWrapper } from "../helpers/git-wrapper.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

/** What `list`, `show` and `extend` say, read as a person reads them, about environments in odd states. */
let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace("limits:\n  maxEnvsPerOwner: 20\n  maxTimeout: 2d");
});
afterAll(() => ws.remove());

const provision = (component: string) => ws.provision(["--component", component, "--branch", "main"]);

/** A provisioning killed with kill -9 as it builds its shell (after its record): its claim names a pid that is gone. */
async function killedProvisioning(): Promise<EnvRecord> {
  const wrapper = join(ws.dir, "killing-nix");
  mkdirSync(wrapper);
  const real = execaSync("bash", ["-c", "command -v nix-instantiate"]).stdout.trim();
  writeFileSync(
    join(wrapper, "nix-instantiate"),
    `#!/usr/bin/env bash\nkill -9 $PPID; sleep 1\nexec ${real} "$@"\n`,
    { mode: 0o755 },
  );
  const killed = await ws.cli(["provision", "--component", "hms-esr", "--branch", "main"], {
    env: { PATH: withWrapper(wrapper) },
  });
  expect(killed.exitCode).not.toBe(0);
  const env = ws.state().environments.find((candidate) => candidate.status === "provisioning");
  expect(env?.claim).toBeDefined();
  return env as EnvRecord;
}

describe("a claim whose process is gone", () => {
  it("is shown as interrupted, with the command that finishes it, not as being worked on", async () => {
    const env = await killedProvisioning();
    const gone = `interrupted: pid ${env.claim?.pid} on ${hostname()} is gone; \`hms-env cleanup ${env.id}\` finishes it`;
    const list = await ws.cli(["list"]);
    expect(list.stdout).toMatch(new RegExp(`${env.id}\\s+provisioning\\s+hms-esr.*interrupted: pid`));
    expect(list.stdout).toContain(gone);
    const show = await ws.cli(["show", env.id]);
    expect(show.stdout).toContain(`claimed:    ${gone}`);

    // Finished by a person: it ends failed, and says it was an interrupted provisioning.
    const cleanup = await ws.cli(["cleanup", env.id]);
    expect(cleanup.exitCode, cleanup.stderr).toBe(0);
    expect(ws.stored(env.id)).toMatchObject({ status: "failed", cleanReason: "manual" });
    const all = await ws.cli(["list", "--all"]);
    expect(all.stdout).toMatch(
      new RegExp(`${env.id}\\s+failed\\s+hms-esr.*interrupted: provisioning never finished$`, "m"),
    );
    const after = await ws.cli(["show", env.id]);
    expect(after.stdout).toMatch(/^status: {5}failed \(interrupted: provisioning never finished\)$/m);
  });

  it("a cleanup whose process died says so too", async () => {
    const env = await provision("hms-dev");
    const dead = 2 ** 22 + 7; // above the kernel's pid_max: no process has it
    await ws.rewrite(env.id, (record) => {
      const now = new Date();
      Object.assign(record, {
        status: "cleaning",
        cleanReason: "manual",
        claim: {
          pid: dead,
          host: hostname(),
          since: now.toISOString(),
          attempt: 1,
          leaseUntil: new Date(now.getTime() + 3_600_000).toISOString(),
        },
      });
    });
    const list = await ws.cli(["list"]);
    expect(list.stdout).toContain(
      `interrupted: pid ${dead} on ${hostname()} is gone; \`hms-env cleanup ${env.id}\` finishes it`,
    );
    expect(list.stdout).not.toContain("being removed by");
  });
});

describe("an id prefix that matches several environments", () => {
  it.each(["env", "env-"])(
    "`show %s` says it is ambiguous and lists the candidates, exit 2",
    async (prefix) => {
      const envs = [await provision("hms-sys"), await provision("hms-sme")];
      const show = await ws.cli(["show", prefix]);
      expect(show.exitCode).toBe(2);
      expect(show.stderr).toContain(`"${prefix}" is ambiguous`);
      for (const env of envs) expect(show.stderr).toContain(env.id);
      expect(show.stdout).toBe("");
    },
  );
});

describe("extend capped at limits.maxTimeout", () => {
  it("says the deadline was capped, and at what", async () => {
    const env = await provision("hms-dev");
    const plain = await ws.cli(["extend", env.id, "1h"]);
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(`${env.id} now expires at ${ws.stored(env.id).expiresAt}`);
    const capped = await ws.cli(["extend", env.id, "2d"]);
    expect(capped.exitCode, capped.stderr).toBe(0);
    const { expiresAt } = ws.stored(env.id);
    expect(capped.stdout).toContain(`${env.id} now expires at ${expiresAt}`);
    expect(capped.stdout).toContain("capped at limits.maxTimeout (2d) from now");
  });
});
