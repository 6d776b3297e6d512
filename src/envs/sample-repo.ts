import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { execa } from "execa";
import { PACKAGE_ROOT } from "../config/package-root.js";

/**
 * A small HMS monorepo: the four components under SYSTEM-COMPONENTS/, a shared library, top-level files,
 * a feature branch and a pull request ref, as GitHub keeps them (refs/pull/N/head). `hms-env demo`
 * provisions from it, and the tests use it as their origin.
 */
export interface SampleRepo {
  path: string;
  defaultBranch: string;
  featureBranch: string;
  pr: number;
  prCommit: string;
}

const FILES: Record<string, string> = {
  "README.md": "# HMS monorepo (sample made by hms-env)\n",
  Makefile: "test:\n\t@echo testing\n",
  "lib/hms-shared/logging.rb": "module HmsShared\n  module Logging; end\nend\n",
  "SYSTEM-COMPONENTS/HMS-SME/Gemfile": 'source "https://rubygems.org"\ngem "rails", "~> 7.1"\ngem "pg"\n',
  "SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb": "class User < ApplicationRecord\nend\n",
  "SYSTEM-COMPONENTS/HMS-ESR/config/esr.yml": "esr:\n  queue: default\n",
  "SYSTEM-COMPONENTS/HMS-ESR/lib/esr/router.rb": "module Esr\n  class Router; end\nend\n",
  "SYSTEM-COMPONENTS/HMS-DEV/package.json": '{ "name": "hms-dev", "private": true }\n',
  "SYSTEM-COMPONENTS/HMS-DEV/src/index.ts": "export const ready = true;\n",
  "SYSTEM-COMPONENTS/HMS-SYS/Cargo.toml": '[package]\nname = "hms-sys"\nversion = "0.1.0"\n',
  "SYSTEM-COMPONENTS/HMS-SYS/src/main.rs": 'fn main() { println!("hms-sys"); }\n',
};

/**
 * The seed's command. The sample is made by this hms-env, on this machine, so a committed link to the
 * package's own script works in the sample and in every checkout of it; a real monorepo links or copies
 * bin/provision-env.sh the same way (README, "Using it").
 */
const SEED_COMMAND = "SYSTEM-COMPONENTS/HMS-SYS/provision-env.sh";
export const PROVISION_SCRIPT = resolve(PACKAGE_ROOT, "bin", "provision-env.sh");

const AUTHOR = {
  GIT_AUTHOR_NAME: "HMS Sample",
  GIT_AUTHOR_EMAIL: "sample@hms.invalid",
  GIT_COMMITTER_NAME: "HMS Sample",
  GIT_COMMITTER_EMAIL: "sample@hms.invalid",
};

async function git(path: string, args: string[]) {
  return execa("git", args, { cwd: path, env: AUTHOR });
}

function writeFiles(root: string, files: Record<string, string>) {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
}

export async function createSampleRepo(
  path: string,
  extraFiles: Record<string, string> = {},
): Promise<SampleRepo> {
  mkdirSync(path, { recursive: true });
  await git(path, ["init", "--quiet", "--initial-branch=main"]);
  // As GitHub does: partial clones (--filter=blob:none) are served.
  await git(path, ["config", "uploadpack.allowFilter", "true"]);
  writeFiles(path, { ...FILES, ...extraFiles });
  if (!(SEED_COMMAND in extraFiles)) symlinkSync(PROVISION_SCRIPT, join(path, SEED_COMMAND));
  await git(path, ["add", "--all"]);
  await git(path, ["commit", "--quiet", "--message", "HMS monorepo"]);

  await git(path, ["checkout", "--quiet", "-b", "feature/new-feature"]);
  writeFiles(path, {
    "SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb":
      "class User < ApplicationRecord\n  validates :email, presence: true\nend\n",
  });
  await git(path, ["commit", "--quiet", "--all", "--message", "Validate user email"]);

  // A pull request's head lives under refs/pull/, outside any branch, as on GitHub.
  await git(path, ["checkout", "--quiet", "-b", "pr-head", "main"]);
  writeFiles(path, {
    "SYSTEM-COMPONENTS/HMS-DEV/src/index.ts": "export const ready = true;\nexport const pr = 123;\n",
  });
  await git(path, ["commit", "--quiet", "--all", "--message", "Fix HMS-DEV readiness"]);
  const prCommit = (await git(path, ["rev-parse", "HEAD"])).stdout.trim();
  await git(path, ["update-ref", "refs/pull/123/head", prCommit]);
  await git(path, ["checkout", "--quiet", "main"]);
  await git(path, ["branch", "--quiet", "-D", "pr-head"]);

  return { path, defaultBranch: "main", featureBranch: "feature/new-feature", pr: 123, prCommit };
}
