import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { isInside, removeInsideRoot } from "../../src/envs/safe-remove.js";
import { expectHmsError, useTempDir } from "./support.js";

const tempDir = useTempDir("safe-remove");

/** An env root, and beside it a folder with a file that must survive every test. */
function layout() {
  const dir = tempDir();
  const root = join(dir, "envs");
  const outside = join(dir, "outside");
  const precious = join(outside, "precious.txt");
  mkdirSync(root);
  mkdirSync(join(outside, "victim"), { recursive: true });
  writeFileSync(precious, "keep me");
  const survived = () => readFileSync(precious, "utf8") === "keep me" && existsSync(join(outside, "victim"));
  return { dir, root, outside, survived };
}

/** A folder like an environment: files, a nested folder. */
function makeEnv(path: string): string {
  mkdirSync(join(path, "checkout", "src"), { recursive: true });
  writeFileSync(join(path, "launch.sh"), "#!/usr/bin/env bash\n");
  writeFileSync(join(path, "checkout", "src", "main.rb"), "puts 1\n");
  return path;
}

describe("removeInsideRoot", () => {
  it("removes a normal environment folder inside the root", () => {
    const { root } = layout();
    const env = makeEnv(join(root, "20260101_000000_hms-sme_main"));
    removeInsideRoot(root, env);
    expect(existsSync(env)).toBe(false);
    expect(existsSync(root)).toBe(true);
  });

  it("a missing target is a no-op", () => {
    const { root } = layout();
    expect(() => removeInsideRoot(root, join(root, "gone"))).not.toThrow();
    expect(existsSync(root)).toBe(true);
  });

  it("refuses a path outside the root", async () => {
    const { root, outside, survived } = layout();
    await expectHmsError(() => removeInsideRoot(root, outside), "UNSAFE_PATH", outside, root);
    expect(survived()).toBe(true);
  });

  it("refuses a path that climbs out with ..", async () => {
    const { root, survived } = layout();
    await expectHmsError(() => removeInsideRoot(root, join(root, "..", "outside")), "UNSAFE_PATH");
    await expectHmsError(() => removeInsideRoot(root, `${root}/../outside/victim`), "UNSAFE_PATH");
    expect(survived()).toBe(true);
  });

  it("refuses a sibling whose name starts with the root's name", async () => {
    const { dir, root } = layout();
    const sibling = makeEnv(join(`${root}-old`, "env"));
    await expectHmsError(() => removeInsideRoot(root, sibling), "UNSAFE_PATH");
    expect(existsSync(join(dir, "envs-old", "env", "launch.sh"))).toBe(true);
  });

  it.each([
    ["the root itself", (root: string) => root],
    ["the root with a trailing /.", (root: string) => `${root}/.`],
    ["the root through child/..", (root: string) => `${root}/child/..`],
  ])("refuses %s", async (_, target) => {
    const { root } = layout();
    mkdirSync(join(root, "child"));
    writeFileSync(join(root, "child", "file"), "x");
    await expectHmsError(() => removeInsideRoot(root, target(root)), "UNSAFE_PATH");
    expect(existsSync(join(root, "child", "file"))).toBe(true);
  });

  it("refuses a path reached through a symlinked parent that points outside", async () => {
    const { root, outside, survived } = layout();
    symlinkSync(outside, join(root, "link"));
    await expectHmsError(() => removeInsideRoot(root, join(root, "link", "victim")), "UNSAFE_PATH");
    expect(survived()).toBe(true);
  });

  it("removes a symlink placed at the target without touching what it points at", () => {
    const { root, outside, survived } = layout();
    const link = join(root, "20260101_000000_hms-sme_main");
    symlinkSync(outside, link);
    removeInsideRoot(root, link);
    expect(() => lstatSync(link)).toThrow();
    expect(survived()).toBe(true);
  });

  it("removes symlinks inside the environment as links, not what they point at", () => {
    const { root, outside, survived } = layout();
    const env = makeEnv(join(root, "env"));
    symlinkSync(outside, join(env, "checkout", "escape"));
    symlinkSync(join(outside, "precious.txt"), join(env, "file-link"));
    removeInsideRoot(root, env);
    expect(existsSync(env)).toBe(false);
    expect(survived()).toBe(true);
  });

  it("accepts a root given through a symlink, and a target given by either path", () => {
    const { dir, root } = layout();
    const linkedRoot = join(dir, "linked-envs");
    symlinkSync(root, linkedRoot);
    const first = makeEnv(join(root, "first"));
    const second = makeEnv(join(root, "second"));
    removeInsideRoot(linkedRoot, join(linkedRoot, "first"));
    removeInsideRoot(linkedRoot, second);
    expect(existsSync(first)).toBe(false);
    expect(existsSync(second)).toBe(false);
  });

  it("removes a folder whose name merely starts with two dots", () => {
    const { root } = layout();
    const env = makeEnv(join(root, "..hidden-env"));
    expect(isInside(root, env)).toBe(true);
    removeInsideRoot(root, env);
    expect(existsSync(env)).toBe(false);
  });
});

describe("removeInsideRoot on a folder it cannot empty", () => {
  const immutable: string[] = [];
  const chattr = async (flag: "+i" | "-i", path: string) => {
    await execa("chattr", [flag, path]);
    if (flag === "+i") immutable.push(path);
  };
  afterEach(async () => {
    for (const path of immutable.splice(0)) await execa("chattr", ["-i", path], { reject: false });
  });

  it("names the immutable file and the real reason, not rm's ENOTDIR, and removes it once freed", async () => {
    const { root } = layout();
    const env = makeEnv(join(root, "env"));
    const locked = join(env, "checkout", "README.md");
    writeFileSync(locked, "# locked\n");
    await chattr("+i", locked);
    const error = await expectHmsError(
      () => removeInsideRoot(root, env),
      "CLEANUP_FAILED",
      `cannot remove ${locked}: operation not permitted; an immutable file? try chattr -i ${locked}`,
    );
    expect(error.message).not.toContain("ENOTDIR");
    expect((error.cause as NodeJS.ErrnoException).code).toBe("EPERM");
    // Everything else went: only the locked file and the folders holding it are left.
    expect(existsSync(join(env, "launch.sh"))).toBe(false);
    expect(existsSync(join(env, "checkout", "src"))).toBe(false);
    expect(readFileSync(locked, "utf8")).toBe("# locked\n");

    await chattr("-i", locked);
    removeInsideRoot(root, env);
    expect(existsSync(env)).toBe(false);
  });

  it("names a file in an immutable folder and points at the folder", async () => {
    const { root } = layout();
    const env = makeEnv(join(root, "env"));
    const folder = join(env, "checkout", "src");
    await chattr("+i", folder);
    await expectHmsError(
      () => removeInsideRoot(root, env),
      "CLEANUP_FAILED",
      `cannot remove ${join(folder, "main.rb")}: operation not permitted`,
      `the attribute may be on ${folder}`,
    );
  });
});

describe("isInside", () => {
  it("is false when the root does not exist", () => {
    const { dir } = layout();
    expect(isInside(join(dir, "no-root"), join(dir, "no-root", "env"))).toBe(false);
  });

  it("judges a nested path by its real parent", () => {
    const { root } = layout();
    mkdirSync(join(root, "a", "b"), { recursive: true });
    expect(isInside(root, join(root, "a", "b"))).toBe(true);
    expect(isInside(root, join(root, "a", "b", "..", "..", ".."))).toBe(false);
  });
});
