import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSampleRepo } from "../../src/envs/sample-repo.js";
import type { EnvRecord } from "../../src/store/schema.js";
import { CLI, STAND_IN_NIX_PATH } from "../helpers/workspace.js";

/**
 * The README's "inside the monorepo" case, as people have it: a developer's ordinary clone of the
 * repository on "GitHub" (a bare repository here), whose committed hms.config.yaml sets no `repo:`,
 * no `envRoot` and no `stateFile`. Branches and PRs are pushed to GitHub; the clone's own branch is
 * behind, and it has never seen refs/pull/*.
 */
const SEED_COMMAND = "./SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh";
const AUTHOR = {
  GIT_AUTHOR_NAME: "Dev",
  GIT_AUTHOR_EMAIL: "dev@hms.invalid",
  GIT_COMMITTER_NAME: "Dev",
  GIT_COMMITTER_EMAIL: "dev@hms.invalid",
};

let dir: string;
let github: string;
let clone: string;
let staleCommit: string;
let pushedCommit: string;

const git = async (cwd: string, args: string[]) =>
  (await execa("git", args, { cwd, env: AUTHOR })).stdout.trim();

/** Runs in `cwd` with no HMS_CONFIG: the configuration is the one committed in the repository. */
function seed(cwd: string, args: string[]) {
  return execa(SEED_COMMAND, args, {
    cwd,
    reject: false,
    stdin: "ignore",
    env: { HMS_CONFIG: "", USER: "dev" },
  });
}
async function hmsEnv(cwd: string, args: string[]) {
  return execa("node", [CLI, ...args], {
    cwd,
    reject: false,
    stdin: "ignore",
    env: { HMS_CONFIG: "", USER: "dev" },
  });
}
async function listed(cwd: string): Promise<EnvRecord[]> {
  const result = await hmsEnv(cwd, ["list", "--json"]);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as EnvRecord[];
}

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "hms-env-clone-")));
  const work = join(dir, "maintainer");
  // The monorepo ships its configuration: only the shells' nixpkgs (the offline stand-in), nothing else.
  await createSampleRepo(work, {
    "hms.config.yaml": `nix:\n  nixPath: ${JSON.stringify(STAND_IN_NIX_PATH)}\n`,
  });
  github = join(dir, "github", "hms-monorepo.git");
  await git(dir, ["init", "--quiet", "--bare", "--initial-branch=main", github]);
  await git(work, [
    "push",
    "--quiet",
    github,
    "refs/heads/*:refs/heads/*",
    "refs/pull/123/head:refs/pull/123/head",
  ]);

  clone = join(dir, "developer", "hms-monorepo");
  await git(dir, ["clone", "--quiet", github, clone]);
  await git(clone, ["branch", "--quiet", "feature/new-feature", "origin/feature/new-feature"]);
  staleCommit = await git(clone, ["rev-parse", "feature/new-feature"]);

  // Someone pushes to the feature branch after the developer's clone last fetched.
  await git(work, ["checkout", "--quiet", "feature/new-feature"]);
  writeFileSync(join(work, "SYSTEM-COMPONENTS", "HMS-SME", "pushed.rb"), "# pushed later\n");
  await git(work, ["add", "--all"]);
  await git(work, ["commit", "--quiet", "--message", "Pushed after the clone"]);
  await git(work, ["push", "--quiet", github, "feature/new-feature"]);
  pushedCommit = await git(work, ["rev-parse", "HEAD"]);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the seed's command in an ordinary clone, with no repo: in the config", () => {
  it("provisions the pushed branch from origin, not the clone's stale local branch", async () => {
    expect(staleCommit).not.toBe(pushedCommit);
    const result = await seed(clone, ["--component", "hms-sme", "--branch", "feature/new-feature"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`mirror .*${github.replace(/[.]/g, "\\.")} \\(origin\\)`));
    expect(result.stdout).toMatch(/is ready: hms-sme at branch feature\/new-feature/);
    const env = (await listed(clone)).find((candidate) => candidate.component === "hms-sme");
    expect(env?.commit).toBe(pushedCommit);
    expect(env?.repo).toBe(github);
    expect(existsSync(join(env?.workdir ?? "", "SYSTEM-COMPONENTS", "HMS-SME", "pushed.rb"))).toBe(true);
  });

  it("provisions --pr 123 from origin's refs/pull/123/head, which the clone never fetched", async () => {
    expect(await git(clone, ["for-each-ref", "refs/pull"])).toBe("");
    const result = await seed(clone, ["--component", "hms-dev", "--pr", "123"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/is ready: hms-dev at PR #123/);
    const env = (await listed(clone)).find((candidate) => candidate.pr === 123);
    expect(env?.commit).toBe(await git(github, ["rev-parse", "refs/pull/123/head"]));
  });

  it("keeps environments, mirror and state in the clone's git directory: git status stays clean and git clean -fdx removes nothing of them", async () => {
    const envs = await listed(clone);
    expect(envs.length).toBe(2);
    for (const env of envs)
      expect(env.path.startsWith(join(clone, ".git", "hms-env", "temp_envs"))).toBe(true);
    expect(existsSync(join(clone, ".git", "hms-env", "data", "state.json"))).toBe(true);
    expect(existsSync(join(clone, "temp_envs"))).toBe(false);
    expect(existsSync(join(clone, "data"))).toBe(false);
    expect(await git(clone, ["status", "--porcelain", "--ignored"])).toBe("");

    await git(clone, ["clean", "-fdx"]);
    const after = await listed(clone);
    expect(after.map((env) => env.id).sort()).toEqual(envs.map((env) => env.id).sort());
    for (const env of after) expect(existsSync(join(env.path, "launch.sh"))).toBe(true);
    const launched = await execa("./launch.sh", ["--run", "echo $HMS_COMPONENT"], {
      cwd: after[0]?.path ?? "",
      reject: false,
    });
    expect(launched.exitCode, launched.stderr).toBe(0);
  });

  it("uses the checkout itself when it has no origin remote, and says so on the mirror line", async () => {
    const local = join(dir, "no-origin");
    await git(dir, ["clone", "--quiet", "--no-checkout", github, local]);
    await git(local, ["remote", "remove", "origin"]);
    await git(local, ["fetch", "--quiet", github, "feature/new-feature:feature/new-feature"]);
    await git(local, ["checkout", "--quiet", "main"]);
    const result = await seed(local, ["--component", "hms-sme", "--branch", "feature/new-feature"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `${local} (this checkout has no origin remote: its own branches are used)`,
    );
    const noPr = await seed(local, ["--component", "hms-dev", "--pr", "123"]);
    expect(noPr.exitCode).toBe(2);
    expect(noPr.stderr).toContain("PR #123 (refs/pull/123/head) does not exist in the repository");
  });

  it("doctor checks the origin the environments come from", async () => {
    const result = await hmsEnv(clone, ["doctor", "--json"]);
    const checks = JSON.parse(result.stdout) as { name: string; ok: boolean; detail: string }[];
    expect(checks.find((check) => check.name === "repo")).toMatchObject({
      ok: true,
      detail: `${github} (main found, its HEAD)`,
    });
  });
});
