import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { worktrees } from "../helpers/mirror.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;

beforeAll(async () => {
  ws = await createWorkspace("limits:\n  maxEnvsPerOwner: 20");
});
afterAll(() => ws.remove());

async function launch(env: EnvRecord, command: string, extraEnv: Record<string, string> = {}) {
  return execa(join(env.path, "launch.sh"), ["--run", command], {
    reject: false,
    env: extraEnv,
    stdin: "ignore",
  });
}

describe("hms-env provision --branch", () => {
  let env: EnvRecord;
  beforeAll(async () => {
    env = await ws.provision([
      "--component",
      "hms-sme",
      "--branch",
      "feature/new-feature",
      "--timeout",
      "8h",
    ]);
  });

  it("records the environment with every field the JSON promises", async () => {
    expect(env).toMatchObject({
      component: "hms-sme",
      components: ["hms-sme"],
      branch: "feature/new-feature",
      pr: null,
      owner: "tester",
      status: "ready",
      workdir: join(env.path, "checkout"),
    });
    expect(env.id).toMatch(/^env-[0-9a-f]{8}$/);
    expect(env.path.startsWith(`${ws.envRoot}/`)).toBe(true);
    expect(env.path).toMatch(/\/\d{8}_\d{6}_hms-sme_feature_new-feature$/);
    const branchHead = (await execa("git", ["rev-parse", "feature/new-feature"], { cwd: ws.repo.path }))
      .stdout;
    expect(env.commit).toBe(branchHead);
    expect(Date.parse(env.expiresAt) - Date.parse(env.createdAt)).toBe(8 * 3600_000);
  });

  it("lays out a self-contained environment folder", () => {
    for (const name of [
      "launch.sh",
      "cleanup.sh",
      "hms-env.nix",
      "data/root_cause.json",
      ".envrc",
      ".hms-env/env.json",
    ]) {
      expect(existsSync(join(env.path, name)), name).toBe(true);
    }
    expect(statSync(join(env.path, "launch.sh")).mode & 0o111).toBe(0o111);
    expect(statSync(join(env.path, "cleanup.sh")).mode & 0o111).toBe(0o111);
    expect(readFileSync(join(env.workdir, "SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb"), "utf8")).toContain(
      "validates :email",
    );
    expect(readFileSync(join(env.path, ".envrc"), "utf8")).toContain("watch_file");
    for (const name of ["pkgs.nix", "nixpkgs.json", ".hms-env/shell-env.sh"]) {
      expect(existsSync(join(env.path, name)), name).toBe(true);
    }
  });

  it("checks out a detached worktree of the shared mirror", async () => {
    const list = await worktrees(
      join(
        ws.envRoot,
        ".mirrors",
        readdirSync(join(ws.envRoot, ".mirrors")).find((n) => n.endsWith(".git")) ?? "",
      ),
    );
    expect(list).toContain(`worktree ${env.workdir}`);
    expect(list).toContain("detached");
  });

  it("keeps one GC root, on the built shell, inside the environment", () => {
    const roots = join(env.path, ".hms-env", "gcroots");
    expect(readdirSync(roots)).toEqual(["shell"]);
    expect(env.shell).toMatch(/^\/nix\/store\/[a-z0-9]{32}-hms-env-hms-sme$/);
    expect(readlinkSync(join(roots, "shell"))).toBe(env.shell);
    expect(existsSync(env.shell ?? "")).toBe(true);
  });

  it("launch.sh enters the component's Nix shell in the checkout with the seed's variables", async () => {
    const result = await launch(
      env,
      'echo "$HMS_COMPONENT|$HMS_DEV_ROOT|$HMS_ROOT_CAUSE_DB|$RAILS_ENV|$PWD"; command -v ruby',
    );
    expect(result.exitCode).toBe(0);
    const [vars, ruby] = result.stdout.trim().split("\n");
    expect(vars).toBe(
      `HMS-SME|${env.workdir}|${join(env.path, "data", "root_cause.json")}|development|${env.workdir}`,
    );
    expect(ruby).toMatch(/^\/nix\/store\/.*\/bin\/ruby$/);
  });

  it("launch.sh passes its arguments on to nix-shell", async () => {
    const result = await execa(
      join(env.path, "launch.sh"),
      ["--pure", "--run", "echo pure:$HMS_COMPONENT; exit 7"],
      {
        reject: false,
        stdin: "ignore",
      },
    );
    expect(result.stdout.trim()).toBe("pure:HMS-SME");
    expect(result.exitCode).toBe(7);
  });
});

describe("hms-env provision --pr and --component all", () => {
  it("checks out the PR head into a pr-N folder and reuses the mirror", async () => {
    const env = await ws.provision(["--component", "all", "--pr", "123"]);
    expect(env.path).toMatch(/_all_pr-123$/);
    expect(env.commit).toBe(ws.repo.prCommit);
    expect(env.components).toEqual(["hms-sme", "hms-esr", "hms-dev", "hms-sys"]);
    expect(readdirSync(join(ws.envRoot, ".mirrors")).filter((name) => name.endsWith(".git"))).toHaveLength(1);
    expect(Date.parse(env.expiresAt) - Date.parse(env.createdAt)).toBe(24 * 3600_000);

    const result = await launch(
      env,
      'echo "$HMS_COMPONENT|$HMS_COMPONENTS|$NODE_ENV"; command -v protoc node ruby',
    );
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toBe("all|HMS-SME HMS-ESR HMS-DEV HMS-SYS|development");
    expect(lines.slice(1).every((line) => line.startsWith("/nix/store/"))).toBe(true);
  });

  it("prints progress lines with times and the launch instructions for a person", async () => {
    const result = await ws.cli(["provision", "--component", "hms-dev", "--branch", "main"]);
    expect(result.exitCode).toBe(0);
    for (const step of ["mirror", "fetch", "worktree", "files", "nix"]) {
      expect(result.stderr).toMatch(new RegExp(`^  ${step}\\s+\\d+ ms`, "m"));
    }
    expect(result.stdout).toContain("./launch.sh");
    expect(result.stdout).toContain("./cleanup.sh");
    expect(result.stdout).toMatch(/cd .*_hms-dev_main\n/);
  });
});

describe("several provisionings at once", () => {
  it("share the mirror safely and give same-second clashes a suffix", async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        ws.cli(["provision", "--component", "hms-esr", "--branch", "feature/new-feature", "--json"]),
      ),
    );
    for (const result of results) expect(result.exitCode, result.stderr).toBe(0);
    const envs = results.map((result) => JSON.parse(result.stdout) as EnvRecord);
    expect(new Set(envs.map((env) => env.path)).size).toBe(3);
    expect(new Set(envs.map((env) => env.id)).size).toBe(3);
    for (const env of envs) {
      expect(env.path).toMatch(/_hms-esr_feature_new-feature(_[23])?$/);
      expect(existsSync(join(env.workdir, "SYSTEM-COMPONENTS"))).toBe(true);
    }
    for (const env of envs) expect((await ws.cli(["cleanup", env.id])).exitCode).toBe(0);
  });
});

describe("odd but valid branch names", () => {
  const hostile = [
    "feature/it's",
    "fix/ünïcødé-名前",
    "feature/$(touch${IFS}PWNED)",
    'x/`touch${IFS}PWNED2`;a|b&c"d',
  ];
  beforeAll(async () => {
    for (const branch of hostile) await execa("git", ["branch", branch, "main"], { cwd: ws.repo.path });
  });

  it.each(hostile)("provisions %s and its scripts stay safe", async (branch) => {
    const env = await ws.provision(["--component", "hms-dev", "--branch", branch]);
    expect(env.branch).toBe(branch);
    expect(env.path.slice(ws.envRoot.length)).toMatch(/^\/[A-Za-z0-9._-]+$/);
    const result = await launch(env, "echo launched");
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe("launched");
    const cleanup = await execa(join(env.path, "cleanup.sh"), [], { reject: false, stdin: "ignore" });
    expect(cleanup.exitCode).toBe(0);
    for (const marker of ["PWNED", "PWNED2"]) {
      expect(existsSync(join(ws.dir, marker))).toBe(false);
      expect(existsSync(join(env.workdir, marker))).toBe(false);
      expect(existsSync(join(env.path, marker))).toBe(false);
    }
  });
});

describe("launch.sh without Nix", () => {
  it("enters from the cached environment, and says how to install Nix when it must evaluate", async () => {
    const env = await ws.provision(["--component", "hms-esr", "--branch", "main"]);
    const launchWithout = (args: string[]) =>
      execa("/bin/bash", [join(env.path, "launch.sh"), ...args], {
        reject: false,
        env: { PATH: "/nonexistent" },
        extendEnv: false,
        stdin: "ignore",
      });
    const cached = await launchWithout(["--run", 'echo "$HMS_COMPONENT $PWD"']);
    expect(cached.stdout).toBe(`HMS-ESR ${env.workdir}`);
    expect(cached.exitCode).toBe(0);
    const fresh = await launchWithout(["--fresh"]);
    expect(fresh.exitCode).toBe(127);
    expect(fresh.stderr).toContain("nix-shell was not found");
    expect(fresh.stderr).toContain("https://nixos.org/nix/install");
  });
});

describe("cleanup.sh", () => {
  it("removes the worktree through git, the folder and its GC roots, and marks the record cleaned", async () => {
    const env = await ws.provision(["--component", "hms-sys", "--branch", "main"]);
    const mirrorList = async () => worktrees(env.mirror);
    expect(await mirrorList()).toContain(env.workdir);
    const result = await execa(join(env.path, "cleanup.sh"), [], { reject: false, stdin: "ignore" });
    expect(result.exitCode).toBe(0);
    expect(existsSync(env.path)).toBe(false);
    expect(await mirrorList()).not.toContain(env.workdir);
    const refs = (await execa("git", ["for-each-ref", "refs/hms-env/"], { cwd: env.mirror })).stdout;
    expect(refs).not.toContain(env.id);
    const shown = JSON.parse((await ws.cli(["show", env.id, "--json"])).stdout) as EnvRecord;
    expect(shown).toMatchObject({ status: "cleaned", cleanReason: "manual" });
  });
});
