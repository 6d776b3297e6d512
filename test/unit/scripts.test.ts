import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { basename, isAbsolute, join } from "node:path";
import { describe, expect, it } from "vitest";
import { GC_ROOT_DIR } from "../../src/envs/context.js";
import { writeMetadata } from "../../src/envs/metadata.js";
import { cleanupScript, envrc, launchScript, type ScriptContext } from "../../src/envs/scripts.js";
import { SHELL_ENV_FILE, SHELL_INPUTS, SHELL_RC_FILE, shellRc } from "../../src/envs/shell-env.js";
import { shellQuote, shellWord } from "../../src/envs/shell-quote.js";
import { envRecord, useTempDir } from "./support.js";

const BASH = execFileSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).trim();
const MARKER = "PWNED";
/** A folder name that would run commands if the scripts ever evaluated their own location. */
const HOSTILE_DIR_NAME = `env it's $(touch ${MARKER}) \`touch ${MARKER}\` "q" !x`;

const tempDir = useTempDir("scripts");

/** Strings that break naive quoting; each tries to create the marker file if it is ever evaluated. */
function hostileStrings(marker: string): string[] {
  return [
    "it's",
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `"; touch ${marker} #`,
    `'; touch ${marker}; echo '`,
    `line one\ntouch ${marker}\nline three`,
    "ünïcödé 日本語 🚀",
    "!",
    "!! !$ !-1",
    "back\\slash\\",
    "\\'",
    "'",
    "''",
    "",
    "  spaces  around  ",
    "tab\there",
    "* ? [a-z] ~ ~root",
    "$HOME ${IFS} $0 $@",
    "-n",
    "--help",
    `a\r\nb`,
  ];
}

/** Whether any injected command ran: a file named PWNED anywhere under `dir` or at /. */
function injected(dir: string): boolean {
  const names = readdirSync(dir, { recursive: true, encoding: "utf8" });
  return existsSync(`/${MARKER}`) || names.some((name) => basename(name) === MARKER);
}

/** Values in a NUL-separated output, as printed by printf '%s\0'. */
function splitNul(text: string): string[] {
  return text.split("\0").slice(0, -1);
}

function writeExecutable(file: string, text: string): string {
  writeFileSync(file, text, { mode: 0o755 });
  return file;
}

/** A stand-in program (node, by absolute shebang) that prints how it was called as JSON. */
function recorder(file: string): string {
  return writeExecutable(
    file,
    `#!${process.execPath}
process.stdout.write(JSON.stringify({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  NIX_BUILD_SHELL: process.env.NIX_BUILD_SHELL,
  NIX_PATH: process.env.NIX_PATH,
  NIX_CONFIG: process.env.NIX_CONFIG,
}));
`,
  );
}

/** A folder on PATH holding bash (for #!/usr/bin/env bash) and, if asked, a recording nix-shell. */
function binDir(root: string, name: string, withNixShell: boolean): string {
  const dir = join(root, name);
  mkdirSync(dir);
  symlinkSync(BASH, join(dir, "bash"));
  if (withNixShell) recorder(join(dir, "nix-shell"));
  return dir;
}

function hostileContext(root: string, overrides: Partial<ScriptContext> = {}): ScriptContext {
  const marker = join(root, MARKER);
  const inject = `$(touch ${marker})`;
  const envDir = join(root, HOSTILE_DIR_NAME);
  return {
    cleanup: {
      envPath: envDir,
      envRoot: root,
      realEnvPath: envDir,
      realEnvRoot: root,
      configFile: join(root, `hms it's ${inject}.yaml`),
      configDir: root,
    },
    id: `env-1234'; touch ${marker}; '`,
    component: `hms-sme'; touch ${marker}; echo '`,
    source: `branch "feature/it's\n${inject}\n\`touch ${marker}\`"`,
    commit: `\`touch ${marker}\`0123456789abcdef`,
    checkoutName: `check out $(touch ${MARKER}) it's`,
    bash: `/bin/bash ${inject}`,
    nixPath: `nixpkgs=/tmp/it's "${inject}" \`touch ${marker}\``,
    nixpkgsArgs: ["-I", `nixpkgs=/tmp/it's ${inject}`, "--arg", "pkgs", "import <nixpkgs> { }"],
    nixConfig: [
      `extra-substituters = https://cache.example.org/${inject}`,
      "extra-trusted-public-keys = k:x",
    ],
    cliEntry: `/nonexistent/cli ${inject}.js`,
    nodeBinary: `/nonexistent/node ${inject}`,
    mirror: `/nonexistent/mirror ${inject}`,
    ...overrides,
  };
}

/** An environment folder with a hostile name holding the generated launch.sh, cleanup.sh and .envrc. */
function makeEnvironment(overrides: Partial<ScriptContext> = {}) {
  const root = tempDir();
  const context = hostileContext(root, overrides);
  const envDir = join(root, HOSTILE_DIR_NAME);
  mkdirSync(join(envDir, context.checkoutName), { recursive: true });
  mkdirSync(join(envDir, ".hms-env"));
  writeFileSync(join(envDir, SHELL_RC_FILE), shellRc());
  writeFileSync(join(envDir, "hms-env.nix"), "{ ... }: {}\n");
  writeExecutable(join(envDir, "launch.sh"), launchScript(context));
  writeExecutable(join(envDir, "cleanup.sh"), cleanupScript(context));
  writeFileSync(join(envDir, ".envrc"), envrc(context));
  writeMetadata(envRecord(context.id, { path: envDir }), {
    envRoot: root,
    stateFile: join(root, "state.json"),
  });
  return { root, envDir, context };
}

/** stdin is closed: bash reads ~/.bashrc for `-c` when stdin is a socket, as for a remote shell. */
function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }) {
  return spawnSync(command, args, { ...options, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** What launch.sh hands to nix-shell, before the caller's own arguments. */
function nixShellArgv(envDir: string, context: ScriptContext): string[] {
  return [
    join(envDir, "hms-env.nix"),
    "--argstr",
    "component",
    context.component,
    "--argstr",
    "envDir",
    envDir,
    ...context.nixpkgsArgs,
  ];
}

describe("shellQuote", () => {
  it("wraps in single quotes and escapes a single quote as '\\''", () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("")).toBe("''");
  });

  it.each([BASH, "sh"])("every hostile string arrives unchanged through %s", (shell) => {
    const dir = tempDir();
    const values = hostileStrings(join(dir, MARKER));
    const script = writeExecutable(
      join(dir, "print.sh"),
      `printf '%s\\0' ${values.map((value) => shellQuote(value)).join(" ")}\n`,
    );
    const result = run(shell, [script], { cwd: dir, env: { PATH: process.env.PATH ?? "" } });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(splitNul(result.stdout)).toEqual(values);
    expect(injected(dir)).toBe(false);
  });

  it("keeps a value one word when it is the only argument of a command", () => {
    const dir = tempDir();
    for (const value of hostileStrings(join(dir, MARKER))) {
      const result = run(BASH, ["-c", `printf '%s' ${shellQuote(value)}`], { cwd: dir, env: {} });
      expect(result.stdout).toBe(value);
    }
    expect(injected(dir)).toBe(false);
  });
});

describe("shellWord", () => {
  it("leaves a plain path bare, as a person would type it, and quotes anything else", () => {
    expect(shellWord("/srv/temp_envs/20261126_221502_hms-sme_feature_x-1.2")).toBe(
      "/srv/temp_envs/20261126_221502_hms-sme_feature_x-1.2",
    );
    expect(shellWord("/srv/it's a dir")).toBe("'/srv/it'\\''s a dir'");
    expect(shellWord("~root")).toBe("'~root'");
    expect(shellWord("")).toBe("''");
  });

  it("every hostile string arrives unchanged through bash", () => {
    const dir = tempDir();
    const values = [...hostileStrings(join(dir, MARKER)), "/plain/path", "a=b", "user@host:1"];
    const result = run(BASH, ["-c", `printf '%s\\0' ${values.map(shellWord).join(" ")}`], {
      cwd: dir,
      env: {},
    });
    expect(result.stderr).toBe("");
    expect(splitNul(result.stdout)).toEqual(values);
    expect(injected(dir)).toBe(false);
  });
});

describe("generated scripts with hostile values", () => {
  it.each(["launch.sh", "cleanup.sh", ".envrc"])("%s passes bash -n", (file) => {
    const { envDir } = makeEnvironment();
    const result = run(BASH, ["-n", join(envDir, file)], { cwd: envDir, env: {} });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it.each(["launch.sh", "cleanup.sh"])("%s keeps a newline in a value inside its comment line", (file) => {
    const context = hostileContext("/x");
    const script = file === "launch.sh" ? launchScript(context) : cleanupScript(context);
    const lines = script.split("\n");
    const code = lines.indexOf("set -euo pipefail");
    expect(lines[0]).toBe("#!/usr/bin/env bash");
    expect(code).toBe(3);
    for (const line of lines.slice(0, code)) expect(line.startsWith("#")).toBe(true);
  });
});

describe("launch.sh", () => {
  it("without nix-shell on PATH says how to install Nix and exits 127", () => {
    const { root, envDir } = makeEnvironment();
    const path = binDir(root, "bin-without-nix", false);
    const result = run("./launch.sh", ["--run", "make test"], { cwd: envDir, env: { PATH: path } });
    expect(result.status).toBe(127);
    expect(result.stderr).toContain("nix-shell was not found");
    expect(result.stderr).toContain("https://nixos.org/nix/install");
    expect(result.stdout).toBe("");
    expect(injected(root)).toBe(false);
  });

  const invocations: [string, (envDir: string, root: string) => { command: string; cwd: string }][] = [
    ["./launch.sh from its folder", (envDir) => ({ command: "./launch.sh", cwd: envDir })],
    [
      "its absolute path from elsewhere",
      (envDir, root) => ({ command: join(envDir, "launch.sh"), cwd: root }),
    ],
  ];

  it.each(invocations)("run as %s hands nix-shell exactly its arguments", (_, how) => {
    const { root, envDir, context } = makeEnvironment();
    const { command, cwd } = how(envDir, root);
    const passed = ["--run", "make test", "--pure", `$(touch ${MARKER})`, "it's", ""];
    const result = run(command, passed, { cwd, env: { PATH: binDir(root, "bin", true) } });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      argv: [...nixShellArgv(envDir, context), ...passed],
      cwd: join(envDir, context.checkoutName),
      NIX_BUILD_SHELL: context.bash,
      NIX_PATH: context.nixPath,
      NIX_CONFIG: context.nixConfig.join("\n"),
    });
    expect(injected(root)).toBe(false);
  });

  it("run as `bash launch.sh` from its folder finds its folder too", () => {
    const { root, envDir } = makeEnvironment();
    const result = run(BASH, ["launch.sh", "--pure"], {
      cwd: envDir,
      env: { PATH: binDir(root, "bin", true) },
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).argv.slice(5, 7)).toEqual(["envDir", envDir]);
  });

  it("without a configured bash or NIX_PATH uses the running bash and the inherited NIX_PATH", () => {
    const { root, envDir } = makeEnvironment({ bash: undefined, nixPath: undefined });
    const env = { PATH: binDir(root, "bin", true), NIX_PATH: "nixpkgs=/inherited", NIX_CONFIG: "mine = 1" };
    const result = run("./launch.sh", ["--pure"], { cwd: envDir, env });
    expect(result.status).toBe(0);
    const seen = JSON.parse(result.stdout);
    expect(isAbsolute(seen.NIX_BUILD_SHELL)).toBe(true);
    expect(basename(seen.NIX_BUILD_SHELL)).toBe("bash");
    expect(seen.NIX_PATH).toBe("nixpkgs=/inherited");
    expect(seen.NIX_CONFIG).toBe(`mine = 1\n${hostileContext(root).nixConfig.join("\n")}`);
  });
});

describe("cleanup.sh", () => {
  it("hands the environment folder and its arguments to the hms-env command", () => {
    const root = tempDir();
    const nodeBinary = recorder(join(root, `node it's $(touch ${MARKER})`));
    const cliEntry = join(root, `cli it's $(touch ${MARKER}).js`);
    writeFileSync(cliEntry, "");
    const { root: envRoot, envDir, context } = makeEnvironment({ nodeBinary, cliEntry });
    const result = run(join(envDir, "cleanup.sh"), ["--json"], {
      cwd: envDir,
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const seen = JSON.parse(result.stdout);
    const config = context.cleanup.configFile;
    expect(seen.argv).toEqual([cliEntry, "cleanup", "--env-dir", envDir, "--config", config, "--json"]);
    expect(seen.cwd).toBe(context.cleanup.configDir);
    expect(existsSync(envDir)).toBe(true);
    expect(injected(root) || injected(envRoot)).toBe(false);
  });

  it("without the hms-env command removes its own folder and nothing else", () => {
    const { root, envDir } = makeEnvironment();
    const sibling = join(root, "sibling.txt");
    writeFileSync(sibling, "keep me");
    const result = run(join(envDir, "cleanup.sh"), [], { cwd: root, env: { PATH: process.env.PATH ?? "" } });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("hms-env command was not found");
    expect(existsSync(envDir)).toBe(false);
    expect(existsSync(sibling)).toBe(true);
    expect(injected(root)).toBe(false);
  });
});

describe("cleanup.sh without the hms-env command refuses a folder that is not the one hms-env made", () => {
  const fallback = (script: string, cwd: string) =>
    run(script, [], { cwd, env: { PATH: process.env.PATH ?? "" } });
  const refused = (result: ReturnType<typeof run>, reason: string) => {
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("is not removed");
    expect(result.stderr).toContain(reason);
  };

  it("a copy of the environment elsewhere", () => {
    const { root, envDir } = makeEnvironment();
    const copy = join(root, "copy");
    cpSync(envDir, copy, { recursive: true });
    refused(fallback(join(copy, "cleanup.sh"), root), `hms-env made this environment at ${envDir}`);
    expect(existsSync(copy)).toBe(true);
    expect(injected(root)).toBe(false);
  });

  it("one whose env.json is missing, a symlink, or names another folder or env root", () => {
    const { root, envDir, context } = makeEnvironment();
    const meta = join(envDir, ".hms-env", "env.json");
    const script = join(envDir, "cleanup.sh");
    const good = readFileSync(meta, "utf8");
    rmSync(meta);
    refused(fallback(script, root), "holds no .hms-env/env.json of its own");
    writeFileSync(join(root, "elsewhere.json"), good);
    symlinkSync(join(root, "elsewhere.json"), meta);
    refused(fallback(script, root), "holds no .hms-env/env.json of its own");
    rmSync(meta);
    writeMetadata(envRecord(context.id, { path: join(root, "another") }), {
      envRoot: root,
      stateFile: join(root, "state.json"),
    });
    renameSync(join(root, "another", ".hms-env", "env.json"), meta);
    refused(fallback(script, root), "does not name this folder and its env root");
    writeMetadata(envRecord(context.id, { path: envDir }), {
      envRoot: "/",
      stateFile: join(root, "state.json"),
    });
    refused(fallback(script, root), "does not name this folder and its env root");
    expect(existsSync(envDir)).toBe(true);
  });

  it("a symlink put where the environment was, pointing at someone's folder", () => {
    const { root, envDir } = makeEnvironment();
    const victim = join(root, "victim");
    renameSync(envDir, victim);
    symlinkSync(victim, envDir);
    refused(fallback(join(envDir, "cleanup.sh"), root), `hms-env made this environment at ${envDir}`);
    expect(existsSync(join(victim, "hms-env.nix"))).toBe(true);
    expect(lstatSync(envDir).isSymbolicLink()).toBe(true);
  });

  it("one outside the env root it was made in", () => {
    const { root, envDir, context } = makeEnvironment();
    const otherRoot = join(root, "envs");
    const script = cleanupScript({ ...context, cleanup: { ...context.cleanup, realEnvRoot: otherRoot } });
    writeExecutable(join(envDir, "cleanup.sh"), script);
    refused(fallback(join(envDir, "cleanup.sh"), root), `it is not inside the env root ${otherRoot}`);
    expect(existsSync(envDir)).toBe(true);
  });
});

/**
 * nix-instantiate and nix-store as a capture calls them: each makes the symlink its --add-root names
 * (to the .drv, to the built shell: here the folder `shell` beside them) and prints it, as Nix does.
 */
function fakeNixBuild(dir: string): void {
  mkdirSync(join(dir, "shell"));
  for (const [tool, target] of [
    ["nix-instantiate", join(dir, "shell.drv")],
    ["nix-store", join(dir, "shell")],
  ] as const) {
    writeExecutable(
      join(dir, tool),
      `#!${BASH}
while [ "$#" -gt 0 ]; do if [ "$1" = --add-root ]; then root="$2"; fi; shift; done
/bin/ln -sfn ${shellQuote(target)} "$root" && echo "$root"
`,
    );
  }
}

/**
 * A nix-shell that does what the real one does for a capture: runs the --run command in a clean
 * environment holding the shell's variables (a multi-line, quote-laden value among them) and
 * nix-shell's own session variables, which the cache must leave out. Each call is counted.
 */
function fakeNixShell(dir: string, value: string): string {
  fakeNixBuild(dir);
  return writeExecutable(
    join(dir, "nix-shell"),
    `#!${BASH}
echo called >> ${shellQuote(join(dir, "calls"))}
while [ "$#" -gt 0 ]; do if [ "$1" = --run ]; then command="$2"; fi; shift; done
exec /usr/bin/env -i PATH=/shell/bin HMS_TEST=${shellQuote(value)} HOME=/nix-shell-home \
  TMPDIR=/tmp/nix-shell-1 IN_NIX_SHELL=pure ${BASH} -c "$command"
`,
  );
}

function nixShellCalls(dir: string): number {
  return existsSync(join(dir, "calls")) ? readFileSync(join(dir, "calls"), "utf8").split("\n").length - 1 : 0;
}

describe("launch.sh with the cached environment", () => {
  const VALUE = `fresh it's $(touch ${MARKER}) "q"\nline two \\ \``;
  const PROBE = 'printf "%s\\0" "$HMS_TEST" "$PATH" "$HOME" "${TMPDIR:-}" "$IN_NIX_SHELL" "$PWD"';

  function setup() {
    const made = makeEnvironment({ bash: BASH });
    const bin = binDir(made.root, "bin", false);
    fakeNixShell(bin, VALUE);
    const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: "/caller-home" };
    const launch = (...args: string[]) => run("./launch.sh", args, { cwd: made.envDir, env });
    return { ...made, bin, env, launch };
  }

  it("captures the shell once, then enters from the cache without nix-shell", () => {
    const { root, envDir, bin, env, launch, context } = setup();
    for (let round = 0; round < 2; round++) {
      const result = launch("--run", PROBE);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(splitNul(result.stdout)).toEqual([
        VALUE,
        `/shell/bin:${env.PATH}`,
        "/caller-home",
        "",
        "impure",
        join(envDir, context.checkoutName),
      ]);
    }
    expect(nixShellCalls(bin)).toBe(1);
    expect(existsSync(join(envDir, SHELL_ENV_FILE))).toBe(true);
    // the shell it captured is the one the environment's GC root keeps
    expect(readdirSync(join(envDir, GC_ROOT_DIR))).toEqual(["shell"]);
    expect(readlinkSync(join(envDir, GC_ROOT_DIR, "shell"))).toBe(join(bin, "shell"));
    expect(injected(root)).toBe(false);
  });

  it("captures again when the shell its cache came from has left the store", () => {
    const { envDir, bin, launch } = setup();
    expect(launch("--run", "true").status).toBe(0);
    rmSync(join(bin, "shell"), { recursive: true });
    expect(launch("--run", "true").status).toBe(0);
    expect(nixShellCalls(bin)).toBe(2);
    expect(readdirSync(join(envDir, GC_ROOT_DIR))).toEqual(["shell"]);
  });

  it.each(SHELL_INPUTS)("captures again when %s changes", (file) => {
    const { envDir, bin, launch } = setup();
    expect(launch("--run", "true").status).toBe(0);
    const later = new Date(Date.now() + 5000);
    writeFileSync(join(envDir, file), "changed\n");
    utimesSync(join(envDir, file), later, later);
    expect(launch("--run", "true").status).toBe(0);
    expect(nixShellCalls(bin)).toBe(2);
  });

  it("without arguments starts an interactive bash that reads ~/.bashrc but keeps the shell's PATH", () => {
    const { envDir, env, context } = setup();
    const home = join(envDir, "..", "home");
    mkdirSync(home);
    writeFileSync(join(home, ".bashrc"), "export FROM_BASHRC=yes\nPATH=/bashrc/bin\n");
    const result = spawnSync("./launch.sh", [], {
      cwd: envDir,
      env: { ...env, HOME: home },
      encoding: "utf8",
      input: 'printf "%s\\0" "$HMS_TEST" "$FROM_BASHRC" "$PATH" "$PWD"\nexit 3\n',
    });
    expect(result.status).toBe(3);
    expect(splitNul(result.stdout)).toEqual([
      VALUE,
      "yes",
      `/shell/bin:${env.PATH}`,
      join(envDir, context.checkoutName),
    ]);
  });

  it("a capture that fails leaves no cache and no partial file behind", () => {
    const { envDir, bin, env } = setup();
    // it writes part of the cache (the command's redirect), then fails, as a failing shellHook would
    writeExecutable(
      join(bin, "nix-shell"),
      `#!${BASH}\nwhile [ "$#" -gt 0 ]; do if [ "$1" = --run ]; then command="$2"; fi; shift; done\n${BASH} -c "$command"\necho "error: attribute 'nodejs' missing" >&2\nexit 1\n`,
    );
    const result = run("./launch.sh", ["--run", "true"], { cwd: envDir, env });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("attribute 'nodejs' missing");
    expect(readdirSync(join(envDir, ".hms-env")).filter((name) => name.startsWith("shell-env"))).toEqual([]);
    expect(readdirSync(join(envDir, GC_ROOT_DIR))).toEqual(["shell"]);
  });

  it("--fresh captures again; other arguments go to nix-shell and leave the cache alone", () => {
    const { bin, launch } = setup();
    expect(launch("--run", "true").status).toBe(0);
    expect(launch("--fresh", "--run", "true").status).toBe(0);
    expect(nixShellCalls(bin)).toBe(2);
    launch("--arg", "componentEnvVars", "{ }", "--run", "true");
    expect(nixShellCalls(bin)).toBe(3);
    expect(launch("--run", "true").status).toBe(0);
    expect(nixShellCalls(bin)).toBe(3);
  });
});

describe(".envrc", () => {
  it("loads the cached environment from the checkout and watches the shell's inputs", () => {
    const { root, envDir } = makeEnvironment();
    const bin = binDir(root, "bin", false);
    fakeNixShell(bin, "from direnv");
    const probe = [
      "watch_file() { printf 'watch:%s\\0' \"$@\"; }",
      "source ./.envrc",
      'printf \'%s\\0\' "$HMS_TEST" "$NIX_BUILD_SHELL" "$NIX_PATH" "$HMS_ENV_DIR" "$PATH"',
    ].join("\n");
    const result = run(BASH, ["-c", probe], { cwd: envDir, env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(result.status).toBe(0);
    const context = hostileContext(root);
    expect(splitNul(result.stdout)).toEqual([
      ...[...SHELL_INPUTS, SHELL_ENV_FILE].map((file) => `watch:${join(envDir, file)}`),
      "from direnv",
      context.bash,
      context.nixPath,
      envDir,
      `/shell/bin:${bin}:/usr/bin:/bin`,
    ]);
    expect(injected(root)).toBe(false);
  });
});
