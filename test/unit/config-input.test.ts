import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_CONFIG_BYTES, readConfigText } from "../../src/config/config-file.js";
import { checkEnvRoot, enclosingCheckout, realPathOf } from "../../src/config/env-root.js";
import { loadConfig, parseConfigText } from "../../src/config/load.js";
import { billionLaughs } from "../helpers/hostile-input.js";
import { expectHmsError, useTempDir } from "./support.js";

const tempDir = useTempDir("config-input");

describe("reading the config file", () => {
  it("reads a regular file up to 1 MiB", () => {
    const file = join(tempDir(), "hms.config.yaml");
    const text = `# ${"x".repeat(MAX_CONFIG_BYTES - 3)}\n`;
    writeFileSync(file, text);
    expect(readConfigText(file)).toBe(text);
  });

  it("refuses a file over 1 MiB without reading it whole", async () => {
    const file = join(tempDir(), "big.yaml");
    writeFileSync(file, Buffer.alloc(MAX_CONFIG_BYTES + 1, "#"));
    await expectHmsError(() => readConfigText(file), "CONFIG_INVALID", "is 1048577 bytes", "at most 1 MiB");
  });

  it("refuses a device, a directory and a named pipe, without waiting for a writer", async () => {
    const dir = tempDir();
    const fifo = join(dir, "pipe.yaml");
    execFileSync("mkfifo", [fifo]);
    await expectHmsError(() => readConfigText("/dev/zero"), "CONFIG_INVALID", "/dev/zero is a device");
    await expectHmsError(() => readConfigText(dir), "CONFIG_INVALID", "is a directory");
    await expectHmsError(() => readConfigText(fifo), "CONFIG_INVALID", "is a named pipe");
  });

  it("refuses a YAML file whose aliases expand without bound", async () => {
    const error = await expectHmsError(
      () => parseConfigText(billionLaughs(), "laughs.yaml"),
      "CONFIG_INVALID",
      "laughs.yaml: not a usable YAML document",
      "at most 100 aliases",
    );
    expect(error.exitCode).toBe(2);
  });

  it("still accepts a few aliases", () => {
    const text =
      'components:\n  hms-sme: { name: HMS-SME, paths: &shared ["a/**"] }\n  hms-dev: { name: HMS-DEV, paths: *shared }\n';
    expect(parseConfigText(text, "ok.yaml").components?.["hms-dev"]?.paths).toEqual(["a/**"]);
  });
});

describe("the env root", () => {
  const guards = (home: string, repositories: string[] = []) => ({ homes: [home], repositories });

  it("is refused at /, at a home folder or above it, and at a repository or above it", async () => {
    const dir = tempDir();
    const home = join(dir, "home", "ana");
    const repo = join(dir, "src", "monorepo");
    mkdirSync(home, { recursive: true });
    mkdirSync(repo, { recursive: true });
    const check = (root: string) => () => checkEnvRoot(root, guards(home, [repo]), "hms.config.yaml");
    await expectHmsError(check("/"), "CONFIG_INVALID", "envRoot / is the root of the file system");
    await expectHmsError(check(home), "CONFIG_INVALID", `is the home folder ${home}`);
    await expectHmsError(check(join(dir, "home")), "CONFIG_INVALID", `above the home folder ${home}`);
    await expectHmsError(check(repo), "CONFIG_INVALID", `is the repository ${repo} itself`);
    await expectHmsError(check(join(dir, "src")), "CONFIG_INVALID", `above the repository ${repo}`);
    await expectHmsError(check(`${repo}/./`), "CONFIG_INVALID", "itself");
  });

  it("is refused at a system folder or inside the system's own trees, and accepted below shared ones", async () => {
    const home = join(tempDir(), "home");
    const check = (root: string) => () => checkEnvRoot(root, guards(home), "hms.config.yaml");
    await expectHmsError(check("/proc"), "CONFIG_INVALID", "envRoot /proc is the system folder /proc");
    await expectHmsError(check("/sys/fs/envs"), "CONFIG_INVALID", "inside the system folder /sys");
    await expectHmsError(check("/usr/share/hms-envs"), "CONFIG_INVALID", "inside the system folder /usr");
    await expectHmsError(check("/nix/store/envs"), "CONFIG_INVALID", "inside the system folder /nix");
    for (const folder of ["/etc", "/dev", "/boot", "/var", "/var/lib", "/tmp", "/srv", "/opt", "/home"]) {
      await expectHmsError(check(folder), "CONFIG_INVALID", folder, "give it a folder of its own");
    }
    // Below a shared folder is where a service keeps its data.
    for (const root of ["/var/lib/hms/envs", "/srv/hms-envs", "/tmp/hms-envs", "/opt/hms/envs"]) {
      expect(() => checkEnvRoot(root, guards(home), "hms.config.yaml")).not.toThrow();
    }
  });

  it("may lie below /dev/shm, the tmpfs for throwaway checkouts, but not at it nor elsewhere in /dev", async () => {
    const home = join(tempDir(), "home");
    const check = (root: string) => () => checkEnvRoot(root, guards(home), "hms.config.yaml");
    for (const root of ["/dev/shm/hms-envs", "/dev/shm/a/b/envs"]) expect(check(root)).not.toThrow();
    await expectHmsError(
      check("/dev/shm"),
      "CONFIG_INVALID",
      "envRoot /dev/shm is the system folder /dev/shm",
    );
    await expectHmsError(check("/dev/shm/"), "CONFIG_INVALID", "is the system folder /dev/shm");
    await expectHmsError(check("/dev/hms-envs"), "CONFIG_INVALID", "inside the system folder /dev");
    await expectHmsError(check("/dev/shmx/envs"), "CONFIG_INVALID", "inside the system folder /dev");
    await expectHmsError(check("/dev/shm/../envs"), "CONFIG_INVALID", "inside the system folder /dev");
  });

  it("is judged on real paths: a link to / or to the home folder is refused too", async () => {
    const dir = tempDir();
    const home = join(dir, "home");
    mkdirSync(home);
    symlinkSync("/", join(dir, "to-root"));
    symlinkSync(home, join(dir, "to-home"));
    await expectHmsError(
      () => checkEnvRoot(join(dir, "to-root"), guards(home), "c"),
      "CONFIG_INVALID",
      "root",
    );
    await expectHmsError(
      () => checkEnvRoot(join(dir, "to-home"), guards(home), "c"),
      "CONFIG_INVALID",
      "home",
    );
    // A root that does not exist yet is resolved through the part that does.
    expect(realPathOf(join(dir, "to-home", "envs", "new"))).toBe(join(home, "envs", "new"));
  });

  it("may lie inside a repository or a home folder, or beside them", () => {
    const dir = tempDir();
    const home = join(dir, "home");
    const repo = join(dir, "repo");
    for (const root of [
      join(repo, "temp_envs"),
      join(home, "hms-envs"),
      join(dir, "envs"),
      join(dir, "..home"),
    ]) {
      expect(() => checkEnvRoot(root, guards(home, [repo]), "c")).not.toThrow();
    }
  });

  it("is checked by loadConfig against $HOME and the checkout the config lives in", async () => {
    const dir = tempDir();
    execFileSync("git", ["init", "--quiet", dir]);
    expect(enclosingCheckout(join(dir, "a", "b"))).toBe(dir);
    const file = join(dir, "hms.config.yaml");
    writeFileSync(file, "envRoot: .\n");
    await expectHmsError(
      () => loadConfig({ explicitPath: file, cwd: dir }),
      "CONFIG_INVALID",
      "the repository",
    );
    writeFileSync(file, "envRoot: ./temp_envs\n");
    expect(loadConfig({ explicitPath: file, cwd: dir }).envRoot).toBe(join(dir, "temp_envs"));
    const home = join(dir, "temp_envs");
    await expectHmsError(
      () => loadConfig({ explicitPath: file, cwd: dir, home }),
      "CONFIG_INVALID",
      "home folder",
    );
  });
});
