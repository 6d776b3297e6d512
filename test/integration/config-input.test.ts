import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billionLaughs } from "../helpers/hostile-input.js";
import { CLI, createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace();
});
afterAll(() => ws.remove());

/** The real command with a given --config; a guard timeout only, so a hang fails instead of blocking. */
const withConfig = (config: string, args: string[] = ["list"], env: Record<string, string> = {}) =>
  execa("node", [CLI, ...args, "--config", config], {
    cwd: ws.dir,
    reject: false,
    stdin: "ignore",
    timeout: 60_000,
    env: { HMS_CONFIG: "", ...env },
  });

describe("config input that is not a config file", () => {
  it("--config /dev/zero exits 2 at once, naming the device", async () => {
    const result = await withConfig("/dev/zero");
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      "hms-env list: config file /dev/zero is a device: give the path of a YAML file",
    );
  });

  it("a 20 MB file exits 2 naming its size and the limit", async () => {
    const big = join(ws.dir, "big.yaml");
    writeFileSync(big, `${"# padding\n".repeat(2_000_000)}envRoot: ./temp_envs\n`);
    const result = await withConfig(big);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `config file ${big} is 20000021 bytes; a config file may be at most 1 MiB`,
    );
  });

  it("a billion-laughs YAML exits 2, not 1, naming the alias limit", async () => {
    const laughs = join(ws.dir, "laughs.yaml");
    writeFileSync(laughs, billionLaughs());
    const result = await withConfig(laughs);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("not a usable YAML document");
    expect(result.stderr).toContain("at most 100 aliases");
  });

  it("a named pipe with no writer exits 2 instead of waiting, and a directory exits 2", async () => {
    const fifo = join(ws.dir, "pipe.yaml");
    execFileSync("mkfifo", [fifo]);
    const pipe = await withConfig(fifo);
    expect(pipe.timedOut).toBe(false);
    expect(pipe.exitCode).toBe(2);
    expect(pipe.stderr).toContain("is a named pipe");
    const dir = await withConfig(ws.dir);
    expect(dir.exitCode).toBe(2);
    expect(dir.stderr).toContain(`config file ${ws.dir} is a directory`);
  });
});

describe("an env root that would put a person's files in reach of cleanup", () => {
  const configWith = (name: string, envRoot: string) => {
    const file = join(ws.dir, name);
    writeFileSync(file, `repo: ${JSON.stringify(ws.repo.path)}\nenvRoot: ${JSON.stringify(envRoot)}\n`);
    return file;
  };

  it("envRoot: / is refused by gc --orphans (exit 2, nothing deleted) and failed by doctor", async () => {
    const config = configWith("root.yaml", "/");
    // An old folder named like an environment at /: what gc --orphans used to delete.
    let bait: string | undefined;
    try {
      accessSync("/", constants.W_OK);
      bait = join("/", `20200101_000000_hms-env-test-${process.pid}`);
      mkdirSync(bait);
      utimesSync(bait, new Date("2020-01-01"), new Date("2020-01-01"));
    } catch {
      bait = undefined; // not root: the exit code still proves nothing ran
    }
    try {
      const gc = await withConfig(config, ["gc", "--orphans"]);
      expect(gc.exitCode).toBe(2);
      expect(gc.stderr).toContain("envRoot / is the root of the file system");
      if (bait) expect(existsSync(bait)).toBe(true);
      const doctor = await withConfig(config, ["doctor"]);
      expect(doctor.exitCode).toBe(1);
      expect(doctor.stdout).toMatch(/FAIL {2}config +.*envRoot \/ is the root of the file system/);
    } finally {
      if (bait) rmSync(bait, { recursive: true, force: true });
    }
  });

  it("a system folder, or a folder in the system's trees, is refused by gc and failed by doctor", async () => {
    for (const [envRoot, reason] of [
      ["/proc", "is the system folder /proc"],
      ["/etc", "is the system folder /etc"],
      ["/usr/share/hms-envs", "is inside the system folder /usr"],
      ["/var", "is the system folder /var"],
    ]) {
      const config = configWith("system.yaml", envRoot as string);
      const gc = await withConfig(config, ["gc", "--orphans"]);
      expect(gc.exitCode, envRoot).toBe(2);
      expect(gc.stderr).toContain(`envRoot ${envRoot} ${reason}`);
      const doctor = await withConfig(config, ["doctor"]);
      expect(doctor.exitCode, envRoot).toBe(1);
      expect(doctor.stdout).toContain(reason);
    }
  });

  it("the home folder ($HOME) and the repository, or a folder above it, are refused", async () => {
    const home = join(ws.dir, "home");
    mkdirSync(home, { recursive: true });
    const atHome = await withConfig(configWith("home.yaml", home), ["gc", "--orphans"], { HOME: home });
    expect(atHome.exitCode).toBe(2);
    expect(atHome.stderr).toContain(`envRoot ${home} is the home folder ${home}`);
    const atRepo = await withConfig(configWith("repo.yaml", ws.repo.path), ["gc", "--orphans"]);
    expect(atRepo.exitCode).toBe(2);
    expect(atRepo.stderr).toContain("itself");
    const aboveRepo = await withConfig(configWith("above.yaml", ws.dir), ["doctor"]);
    expect(aboveRepo.exitCode).toBe(1);
    expect(aboveRepo.stdout).toContain(`above the repository ${ws.repo.path}`);
  });
});
