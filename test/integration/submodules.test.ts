import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSampleRepo } from "../../src/envs/sample-repo.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

/**
 * HMS-DEV vendors a library as a submodule, the way GitHub repositories do: `.gitmodules` names it by a
 * URL relative to the monorepo's own (`../hms-vendor.git`), both repositories bare on "GitHub".
 */
const AUTHOR = {
  GIT_AUTHOR_NAME: "Dev",
  GIT_AUTHOR_EMAIL: "dev@hms.invalid",
  GIT_COMMITTER_NAME: "Dev",
  GIT_COMMITTER_EMAIL: "dev@hms.invalid",
};
/** git refuses local-path submodules unless told (CVE-2022-39253); GitHub's https/ssh URLs need nothing. */
const ALLOW_FILE = {
  GIT_CONFIG_COUNT: "1",
  GIT_CONFIG_KEY_0: "protocol.file.allow",
  GIT_CONFIG_VALUE_0: "always",
};
const VENDORED = "SYSTEM-COMPONENTS/HMS-DEV/vendor";

const git = async (cwd: string, args: string[]) =>
  (await execa("git", args, { cwd, env: { ...AUTHOR, ...ALLOW_FILE } })).stdout.trim();

let ws: Workspace;
let github: string;
beforeAll(async () => {
  ws = await createWorkspace();
  github = join(ws.dir, "github");
  const vendor = join(ws.dir, "vendor-work");
  await git(ws.dir, ["init", "--quiet", "--initial-branch=main", vendor]);
  writeFileSync(join(vendor, "vendored.js"), "export const vendored = true;\n");
  await git(vendor, ["add", "--all"]);
  await git(vendor, ["commit", "--quiet", "--message", "Vendor library"]);
  await git(ws.dir, ["clone", "--quiet", "--bare", vendor, join(github, "hms-vendor.git")]);

  const work = join(ws.dir, "mono-work");
  await createSampleRepo(work);
  await git(work, ["remote", "add", "origin", join(github, "hms-monorepo.git")]);
  await git(work, ["submodule", "add", "--quiet", "../hms-vendor.git", VENDORED]);
  await git(work, ["commit", "--quiet", "--message", "Vendor a library into HMS-DEV"]);
  await git(ws.dir, ["init", "--quiet", "--bare", "--initial-branch=main", join(github, "hms-monorepo.git")]);
  await git(work, ["push", "--quiet", "origin", "main"]);
}, 60_000);
afterAll(() => ws.remove());

/** hms-env with these space-separated arguments, on the "GitHub" monorepo. */
function hmsEnv(args: string, env: Record<string, string> = {}) {
  return ws.cli([...args.split(" "), "--config", configFor()], { env });
}
async function provision(args: string): Promise<{ workdir: string }> {
  const result = await hmsEnv(`provision ${args} --json`, ALLOW_FILE);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { workdir: string };
}
function configFor(): string {
  const file = join(ws.dir, "github.yaml");
  writeFileSync(
    file,
    readFileSync(ws.configFile, "utf8").replace(
      /^repo: .*$/m,
      `repo: ${JSON.stringify(join(github, "hms-monorepo.git"))}`,
    ),
  );
  return file;
}

describe("a checkout with submodules", () => {
  it("has them checked out, from the URL relative to the repository's, and says how many", async () => {
    const result = await hmsEnv("provision --component hms-dev --branch main", ALLOW_FILE);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /submodules\s+\d+ ms\s+1 initialised \(git submodule update --init --recursive\)/,
    );
    const list = await hmsEnv("list --json");
    const [env] = JSON.parse(list.stdout) as { id: string; workdir: string; path: string }[];
    expect(readFileSync(join(env?.workdir ?? "", VENDORED, "vendored.js"), "utf8")).toContain("vendored");
    expect(await git(join(env?.workdir ?? "", VENDORED), ["status", "--porcelain"])).toBe("");

    const cleaned = await hmsEnv(`cleanup ${env?.id}`);
    expect(cleaned.exitCode, cleaned.stderr).toBe(0);
    expect(existsSync(env?.path ?? "")).toBe(false);
  });

  it("in a sparse checkout: the submodules inside its folders only", async () => {
    const dev = await provision("--component hms-dev --branch main --sparse");
    expect(existsSync(join(dev.workdir, VENDORED, "vendored.js"))).toBe(true);
    const sme = await provision("--component hms-sme --branch main --sparse");
    expect(existsSync(join(sme.workdir, VENDORED))).toBe(false);
  });

  it("a submodule that cannot be fetched fails the provisioning with git's reason, leaving nothing", async () => {
    const result = await hmsEnv("provision --component hms-dev --branch main");
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`cannot check out the submodules ${VENDORED}`);
    expect(result.stderr).toMatch(/transport 'file' not allowed/);
    const list = await hmsEnv("list --json");
    expect((JSON.parse(list.stdout) as { component: string }[]).map((env) => env.component).sort()).toEqual([
      "hms-dev",
      "hms-sme",
    ]);
  });
});
