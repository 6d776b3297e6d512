import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { blobPaths } from "../helpers/mirror.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

/** Every file of a checkout, relative to it, without git's own `.git` file. */
function filesIn(dir: string): string[] {
  return (
    readdirSync(dir, { recursive: true, withFileTypes: true })
      // Links count as files, as git checks them out (the sample's provision-env.sh is one).
      .filter(
        (entry) =>
          (entry.isFile() || entry.isSymbolicLink()) && !(entry.parentPath === dir && entry.name === ".git"),
      )
      .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
      .sort()
  );
}

async function git(cwd: string, ...args: string[]) {
  return (await execa("git", args, { cwd, stdin: "ignore" })).stdout.trim();
}

const DEV_FILES = ["SYSTEM-COMPONENTS/HMS-DEV/package.json", "SYSTEM-COMPONENTS/HMS-DEV/src/index.ts"];
const TOP_LEVEL = ["Makefile", "README.md"];
const SHARED = ["lib/hms-shared/logging.rb"];
const ESR_FILES = ["SYSTEM-COMPONENTS/HMS-ESR/config/esr.yml", "SYSTEM-COMPONENTS/HMS-ESR/lib/esr/router.rb"];

describe("a partial mirror and a sparse environment", () => {
  let ws: Workspace;
  let env: EnvRecord;
  beforeAll(async () => {
    ws = await createWorkspace(
      "checkout:\n  alwaysInclude: [lib/hms-shared]\nlimits:\n  maxEnvsPerOwner: 20",
    );
    env = await ws.provision(["--component", "hms-dev", "--branch", "main", "--sparse"]);
  });
  afterAll(() => ws.remove());

  it("holds the component's files, the top-level files and alwaysInclude, and no other component's", () => {
    expect(filesIn(env.workdir)).toEqual([...TOP_LEVEL, ...DEV_FILES, ...SHARED].sort());
    expect(env.checkout).toEqual({
      mode: "sparse",
      folders: ["SYSTEM-COMPONENTS/HMS-DEV", "lib/hms-shared"],
    });
  });

  it("fetched commits and trees, and only the blobs of the files checked out", async () => {
    expect(await git(env.mirror, "config", "remote.origin.partialclonefilter")).toBe("blob:none");
    const missing = await blobPaths(env.mirror, env.commit ?? "", "missing");
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.every((path) => /^SYSTEM-COMPONENTS\/HMS-(SME|ESR|SYS)\//.test(path))).toBe(true);
    // The checkout is clean: git sees the other folders as outside the cone, not as deleted.
    expect(await git(env.workdir, "status", "--porcelain")).toBe("");
  });

  it("show prints the mode and the folders; doctor says the mirror is partial", async () => {
    const shown = await ws.cli(["show", env.id]);
    expect(shown.stdout).toContain(
      "checkout:   sparse: SYSTEM-COMPONENTS/HMS-DEV, lib/hms-shared, and the top-level files",
    );
    const doctor = await ws.cli(["doctor"]);
    expect(doctor.stdout).toMatch(/pass {2}mirror {4}.*: partial \(blob:none\)/);
  });

  it("launch.sh enters the shell in the sparse checkout as it does in a full one", async () => {
    const result = await execa(join(env.path, "launch.sh"), ["--run", 'echo "$HMS_DEV_ROOT"; ls'], {
      reject: false,
      stdin: "ignore",
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.trim().split("\n")).toEqual([
      env.workdir,
      "Makefile",
      "README.md",
      "SYSTEM-COMPONENTS",
      "lib",
    ]);
  });

  it("widen adds a folder: its files arrive on disk and the record and show list it", async () => {
    const result = await ws.cli(["widen", env.id, "SYSTEM-COMPONENTS/HMS-ESR/"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      "sparse: SYSTEM-COMPONENTS/HMS-DEV, SYSTEM-COMPONENTS/HMS-ESR, lib/hms-shared",
    );
    expect(filesIn(env.workdir)).toEqual([...TOP_LEVEL, ...DEV_FILES, ...ESR_FILES, ...SHARED].sort());
    const listed = JSON.parse((await ws.cli(["show", env.id, "--json"])).stdout) as EnvRecord;
    expect(listed.checkout?.folders).toEqual([
      "SYSTEM-COMPONENTS/HMS-DEV",
      "SYSTEM-COMPONENTS/HMS-ESR",
      "lib/hms-shared",
    ]);
    expect(await git(env.workdir, "status", "--porcelain")).toBe("");
  });

  it.each([
    [["../etc"], '".."'],
    [["/etc"], "absolute"],
    [["--", "--cone"], "option"],
    [["SYSTEM-COMPONENTS/*"], "patterns"],
    [["SYSTEM-COMPONENTS/HMS-SYS", "nowhere"], "no folder nowhere at commit"],
    [["SYSTEM-COMPONENTS/HMS-SYS/Cargo.toml"], "is a file, not a folder"],
  ])("widen %j is refused with exit 2 and changes nothing", async (paths, message) => {
    const before = filesIn(env.workdir);
    const sparseFile = join(env.mirror, "worktrees", "checkout", "info", "sparse-checkout");
    const patterns = readFileSync(sparseFile, "utf8");
    const result = await ws.cli(["widen", env.id, ...paths]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(filesIn(env.workdir)).toEqual(before);
    expect(readFileSync(sparseFile, "utf8")).toBe(patterns);
  });

  it("widen of a full environment, or without a folder, is refused", async () => {
    const full = await ws.provision(["--component", "hms-sys", "--branch", "main"]);
    expect(full.checkout).toEqual({ mode: "full", folders: [] });
    const refused = await ws.cli(["widen", full.id, "lib"]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("is a full checkout");
    expect((await ws.cli(["widen", env.id])).exitCode).toBe(2);
    expect((await ws.cli(["cleanup", full.id])).exitCode).toBe(0);
  });

  it("--sparse and --full together are refused before anything is made", async () => {
    const result = await ws.cli([
      "provision",
      "--component",
      "hms-dev",
      "--branch",
      "main",
      "--sparse",
      "--full",
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("either --sparse or --full");
  });

  it("a later fetch is incremental: the new pack holds the new commit only", async () => {
    const packs = () =>
      readdirSync(join(env.mirror, "objects", "pack")).filter((name) => name.endsWith(".idx"));
    const before = new Set(packs());
    writeFileSync(join(ws.repo.path, "SYSTEM-COMPONENTS/HMS-DEV/src/index.ts"), "export const ready = 2;\n");
    await execa("git", ["commit", "--quiet", "--all", "--message", "next"], {
      cwd: ws.repo.path,
      env: {
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@t",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@t",
      },
    });
    const next = await ws.provision(["--component", "hms-dev", "--branch", "main", "--sparse"]);
    expect(next.commit).not.toBe(env.commit);
    expect(readFileSync(join(next.workdir, "SYSTEM-COMPONENTS/HMS-DEV/src/index.ts"), "utf8")).toContain("2");
    let commits = 0;
    for (const idx of packs().filter((name) => !before.has(name))) {
      const listing = await git(env.mirror, "verify-pack", "-v", join(env.mirror, "objects", "pack", idx));
      commits += listing.split("\n").filter((line) => / commit /.test(line)).length;
    }
    expect(commits).toBe(1);
    expect((await ws.cli(["cleanup", next.id])).exitCode).toBe(0);
  });

  it("cleanup removes the sparse worktree and its settings from the mirror", async () => {
    expect((await ws.cli(["cleanup", env.id])).exitCode).toBe(0);
    expect(await git(env.mirror, "worktree", "list", "--porcelain")).not.toContain(env.workdir);
    expect(readdirSync(env.mirror)).not.toContain("worktrees");
  });
});

describe("sparse and full environments at once", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace("limits:\n  maxEnvsPerOwner: 20");
  });
  afterAll(() => ws.remove());

  it("share one mirror, and each holds exactly its own files", async () => {
    const runs: [string[], RegExp][] = [
      [["--component", "hms-dev", "--sparse"], /^(Makefile|README\.md|SYSTEM-COMPONENTS\/HMS-DEV\/.*)$/],
      [["--component", "hms-sme", "--full"], /.*/],
      [["--component", "hms-sys", "--sparse"], /^(Makefile|README\.md|SYSTEM-COMPONENTS\/HMS-SYS\/.*)$/],
      [["--component", "all", "--sparse"], /^(Makefile|README\.md|SYSTEM-COMPONENTS\/.*)$/],
    ];
    const envs = await Promise.all(runs.map(([args]) => ws.provision([...args, "--branch", "main"])));
    expect(new Set(envs.map((env) => env.mirror)).size).toBe(1);
    const everything = (await git(ws.repo.path, "ls-files")).split("\n").sort();
    envs.forEach((env, index) => {
      const files = filesIn(env.workdir);
      const pattern = runs[index]?.[1] ?? /$^/;
      expect(files.length).toBeGreaterThan(2);
      expect(
        files.every((file) => pattern.test(file)),
        `${env.component}: ${files.join(", ")}`,
      ).toBe(true);
      // Sparse environments hold every file of their folders; the full one holds every file.
      expect(files).toEqual(everything.filter((file) => pattern.test(file)));
    });
    for (const env of envs) expect(await git(env.workdir, "status", "--porcelain")).toBe("");
    for (const env of envs) expect((await ws.cli(["cleanup", env.id])).exitCode).toBe(0);
    expect(await git(envs[0]?.mirror ?? "", "worktree", "list")).not.toContain("checkout");
  });
});

describe("a remote that refuses filters", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace();
    await execa("git", ["config", "uploadpack.allowFilter", "false"], { cwd: ws.repo.path });
  });
  afterAll(() => ws.remove());

  it("gets a full mirror, says so in doctor, and still gives sparse environments", async () => {
    const before = await ws.cli(["doctor"]);
    expect(before.stdout).toContain("first provision makes it full: the remote does not allow filters");
    const env = await ws.provision(["--component", "hms-esr", "--branch", "main", "--sparse"]);
    expect(filesIn(env.workdir)).toEqual([...TOP_LEVEL, ...ESR_FILES].sort());
    expect(await blobPaths(env.mirror, env.commit ?? "", "missing")).toEqual([]);
    const config = await execa("git", ["config", "remote.origin.partialclonefilter"], {
      cwd: env.mirror,
      reject: false,
    });
    expect(config.exitCode).toBe(1);
    const after = await ws.cli(["doctor"]);
    expect(after.stdout).toMatch(/mirror {4}.*: full: the remote does not allow filters/);
  });

  it("a partial mirror whose remote stops allowing filters fetches in full from then on", async () => {
    const own = await createWorkspace();
    try {
      const first = await own.provision(["--component", "hms-dev", "--branch", "main", "--sparse"]);
      expect((await blobPaths(first.mirror, first.commit ?? "", "missing")).length).toBeGreaterThan(0);
      await execa("git", ["config", "uploadpack.allowFilter", "false"], { cwd: own.repo.path });
      const pr = await own.provision(["--component", "hms-dev", "--pr", "123", "--sparse"]);
      expect(filesIn(pr.workdir)).toEqual([...TOP_LEVEL, ...DEV_FILES].sort());
      expect((await own.cli(["doctor"])).stdout).toContain("full: the remote does not allow filters");
      // Blobs the earlier, filtered fetch left out still arrive from the remote when a checkout needs them.
      const full = await own.provision(["--component", "hms-sme", "--branch", "main", "--full"]);
      expect(filesIn(full.workdir)).toContain("SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb");
    } finally {
      own.remove();
    }
  });

  it("a file:// URL gets a partial mirror just as the plain path does", async () => {
    const own = await createWorkspace();
    try {
      const url = `file://${own.repo.path}`;
      const config = readFileSync(own.configFile, "utf8").replace(
        /^repo: .*$/m,
        `repo: ${JSON.stringify(url)}`,
      );
      writeFileSync(own.configFile, config);
      const env = await own.provision(["--component", "hms-sys", "--branch", "main", "--sparse"]);
      expect(env.repo).toBe(`file://${own.repo.path}`);
      expect(await blobPaths(env.mirror, env.commit ?? "", "missing")).toContain(DEV_FILES[0]);
      expect(filesIn(env.workdir)).toContain("SYSTEM-COMPONENTS/HMS-SYS/Cargo.toml");
    } finally {
      own.remove();
    }
  });

  it("mirror.partialClone: false makes a full mirror even where filters are allowed", async () => {
    const own = await createWorkspace("mirror:\n  partialClone: false");
    try {
      const env = await own.provision(["--component", "hms-dev", "--branch", "main", "--sparse"]);
      expect(await blobPaths(env.mirror, env.commit ?? "", "missing")).toEqual([]);
      expect((await own.cli(["doctor"])).stdout).toContain("full: mirror.partialClone is false");
    } finally {
      own.remove();
    }
  });
});
