import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSampleRepo } from "../../src/envs/sample-repo.js";
import { createWorkspace, STAND_IN_NIX_PATH, type Workspace } from "../helpers/workspace.js";

/**
 * A monorepo laid out differently from HMS's: the components are folders at the root (hms-sme/,
 * hms-dev/), not under SYSTEM-COMPONENTS/.
 */
const ROOT_LAYOUT: Record<string, string> = {
  "hms-sme/Gemfile": 'gem "rails"\n',
  "hms-sme/app/models/user.rb": "class User; end\n",
  "hms-dev/package.json": "{}\n",
  "hms-dev/src/index.ts": "export {};\n",
};
const ROOT_COMPONENTS = `components:
  hms-sme: { name: HMS-SME, paths: ["hms-sme/**"] }
  hms-dev: { name: HMS-DEV, paths: ["hms-dev/**"] }
`;

describe("a repository whose components are not under SYSTEM-COMPONENTS/", () => {
  let ws: Workspace;
  let repo: string;
  /** A config file of the workspace for `repo`, with these lines. */
  const configWith = (name: string, lines: string) => {
    const file = join(ws.dir, name);
    writeFileSync(
      file,
      `repo: ${JSON.stringify(repo)}\nenvRoot: ./root_envs\nstateFile: ./root-data/state.json\nnix:\n  nixPath: ${JSON.stringify(STAND_IN_NIX_PATH)}\n${lines}`,
    );
    return file;
  };
  const provisionWith = (config: string, args: string) =>
    ws.cli(["provision", ...args.split(" "), "--config", config]);
  beforeAll(async () => {
    ws = await createWorkspace();
    repo = join(ws.dir, "root-layout");
    await createSampleRepo(repo, ROOT_LAYOUT);
  });
  afterAll(() => ws.remove());

  it("a sparse environment of a component whose folder the commit lacks is refused, naming both, and leaves nothing", async () => {
    const config = configWith(
      "ops.yaml",
      'components:\n  hms-ops: { name: HMS-OPS, paths: ["SYSTEM-COMPONENTS/HMS-OPS/**", "ops/**"] }\n',
    );
    const result = await provisionWith(config, "--component hms-ops --branch main --sparse");
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'component hms-ops\'s folders SYSTEM-COMPONENTS/HMS-OPS, ops (from its paths SYSTEM-COMPONENTS/HMS-OPS/**, ops/**) does not exist at branch "main"',
    );
    expect(result.stderr).toContain("set components.hms-ops.paths in hms.config.yaml");
    const envRoot = join(ws.dir, "root_envs");
    expect(readdirSync(envRoot).filter((name) => name !== ".mirrors")).toEqual([]);
    const list = await ws.cli(["list", "--all", "--json", "--config", config]);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it("with the components' paths set to the root layout, the sparse checkout holds the component's folder", async () => {
    const config = configWith("root.yaml", ROOT_COMPONENTS);
    const result = await provisionWith(config, "--component hms-dev --branch main --sparse --json");
    expect(result.exitCode, result.stderr).toBe(0);
    const env = JSON.parse(result.stdout) as { workdir: string; checkout: { folders: string[] } };
    expect(env.checkout.folders).toEqual(["hms-dev"]);
    expect(existsSync(join(env.workdir, "hms-dev", "src", "index.ts"))).toBe(true);
    expect(existsSync(join(env.workdir, "hms-sme"))).toBe(false);
  });

  it("the shell's component roots are the components' folders from the config", async () => {
    const config = configWith("root.yaml", ROOT_COMPONENTS);
    const result = await provisionWith(config, "--component hms-sme --branch main --json");
    expect(result.exitCode, result.stderr).toBe(0);
    const env = JSON.parse(result.stdout) as { path: string; workdir: string };
    const shell = await execa("./launch.sh", ["--run", 'echo "$HMS_SME_ROOT"; ls "$HMS_SME_ROOT"'], {
      cwd: env.path,
      reject: false,
    });
    expect(shell.exitCode, shell.stderr).toBe(0);
    expect(shell.stdout.split("\n")).toEqual([join(env.workdir, "hms-sme"), "Gemfile", "app"]);
  });

  it("without defaultBranch, the repository's HEAD names it: doctor and triage use trunk", async () => {
    const trunk = join(ws.dir, "trunk.git");
    await execa("git", ["clone", "--quiet", "--bare", repo, trunk]);
    await execa("git", ["branch", "--quiet", "--move", "main", "trunk"], { cwd: trunk });
    const config = join(ws.dir, "trunk.yaml");
    writeFileSync(
      config,
      readFileSync(configWith("x.yaml", ""), "utf8").replace(/^repo: .*$/m, `repo: ${JSON.stringify(trunk)}`),
    );
    const doctor = await ws.cli(["doctor", "--json", "--config", config]);
    const checks = JSON.parse(doctor.stdout) as { name: string; ok: boolean; detail: string }[];
    expect(checks.find((check) => check.name === "repo")).toMatchObject({
      ok: true,
      detail: `${trunk} (trunk found, its HEAD)`,
    });
    const triage = await ws.cli(["triage", "crash in hms-dev/src/index.ts", "--json", "--config", config]);
    expect(triage.exitCode, triage.stderr).toBe(0);
    expect((JSON.parse(triage.stdout) as { paths: string }).paths).toMatch(/files of trunk at [0-9a-f]{12}/);
  });
});
