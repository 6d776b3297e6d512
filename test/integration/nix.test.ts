/**
 * The Nix side of an environment with the real nix-instantiate, nix-store, nix-shell and direnv:
 * which nixpkgs, the one GC root and the garbage collector, warm against cold, the cached shell, the
 * doctor's version checks and Nix's whole error messages.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { nixFolder, pinStandIn, STAND_IN, standInCopy, store } from "../helpers/nix.js";
import { createWorkspace, PROJECT_ROOT, type Workspace } from "../helpers/workspace.js";

const NIX_FILE = join(PROJECT_ROOT, "nix", "hms-env.nix");

let ws: Workspace;
let tree: string;

beforeAll(async () => {
  ws = await createWorkspace("limits:\n  maxEnvsPerOwner: 20\nnix:\n  nixpkgs: ./nixpkgs-cold");
  tree = standInCopy(ws.dir, "nixpkgs-cold");
});
afterAll(() => ws.remove());

describe("one GC root on the built shell", () => {
  let live: EnvRecord;
  let cleaned: EnvRecord;
  beforeAll(async () => {
    live = await ws.provision(["--component", "hms-sys", "--branch", "main"]);
    cleaned = await ws.provision(["--component", "hms-sme", "--branch", "main"]);
    const result = await ws.cli(["cleanup", cleaned.id]);
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it("roots only the shell, whose closure holds every input, and realises nothing else", async () => {
    const roots = join(live.path, ".hms-env", "gcroots");
    expect(readdirSync(roots)).toEqual(["shell"]);
    expect(readlinkSync(join(roots, "shell"))).toBe(live.shell);
    const closure = (await store("--query", "--requisites", live.shell ?? "")).stdout;
    for (const tool of ["clang", "llvm", "protobuf", "libclang", "git"]) {
      expect(closure).toContain(`-${tool}-hms-stand-in`);
    }
    // HMS-DEV's nodejs is in the same nixpkgs but in neither shell: never built
    const nodejs = await execa("nix-instantiate", ["--expr", `(import ${tree} { }).nodejs`], {
      reject: false,
    });
    const nodejsOut = (await store("--query", "--outputs", nodejs.stdout.trim())).stdout.trim();
    expect((await store("--check-validity", nodejsOut)).exitCode).not.toBe(0);
  });

  it("nix-store --gc keeps a live environment's shell and frees a cleaned one's", async () => {
    // --print-dead asks the real collector what it would free, without freeing other tests' paths
    const dead = (await store("--gc", "--print-dead")).stdout.split("\n");
    expect(dead).toContain(cleaned.shell);
    expect(dead).not.toContain(live.shell);
    const liveClosure = (await store("--query", "--requisites", live.shell ?? "")).stdout.split("\n");
    expect(liveClosure.filter((path) => path !== "" && dead.includes(path))).toEqual([]);

    expect((await store("--delete", live.shell ?? "")).exitCode).not.toBe(0);
    expect((await store("--delete", cleaned.shell ?? "")).exitCode).toBe(0);
    expect(existsSync(cleaned.shell ?? "")).toBe(false);
    expect(existsSync(live.shell ?? "")).toBe(true);
  });

  it("show prints the shell's root and the nixpkgs the environment was made with", async () => {
    const shown = await ws.cli(["show", live.id]);
    expect(shown.stdout).toContain(`gc root:    ${live.path}/.hms-env/gcroots/shell -> ${live.shell}`);
    expect(shown.stdout).toContain(`nixpkgs:    path ${tree} (26.05.hms-stand-in)`);
  });
});

describe("warm against cold", () => {
  let fresh: Workspace;
  beforeAll(async () => {
    fresh = await createWorkspace("limits:\n  maxEnvsPerOwner: 20\nnix:\n  nixpkgs: ./nixpkgs-warm");
    standInCopy(fresh.dir, "nixpkgs-warm");
  });
  afterAll(() => fresh.remove());

  /** The counts of the "nix" progress line of a provisioning. */
  async function provisionCounts(component: string) {
    const result = await fresh.cli(["provision", "--component", component, "--branch", "main"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const line = result.stderr.split("\n").find((text) => text.trimStart().startsWith("nix ")) ?? "";
    const [present, built, fetched] = (
      /(\d+) paths? already in the store, (\d+) built, (\d+) fetched/.exec(line)?.slice(1) ?? []
    ).map(Number);
    return { present, built, fetched };
  }

  it("cold, provisioning builds every input; after warm, only the environment's own shell", async () => {
    // HMS-ESR: coreutils, git, gnumake, jq, curl, direnv, ruby, bundler and the shell
    expect(await provisionCounts("hms-esr")).toMatchObject({ built: 9, fetched: 0 });

    const warmed = await fresh.cli(["warm", "--json"]);
    expect(warmed.exitCode, warmed.stderr).toBe(0);
    const result = JSON.parse(warmed.stdout);
    expect(result.component).toBe("all");
    expect(result.counts.built).toBeGreaterThan(5);
    expect(readlinkSync(result.root)).toBe(result.shell);

    const warm = await provisionCounts("hms-dev");
    expect(warm).toMatchObject({ built: 1, fetched: 0 });
    expect(warm.present).toBeGreaterThan(10);
  });

  it("warm refuses an unknown component", async () => {
    const result = await fresh.cli(["warm", "--component", "hms-nope"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('unknown component "hms-nope"');
  });
});

describe("a nixpkgs that needs a newer Nix", () => {
  let newer: Workspace;
  beforeAll(async () => {
    newer = await createWorkspace("nix:\n  nixpkgs: ./nixpkgs-future");
    standInCopy(newer.dir, "nixpkgs-future", "99.0");
  });
  afterAll(() => newer.remove());

  it("doctor prints both versions and how to upgrade Nix or which nixpkgs to use", async () => {
    const result = await newer.cli(["doctor"]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^pass {2}nixpkgs {6}path: .*nixpkgs-future$/m);
    expect(result.stdout).toMatch(
      /^FAIL {2}nix version {2}this nixpkgs needs Nix >= 99\.0 \(.*minver\.nix\); this machine has Nix 2\.\d+/m,
    );
    expect(result.stdout).toContain(
      "fix: upgrade Nix with the official installer (curl -L https://nixos.org/nix/install | sh)",
    );
    expect(result.stdout).toContain("or set nix.nixpkgs to a nixpkgs that Nix 2.");
  });

  it("provisioning fails with Nix's whole message and the fix, in the CLI and the record", async () => {
    const result = await newer.cli(["provision", "--component", "hms-dev", "--branch", "main"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("error: evaluation aborted with the following error message: '");
    expect(result.stderr).toContain("This version of Nixpkgs requires Nix >= 99.0, please upgrade:");
    expect(result.stderr).toContain("fix: this nixpkgs needs Nix >= 99.0");
    expect(result.stderr).not.toMatch(/\bat \S+:\d+:\d+:|^\s*\d+\|/m); // no locations or source excerpts
    const [failed] = JSON.parse((await newer.cli(["list", "--all", "--json"])).stdout) as EnvRecord[];
    expect(failed?.failure).toContain("This version of Nixpkgs requires Nix >= 99.0");
    expect(failed?.failure).toContain("fix: ");
  });
});

describe("the pin", () => {
  it("doctor reports a pin that is not in the store with the command that fetches it, without fetching", async () => {
    const pinned = await createWorkspace("nix:\n  nixpkgs: pinned");
    try {
      const result = await pinned.cli(["doctor"]);
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toMatch(
        /^FAIL {2}nixpkgs {6}pinned: the pinned nixpkgs \(597283ad8aa0 of nixos-26\.05\) is not in the Nix store/m,
      );
      expect(result.stdout).toContain(
        "nix-prefetch-url --unpack --name source https://github.com/NixOS/nixpkgs/archive/597283ad8aa0b331c788e97c4c262d58877074ef.tar.gz",
      );
      expect(result.stdout + result.stderr).not.toContain("unable to download");
    } finally {
      pinned.remove();
    }
  });

  it("is copied into each environment, which keeps its nixpkgs when the repository bumps the pin", async () => {
    const pinned = await createWorkspace("nix:\n  file: ./nix/hms-env.nix");
    try {
      const nixDir = nixFolder(pinned.dir);
      await pinStandIn(pinned.dir, nixDir, "first", "1".repeat(40));
      const first = await pinned.provision(["--component", "hms-dev", "--branch", "main"]);
      expect(first.nixpkgs).toBe(`pinned ${"1".repeat(40)} (nixos-26.05)`);
      const doctor = await pinned.cli(["doctor"]);
      expect(doctor.stdout).toMatch(
        /^pass {2}nixpkgs {6}pinned: \/nix\/store\/\w+-source \(111111111111 of nixos-26\.05\)$/m,
      );
      expect(doctor.stdout).toMatch(/^pass {2}evaluate {5}lib\.version is "26\.05\.hms-stand-in"$/m);

      await pinStandIn(pinned.dir, nixDir, "second", "2".repeat(40));
      const second = await pinned.provision(["--component", "hms-dev", "--branch", "main"]);
      expect(second.nixpkgs).toBe(`pinned ${"2".repeat(40)} (nixos-26.05)`);
      expect(JSON.parse(readFileSync(join(first.path, "nixpkgs.json"), "utf8")).rev).toBe("1".repeat(40));
      expect(second.shell).not.toBe(first.shell);
      const entered = await execa(join(first.path, "launch.sh"), ["--fresh", "--run", "command -v tsc"], {
        reject: false,
        stdin: "ignore",
      });
      expect(entered.exitCode, entered.stderr).toBe(0);
      const firstClosure = (await store("--query", "--requisites", first.shell ?? "")).stdout;
      expect(firstClosure).toContain(entered.stdout.trim().replace(/\/bin\/tsc$/, ""));
    } finally {
      pinned.remove();
    }
  });
});

describe("typescript across nixpkgs versions", () => {
  const components = ["hms-sme", "hms-esr", "hms-dev", "hms-sys", "all"];
  const trees = [
    { typescriptAtTopLevel: true, nodePackages: true, from: "typescript" },
    { typescriptAtTopLevel: true, nodePackages: false, from: "typescript" },
    { typescriptAtTopLevel: false, nodePackages: true, from: "nodePackages.typescript" },
    { typescriptAtTopLevel: false, nodePackages: false, from: undefined },
  ];

  it.each(trees)(
    "top-level $typescriptAtTopLevel, nodePackages $nodePackages: every component evaluates",
    async (options) => {
      const pkgs = `import ${STAND_IN} { typescriptAtTopLevel = ${options.typescriptAtTopLevel}; nodePackages = ${options.nodePackages}; }`;
      for (const component of components) {
        const result = await execa(
          "nix-instantiate",
          [
            "--eval",
            "--strict",
            "--expr",
            `(import ${NIX_FILE} { pkgs = ${pkgs}; component = "${component}"; }).nativeBuildInputs`,
          ],
          { reject: false, stdin: "ignore" },
        );
        const needsTypescript = component === "hms-dev" || component === "all";
        if (needsTypescript && options.from === undefined) {
          expect(result.exitCode).not.toBe(0);
          expect(result.stderr).toContain("nodePackages has been removed");
        } else {
          expect(result.exitCode, `${component}: ${result.stderr}`).toBe(0);
          expect(result.stdout.includes("typescript-hms-stand-in"), component).toBe(needsTypescript);
        }
      }
    },
  );
});

describe("binary caches", () => {
  it("provisioning fetches from nix.substituters what nix.trustedPublicKeys signed", async () => {
    const cached = standInCopy(ws.dir, "nixpkgs-cached");
    writeFileSync(join(cached, "substitutable"), "");
    // Offline, the machine's own cache.nixos.org would cost seconds of retries: the caller's own
    // NIX_CONFIG turns it off, and hms-env adds the configured cache to it.
    const offline = { NIX_CONFIG: "substituters =" };
    const dir = join(ws.dir, "binary-cache");
    mkdirSync(dir);
    await execa("nix-store", [
      "--generate-binary-cache-key",
      "hms-test-1",
      join(dir, "secret"),
      join(dir, "public"),
    ]);
    const built = await execa(
      "nix-build",
      [
        "--no-out-link",
        "--expr",
        `with import ${cached} { }; [ coreutils git gnumake jq curl direnv ruby bundler ]`,
      ],
      { env: offline },
    );
    const paths = built.stdout.trim().split("\n");
    await execa(
      "nix",
      [
        "--extra-experimental-features",
        "nix-command",
        "copy",
        "--to",
        `file://${dir}/cache?secret-key=${dir}/secret`,
        ...paths,
      ],
      { env: offline },
    );
    expect((await store("--delete", ...paths)).exitCode).toBe(0);

    const config = join(ws.dir, "cached.yaml");
    writeFileSync(
      config,
      [
        readFileSync(ws.configFile, "utf8").replace("nixpkgs: ./nixpkgs-cold", "nixpkgs: ./nixpkgs-cached"),
        `  substituters: ["file://${dir}/cache"]`,
        `  trustedPublicKeys: ["${readFileSync(join(dir, "public"), "utf8").trim()}"]`,
      ].join("\n"),
    );
    const result = await ws.cli(
      ["provision", "--component", "hms-esr", "--branch", "main", "--config", config],
      {
        env: offline,
      },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^ {2}nix .*\(\d+ paths? already in the store, 1 built, 8 fetched;/m);
    for (const path of paths) expect(existsSync(path), path).toBe(true);
    const env = JSON.parse((await ws.cli(["list", "--json", "--config", config])).stdout).at(-1) as EnvRecord;
    const launch = readFileSync(join(env.path, "launch.sh"), "utf8");
    expect(launch).toContain(`extra-substituters = file://${dir}/cache`);
    expect(launch).toContain("extra-trusted-public-keys = hms-test-1:");
  });
});

describe("direnv", () => {
  it("direnv exec in the checkout loads the shell with HMS_DEV_ROOT at the checkout", async () => {
    const env = await ws.provision(["--component", "hms-esr", "--branch", "main"]);
    const home = join(ws.dir, "direnv-home");
    mkdirSync(home);
    const direnvEnv = {
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
      XDG_DATA_HOME: join(home, ".local"),
    };
    const allowed = await execa("direnv", ["allow", env.path], { env: direnvEnv, reject: false });
    expect(allowed.exitCode, allowed.stderr).toBe(0);
    const result = await execa(
      "direnv",
      ["exec", env.workdir, "bash", "-c", 'echo "$HMS_DEV_ROOT|$HMS_ESR_ROOT|$ESR_CONFIG|$HMS_COMPONENT"'],
      { env: direnvEnv, reject: false, stdin: "ignore" },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `${env.workdir}|${env.workdir}/SYSTEM-COMPONENTS/HMS-ESR|${env.workdir}/SYSTEM-COMPONENTS/HMS-ESR/config/esr.yml|HMS-ESR`,
    );
  });
});
