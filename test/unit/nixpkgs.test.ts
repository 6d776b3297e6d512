import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import {
  compareVersions,
  fetchCommand,
  minimumNixVersion,
  nixEnvironment,
  nixpkgsArgs,
  parseNixVersion,
  pinStorePath,
  readPin,
} from "../../src/envs/nixpkgs.js";
import { expectHmsError, useTempDir } from "./support.js";

const tempDir = useTempDir("nixpkgs");
const SHIPPED_PIN = resolve(import.meta.dirname, "..", "..", "nix", "nixpkgs.json");
const STAND_IN = resolve(import.meta.dirname, "..", "fixtures", "nixpkgs");

function configWith(nixSection: string) {
  const dir = tempDir();
  const file = join(dir, "hms.config.yaml");
  writeFileSync(file, `nix:\n${nixSection}`);
  return { dir, load: () => loadConfig({ explicitPath: file, cwd: dir }) };
}

describe("the shipped pin", () => {
  it("names a nixos-26.05 commit, GitHub's tarball of it, and the unpacked tree's hash", () => {
    const pin = readPin(SHIPPED_PIN);
    expect(pin.branch).toBe("nixos-26.05");
    expect(pin.rev).toMatch(/^[0-9a-f]{40}$/);
    expect(pin.url).toBe(`https://github.com/NixOS/nixpkgs/archive/${pin.rev}.tar.gz`);
    expect(pin.sha256).toMatch(/^sha256-/);
    expect(fetchCommand(pin)).toBe(`nix-prefetch-url --unpack --name source ${pin.url}`);
  });

  it("a broken pin file names the file and the field", async () => {
    const dir = tempDir();
    const file = join(dir, "nixpkgs.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(SHIPPED_PIN, "utf8")), rev: "main" }));
    await expectHmsError(() => readPin(file), "NIX_FAILED", file, "rev", "40-character commit");
    writeFileSync(file, "{ not json");
    await expectHmsError(() => readPin(file), "NIX_FAILED", file, "cannot read");
  });
});

describe("pinStorePath", () => {
  it("is where fetchTarball and nix-prefetch-url --unpack --name source put the tree", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "tree", "lib"), { recursive: true });
    writeFileSync(join(dir, "tree", "default.nix"), `{ ... }: { marker = "${dir}"; }\n`);
    execFileSync("tar", ["czf", join(dir, "tree.tar.gz"), "-C", dir, "tree"]);
    const url = `file://${join(dir, "tree.tar.gz")}`;
    const [sha256, path] = execFileSync(
      "nix-prefetch-url",
      ["--unpack", "--name", "source", "--print-path", url],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      },
    )
      .trim()
      .split("\n");
    const pin = { url, rev: "0".repeat(40), sha256: sha256 ?? "" };
    expect(await pinStorePath(pin)).toBe(path);
  });
});

describe("minimumNixVersion", () => {
  it("reads lib/minver.nix of older trees", () => {
    expect(minimumNixVersion(STAND_IN)).toEqual({
      version: "2.3.17",
      source: join(STAND_IN, "lib", "minver.nix"),
    });
  });

  it("prefers the highest version lib/minfeatures.nix checks for (nixpkgs since 25.11)", () => {
    const tree = join(tempDir(), "tree");
    cpSync(STAND_IN, tree, { recursive: true });
    writeFileSync(
      join(tree, "lib", "minfeatures.nix"),
      `let features = [
  { description = "the nixVersion builtin"; condition = builtins ? nixVersion; }
  { description = "reports at least 2.18"; condition = builtins.compareVersions "2.18" builtins.nixVersion != 1; }
  { description = "older"; condition = builtins.compareVersions "2.3" builtins.nixVersion != 1; }
]; in { }\n`,
    );
    expect(minimumNixVersion(tree)?.version).toBe("2.18");
  });

  it("is undefined for a tree that states none", () => {
    expect(minimumNixVersion(tempDir())).toBeUndefined();
  });

  it("compares versions as Nix does and reads nix --version", () => {
    expect(compareVersions("2.8.0", "2.18")).toBeLessThan(0);
    expect(compareVersions("2.18", "2.18.0")).toBe(0);
    expect(compareVersions("2.24.1", "2.18")).toBeGreaterThan(0);
    expect(parseNixVersion("nix (Nix) 2.8.0")).toBe("2.8.0");
  });
});

describe("nix.nixpkgs and the binary caches", () => {
  it("default to the pin, or to <nixpkgs> when nix.nixPath names it", () => {
    expect(configWith("  bash: /bin/bash\n").load().nix.nixpkgs).toEqual({ kind: "pinned" });
    expect(configWith("  nixPath: nixpkgs=/srv/nixpkgs\n").load().nix.nixpkgs).toEqual({ kind: "channel" });
    expect(configWith("  nixPath: nixpkgs=/x\n  nixpkgs: pinned\n").load().nix.nixpkgs).toEqual({
      kind: "pinned",
    });
  });

  it("a path is taken from the config file's folder and reaches Nix through -I, never as Nix code", () => {
    const { dir, load } = configWith("  nixpkgs: ./trees/it's $(x)\n");
    const choice = load().nix.nixpkgs;
    expect(choice).toEqual({ kind: "path", path: join(dir, "trees", "it's $(x)") });
    expect(nixpkgsArgs(choice)).toEqual([
      "-I",
      `nixpkgs=${join(dir, "trees", "it's $(x)")}`,
      "--arg",
      "pkgs",
      "import <nixpkgs> { }",
    ]);
    expect(nixpkgsArgs({ kind: "pinned" })).toEqual([]);
  });

  it("substituters and keys reach Nix as extra- settings added to the caller's NIX_CONFIG", () => {
    const key = `cache.example.org-1:${"A".repeat(43)}=`;
    const { load } = configWith(
      `  nixPath: nixpkgs=/x\n  substituters: [https://cache.example.org, "file:///srv/cache"]\n  trustedPublicKeys: ["${key}"]\n`,
    );
    expect(nixEnvironment(load().nix, "sandbox = false")).toEqual({
      NIX_PATH: "nixpkgs=/x",
      NIX_CONFIG: `sandbox = false\nextra-substituters = https://cache.example.org file:///srv/cache\nextra-trusted-public-keys = ${key}`,
    });
    expect(nixEnvironment(configWith("  bash: /bin/bash\n").load().nix)).toEqual({});
  });

  it.each([
    ["  substituters: ['https://a.org https://b.org']\n", "nix.substituters.0", "binary cache URL"],
    ["  substituters: [cache.example.org]\n", "nix.substituters.0", "binary cache URL"],
    ["  trustedPublicKeys: [nokey]\n", "nix.trustedPublicKeys.0", "public key"],
    ["  nixpkgs: ''\n", "nix.nixpkgs", "expected string"],
  ])("%j is refused with the key and the rule", async (section, key, rule) => {
    await expectHmsError(configWith(section).load, "CONFIG_INVALID", `${key}:`, rule);
  });
});
