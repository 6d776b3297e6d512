import { copyFileSync, existsSync, lstatSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { delimiter, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, createWorkspace, PROJECT_ROOT, type Workspace } from "../helpers/workspace.js";

/**
 * The seed's exact command, `./SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh ...`, run from a monorepo's
 * root as a person would: through the sample's committed link, in a clone of it, and as a plain copy
 * that finds `hms-env` on PATH.
 */
const SEED_COMMAND = "./SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh";
const SCRIPT = join(PROJECT_ROOT, "bin", "provision-env.sh");

let ws: Workspace;
/** PATH without any hms-env on it: only the folders node, git and nix live in. */
let barePath: string;

beforeAll(async () => {
  ws = await createWorkspace();
  barePath = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => !existsSync(join(dir, "hms-env")))
    .join(delimiter);
});
afterAll(() => ws.remove());

function seed(cwd: string, args: string[], path = barePath) {
  return execa(SEED_COMMAND, args, {
    cwd,
    reject: false,
    stdin: "ignore",
    env: { HMS_CONFIG: ws.configFile, USER: "tester", PATH: path },
  });
}

/** What `npm link` (or `npm install -g /path/to/hms-env`) puts on PATH: a bin folder with a link to dist/cli.js. */
function npmLinkedBin(): string {
  const bin = join(ws.dir, "global", "bin");
  mkdirSync(bin, { recursive: true });
  symlinkSync(CLI, join(bin, "hms-env"));
  return bin;
}

async function clone(name: string): Promise<string> {
  const dir = join(ws.dir, name);
  await execa("git", ["clone", "--quiet", ws.repo.path, dir]);
  return dir;
}

describe("the seed's provision-env.sh in a monorepo", () => {
  it("ships in the sample monorepo as a committed link that runs the seed's command", async () => {
    const link = join(ws.repo.path, SEED_COMMAND);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    const mode = await execa("git", ["ls-files", "--stage", SEED_COMMAND], { cwd: ws.repo.path });
    expect(mode.stdout).toMatch(/^120000 /);

    const result = await seed(ws.repo.path, ["--component", "hms-sme", "--branch", "feature/new-feature"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/is ready: hms-sme at branch feature\/new-feature/);
    expect(result.stdout).toMatch(/cd .*_hms-sme_feature_new-feature/);
  });

  it("works in a clone of the monorepo, where git recreates the link", async () => {
    const checkout = await clone("clone-link");
    const result = await seed(checkout, ["--component", "all", "--pr", "123", "--timeout", "8h"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/is ready: all at PR #123/);
    const list = await ws.cli(["list", "--json"]);
    const all = (
      JSON.parse(list.stdout) as { component: string; createdAt: string; expiresAt: string }[]
    ).find((env) => env.component === "all");
    expect(all).toBeDefined();
    const hours = (Date.parse(all?.expiresAt ?? "") - Date.parse(all?.createdAt ?? "")) / 3_600_000;
    expect(hours).toBeCloseTo(8, 1);
  });

  it("follows a chain of links, relative ones included, to the hms-env package", async () => {
    const checkout = await clone("clone-chain");
    const tools = join(checkout, "tools");
    mkdirSync(tools);
    symlinkSync(SCRIPT, join(tools, "provision-env.sh"));
    rmSync(join(checkout, SEED_COMMAND));
    symlinkSync("../../tools/provision-env.sh", join(checkout, SEED_COMMAND));
    // A component hms-env does not know: refused by hms-env itself, which proves it was found and run.
    const result = await seed(checkout, ["--component", "hms-nope", "--branch", "main"]);
    expect(result.stderr).not.toContain("not found");
    expect(result.stderr).toContain("hms-nope");
    expect(result.exitCode).toBe(2);
  });

  it("as a copy, runs the hms-env on PATH, and says how to install it when there is none", async () => {
    const checkout = await clone("clone-copy");
    rmSync(join(checkout, SEED_COMMAND));
    copyFileSync(SCRIPT, join(checkout, SEED_COMMAND));
    expect(lstatSync(join(checkout, SEED_COMMAND)).isSymbolicLink()).toBe(false);

    const missing = await seed(checkout, ["--component", "hms-dev", "--pr", "123"]);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain("the hms-env command was not found on PATH");
    expect(missing.stderr).toContain("not on the npm registry");
    expect(missing.stderr).toContain("npm link");
    expect(missing.stderr).not.toContain("npm install -g hms-env");

    const onPath = `${npmLinkedBin()}${delimiter}${barePath}`;
    const result = await seed(checkout, ["--component", "hms-dev", "--pr", "123"], onPath);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/is ready: hms-dev at PR #123/);
  });
});

describe("the seed's command in `hms-env demo --keep`'s sample monorepo", () => {
  it("is printed, and runs as printed", async () => {
    const demo = await execa("node", [CLI, "demo", "--keep"], {
      reject: false,
      stdin: "ignore",
      env: { USER: "tester", HMS_CONFIG: "" },
    });
    const kept = /sample monorepo and hms.config.yaml in (\S+)/.exec(demo.stderr)?.[1] ?? "";
    try {
      expect(demo.exitCode, demo.stderr).toBe(0);
      const line = /^ {2}(cd .*provision-env\.sh .*)$/m.exec(demo.stdout)?.[1] ?? "";
      expect(line).toContain("./SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh --component hms-sme");
      const result = await execa("bash", ["-c", line], {
        reject: false,
        stdin: "ignore",
        env: { USER: "tester", PATH: barePath },
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toContain("is ready: hms-sme at branch feature/new-feature");
    } finally {
      if (kept !== "") rmSync(kept, { recursive: true, force: true });
    }
  });
});
