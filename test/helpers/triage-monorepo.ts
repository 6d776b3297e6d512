import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll } from "vitest";
import { createRepositoryFiles } from "../../src/bugs/repository-files.js";
import { loadConfig } from "../../src/config/load.js";
import { createGit } from "../../src/envs/git.js";
import { createSampleRepo } from "../../src/envs/sample-repo.js";
import type { FileIndex } from "../../src/triage/file-index.js";
import { testProcess } from "./host.js";

const FILE_LIST = resolve(import.meta.dirname, "..", "fixtures", "triage", "monorepo-files.txt");

/** The files of the generated HMS monorepo the pasted reports are triaged against. */
export function monorepoFiles(): string[] {
  return readFileSync(FILE_LIST, "utf8")
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** A real git repository (the sample monorepo plus monorepo-files.txt) at `dir`/origin. */
export async function createTriageMonorepo(dir: string): Promise<string> {
  const files = Object.fromEntries(monorepoFiles().map((file) => [file, `# ${file}\n`]));
  return (await createSampleRepo(join(dir, "origin"), files)).path;
}

/** A config in `dir` whose repo is `origin`, and the repository-files loader triage uses with it. */
export function repositoryFilesFor(dir: string, origin: string, extra = "") {
  writeFileSync(join(dir, "hms.config.yaml"), `repo: ${JSON.stringify(origin)}\nenvRoot: ./envs\n${extra}`);
  const config = loadConfig({ explicitPath: join(dir, "hms.config.yaml"), envPath: undefined, cwd: dir });
  return createRepositoryFiles({ config, git: createGit({ holder: testProcess() }) });
}

/**
 * For a describe block: the generated monorepo is made once before its tests and removed after them;
 * the returned function gives its file index.
 */
export function useTriageMonorepoIndex(): () => FileIndex {
  let dir: string | undefined;
  let index: FileIndex | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hms-monorepo-"));
    index = await triageMonorepoIndex(dir);
  }, 60_000);
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (index === undefined) throw new Error("the monorepo's index is made in beforeAll");
    return index;
  };
}

/** The file index of the generated monorepo's default branch, listed from a real mirror. */
export async function triageMonorepoIndex(dir: string): Promise<FileIndex> {
  const origin = await createTriageMonorepo(dir);
  const { index } = await repositoryFilesFor(dir, origin).refresh();
  if (index === undefined) throw new Error("the generated monorepo gave no file index");
  return index;
}

/** Commits `files` on the origin's default branch, as a developer pushing would. */
export async function commitToOrigin(origin: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(origin, name)), { recursive: true });
    writeFileSync(join(origin, name), content);
  }
  const env = {
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@t",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@t",
  };
  await execa("git", ["add", "--all"], { cwd: origin, env });
  await execa("git", ["commit", "--quiet", "--message", "more files"], { cwd: origin, env });
}
