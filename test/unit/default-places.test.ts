import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commonGitDir } from "../../src/config/default-places.js";
import { loadConfig } from "../../src/config/load.js";
import { makeEnvRoot } from "../../src/envs/env-root-folder.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "hms-env-places-")));
  made.push(dir);
  return dir;
}
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@t",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@t",
    },
  }).trim();
function repository(): string {
  const repo = join(tempDir(), "monorepo");
  mkdirSync(repo);
  git(repo, "init", "--quiet", "--initial-branch=main");
  writeFileSync(join(repo, "README.md"), "x\n");
  git(repo, "add", "README.md");
  git(repo, "commit", "--quiet", "-m", "x");
  return repo;
}

describe("where the env root and the state file go when the config does not say", () => {
  it("inside a checkout: the git directory's hms-env folder, from any folder of it", () => {
    const repo = repository();
    mkdirSync(join(repo, "sub", "dir"), { recursive: true });
    for (const cwd of [repo, join(repo, "sub", "dir")]) {
      const config = loadConfig({ cwd });
      expect(config.envRoot).toBe(join(repo, ".git", "hms-env", "temp_envs"));
      expect(config.stateFile).toBe(join(repo, ".git", "hms-env", "data", "state.json"));
      expect(config.cacheDir).toBe(join(repo, ".git", "hms-env", "temp_envs", ".mirrors"));
    }
  });

  it("in a linked worktree: the git directory all worktrees share", () => {
    const repo = repository();
    const linked = join(repo, "..", "linked");
    git(repo, "worktree", "add", "--quiet", "--detach", linked);
    expect(commonGitDir(linked)).toBe(join(repo, ".git"));
    expect(loadConfig({ cwd: linked }).envRoot).toBe(join(repo, ".git", "hms-env", "temp_envs"));
  });

  it("outside a checkout, or where an earlier version's ./data/state.json is: ./temp_envs and ./data/state.json", () => {
    const plain = tempDir();
    expect(loadConfig({ cwd: plain })).toMatchObject({
      envRoot: join(plain, "temp_envs"),
      stateFile: join(plain, "data", "state.json"),
    });
    const repo = repository();
    mkdirSync(join(repo, "data"));
    writeFileSync(join(repo, "data", "state.json"), "{}");
    expect(loadConfig({ cwd: repo })).toMatchObject({
      envRoot: join(repo, "temp_envs"),
      stateFile: join(repo, "data", "state.json"),
    });
  });

  it("set in the config, they are taken as written", () => {
    const repo = repository();
    writeFileSync(join(repo, "hms.config.yaml"), "envRoot: ./envs\nstateFile: ./state/s.json\n");
    expect(loadConfig({ cwd: repo })).toMatchObject({
      envRoot: join(repo, "envs"),
      stateFile: join(repo, "state", "s.json"),
    });
  });
});

describe("an env root made inside a working tree", () => {
  it("ignores itself: git add -A takes nothing of it and git status stays clean", () => {
    const repo = repository();
    const root = join(repo, "temp_envs");
    makeEnvRoot(root);
    mkdirSync(join(root, ".mirrors", "m.git"), { recursive: true });
    writeFileSync(join(root, ".mirrors", "m.git", "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(join(root, "launch.sh"), "#!/bin/sh\n");
    git(repo, "add", "-A");
    expect(git(repo, "status", "--porcelain")).toBe("");
  });

  it("outside a working tree, or already there, is left as it is", () => {
    const plain = join(tempDir(), "envs");
    makeEnvRoot(plain);
    expect(existsSync(join(plain, ".gitignore"))).toBe(false);
    const repo = repository();
    mkdirSync(join(repo, "temp_envs"));
    makeEnvRoot(join(repo, "temp_envs"));
    expect(existsSync(join(repo, "temp_envs", ".gitignore"))).toBe(false);
  });
});
