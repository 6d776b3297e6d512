/**
 * doctor checks that Nix can really make an environment, with the real nix-instantiate: the store can be
 * written (NIX_REMOTE naming a daemon nobody runs passes every version check), and each configured
 * component's shell instantiates against the configured nixpkgs.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Check } from "../../src/envs/doctor.js";
import { standInCopy } from "../helpers/nix.js";
import { createWorkspace, STAND_IN_NIX_PATH, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace("limits:\n  maxEnvsPerOwner: 20");
});
afterAll(() => ws.remove());

const doctor = async (args: string[] = [], env: Record<string, string> = {}) => {
  const result = await ws.cli(["doctor", "--json", ...args], { env });
  return { exitCode: result.exitCode, checks: JSON.parse(result.stdout) as Check[] };
};
const failed = (checks: Check[]) => checks.filter((check) => !check.ok);

/** A daemon socket that nothing listens on (NIX_REMOTE=daemon with no nix-daemon running, wherever). */
const noDaemon = () => ({ NIX_REMOTE: `unix://${join(mkdtempSync(join(tmpdir(), "hms-nix-")), "socket")}` });

describe("doctor and the Nix store", () => {
  it("passes on a working store and instantiates every component's shell and all, building nothing", async () => {
    const { exitCode, checks } = await doctor();
    expect(failed(checks)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(checks.find((check) => check.name === "nix store")?.detail).toMatch(
      /^reachable and writable \(wrote \/nix\/store\/[a-z0-9]{32}-hms-env-store-check\)$/,
    );
    expect(checks.find((check) => check.name === "shells")?.detail).toMatch(
      /^hms-sme, hms-esr, hms-dev, hms-sys, all instantiate from .*hms-env\.nix against nixpkgs \(channel\); nothing was built$/,
    );
  });

  it("fails when no nix-daemon answers, with the fix, where every version check passes", async () => {
    const env = noDaemon();
    const { exitCode, checks } = await doctor([], env);
    expect(exitCode).toBe(1);
    expect(failed(checks)).toEqual([
      {
        name: "nix store",
        ok: false,
        detail: `writing to the Nix store failed: error: cannot connect to socket at '${env.NIX_REMOTE.slice(7)}': No such file or directory`,
        fix: `no nix-daemon answers at ${env.NIX_REMOTE.slice(7)}: start nix-daemon (sudo systemctl start nix-daemon, or run nix-daemon as root) or unset NIX_REMOTE to use the store directly`,
      },
    ]);
    expect(checks.map((check) => check.name)).toContain("evaluate");
    // A provisioning fails the same way, with the same fix.
    const provision = await ws.cli(["provision", "--component", "hms-dev", "--branch", "main"], { env });
    expect(provision.exitCode).toBe(1);
    expect(provision.stderr).toContain("cannot connect to socket at");
    expect(provision.stderr).toContain("fix: no nix-daemon answers at");
  });
});

/** A config file beside the workspace's, on the same repository, with `extra` keys. */
function configWith(name: string, extra: string): string {
  writeFileSync(join(ws.dir, name), `repo: ${JSON.stringify(ws.repo.path)}\n${extra}`);
  return name;
}

describe("doctor and the component shells", () => {
  it("names each shell that does not instantiate against the configured nixpkgs, and the missing attribute", async () => {
    standInCopy(ws.dir, "np-no-protobuf", undefined, (text) =>
      text.replace(/^\s*protobuf = standIn.*$/m, ""),
    );
    const file = configWith("no-protobuf.yaml", "nix:\n  nixpkgs: ./np-no-protobuf\n");
    const { exitCode, checks } = await doctor(["--config", file]);
    expect(exitCode).toBe(1);
    const fix = `the nixpkgs in use (${join(ws.dir, "np-no-protobuf")}) has no attribute 'protobuf': pin a nixpkgs that has it (nix/nixpkgs.json or nix.nixpkgs), or change hms-env.nix to the name this nixpkgs uses`;
    expect(failed(checks)).toEqual([
      {
        name: "shell",
        ok: false,
        detail: "nix-instantiate of the hms-sys shell failed: error: attribute 'protobuf' missing",
        fix,
      },
      {
        name: "shell",
        ok: false,
        detail: "nix-instantiate of the all shell failed: error: attribute 'protobuf' missing",
        fix,
      },
    ]);
  });

  it("names a configured component that hms-env.nix defines no shell for", async () => {
    const file = configWith(
      "custom.yaml",
      `nix:\n  nixPath: ${JSON.stringify(STAND_IN_NIX_PATH)}\ncomponents:\n  billing:\n    name: Billing\n    paths: [apps/billing/**]\n  hms-dev:\n    name: HMS-DEV\n    paths: [SYSTEM-COMPONENTS/HMS-DEV/**]\n`,
    );
    const { exitCode, checks } = await doctor(["--config", file]);
    expect(exitCode).toBe(1);
    expect(failed(checks)).toEqual([
      {
        name: "shell",
        ok: false,
        detail:
          'nix-instantiate of the billing shell failed: error: hms-env.nix: unknown component "billing"; valid components: hms-sme, hms-esr, hms-dev, hms-sys, all',
        fix: 'hms-env.nix defines no shell for the component "billing" of the configuration: add it to the components of nix.file (nix/hms-env.nix), or remove it from components in hms.config.yaml',
      },
    ]);
  });

  it("prints each failure with its fix under it", async () => {
    const result = await ws.cli(["doctor", "--config", "custom.yaml"]);
    expect(result.stdout).toMatch(
      /^FAIL {2}shell {8}nix-instantiate of the billing shell failed: .*\n {19}fix: hms-env\.nix defines no shell/m,
    );
  });
});
