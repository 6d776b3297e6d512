import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { findConfigFile, loadConfig } from "../../src/config/load.js";
import { configJsonSchema, JSON_SCHEMA_FILE } from "../../src/config/write-json-schema.js";
import { expectHmsError, useTempDir } from "./support.js";

const PROJECT_ROOT = resolve(import.meta.dirname, "..", "..");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const COMPONENT_FOLDERS = {
  "hms-sme": "HMS-SME",
  "hms-esr": "HMS-ESR",
  "hms-dev": "HMS-DEV",
  "hms-sys": "HMS-SYS",
};

const tempDir = useTempDir("config");

function writeFile(file: string, text: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Loads `text` as the file named with --config, from a different working directory. */
function loadText(text: string) {
  const dir = tempDir();
  const file = writeFile(join(dir, "conf", "hms.config.yaml"), text);
  return { file, dir, load: () => loadConfig({ explicitPath: file, cwd: join(dir, "elsewhere") }) };
}

describe("built-in defaults (no config file anywhere)", () => {
  it("describe the four HMS components with their SYSTEM-COMPONENTS globs", () => {
    const config = loadConfig({ cwd: tempDir() });
    expect(config.source).toBeNull();
    expect(Object.keys(config.components)).toEqual(Object.keys(COMPONENT_FOLDERS));
    for (const [id, folder] of Object.entries(COMPONENT_FOLDERS)) {
      expect(config.components[id]?.name).toBe(folder);
      expect(config.components[id]?.paths).toEqual([`SYSTEM-COMPONENTS/${folder}/**`]);
    }
  });

  it("put the env root and state file under the working directory", () => {
    const cwd = tempDir();
    const config = loadConfig({ cwd });
    expect(config.envRoot).toBe(join(cwd, "temp_envs"));
    expect(config.stateFile).toBe(join(cwd, "data", "state.json"));
    expect(config.cacheDir).toBe(join(cwd, "temp_envs", ".mirrors"));
    expect(config.repo).toBeUndefined();
    expect(config.defaultBranch).toBeUndefined();
  });

  it("turn Slack's auto-provisioning on, warn 1h before a deadline and offer Extend 4h and 24h", () => {
    expect(loadConfig({ cwd: tempDir() }).slack).toEqual({
      bugChannels: [],
      autoProvision: true,
      warnBeforeMs: 3_600_000,
      extendChoices: ["4h", "24h"],
    });
  });

  it("time out after 24h, allow 5m to 7d", () => {
    const { timeouts } = loadConfig({ cwd: tempDir() });
    expect(timeouts).toEqual({ defaultMs: 24 * HOUR, minMs: 5 * MINUTE, maxMs: 7 * DAY });
  });

  it("use the shipped Nix file and root-cause database", () => {
    const config = loadConfig({ cwd: tempDir() });
    expect(config.nix.file).toBe(join(PROJECT_ROOT, "nix", "hms-env.nix"));
    expect(config.rootCauseDb).toBe(join(PROJECT_ROOT, "data", "root_cause.json"));
    expect(existsSync(config.nix.file)).toBe(true);
    expect(existsSync(config.rootCauseDb)).toBe(true);
  });

  it("are also what an empty file gives, relative to the file's folder", () => {
    const { file, load } = loadText("");
    const config = load();
    expect(config.source).toBe(file);
    expect(config.envRoot).toBe(join(dirname(file), "temp_envs"));
    expect(Object.keys(config.components)).toEqual(Object.keys(COMPONENT_FOLDERS));
    expect(config.timeouts.defaultMs).toBe(24 * HOUR);
  });
});

describe("lookup order: --config, then $HMS_CONFIG, then ./hms.config.yaml, then defaults", () => {
  /** Three config files, each with its own envRoot so the one loaded is visible. */
  function threeConfigs() {
    const cwd = tempDir();
    const explicit = writeFile(join(cwd, "explicit.yaml"), "envRoot: /envs/explicit\n");
    const fromEnv = writeFile(join(cwd, "from-env.yaml"), "envRoot: /envs/from-env\n");
    const local = writeFile(join(cwd, "hms.config.yaml"), "envRoot: /envs/local\n");
    return { cwd, explicit, fromEnv, local };
  }

  it("--config wins over $HMS_CONFIG and ./hms.config.yaml", () => {
    const { cwd, explicit, fromEnv } = threeConfigs();
    const lookup = { explicitPath: explicit, envPath: fromEnv, cwd };
    expect(findConfigFile(lookup)).toBe(explicit);
    expect(loadConfig(lookup).envRoot).toBe("/envs/explicit");
  });

  it("$HMS_CONFIG wins over ./hms.config.yaml", () => {
    const { cwd, fromEnv } = threeConfigs();
    expect(findConfigFile({ envPath: fromEnv, cwd })).toBe(fromEnv);
    expect(loadConfig({ envPath: fromEnv, cwd }).envRoot).toBe("/envs/from-env");
  });

  it("./hms.config.yaml is used when nothing is named", () => {
    const { cwd, local } = threeConfigs();
    expect(findConfigFile({ cwd })).toBe(local);
    expect(loadConfig({ cwd }).envRoot).toBe("/envs/local");
  });

  it("an empty $HMS_CONFIG counts as unset", () => {
    const { cwd, local } = threeConfigs();
    expect(findConfigFile({ envPath: "", cwd })).toBe(local);
  });

  it("falls back to the built-in defaults when there is no file", () => {
    expect(findConfigFile({ cwd: tempDir() })).toBeNull();
  });

  it("resolves a relative --config or $HMS_CONFIG against the working directory", () => {
    const { cwd, explicit, fromEnv } = threeConfigs();
    expect(findConfigFile({ explicitPath: "explicit.yaml", cwd })).toBe(explicit);
    expect(findConfigFile({ envPath: "./from-env.yaml", cwd })).toBe(fromEnv);
  });

  it("a --config file that does not exist fails, naming it, even when ./hms.config.yaml exists", async () => {
    const { cwd } = threeConfigs();
    const missing = join(cwd, "missing.yaml");
    await expectHmsError(
      () => loadConfig({ explicitPath: "missing.yaml", cwd }),
      "CONFIG_NOT_FOUND",
      missing,
      "--config",
      "does not exist",
    );
  });

  it("a $HMS_CONFIG file that does not exist fails, naming it and HMS_CONFIG", async () => {
    const cwd = tempDir();
    await expectHmsError(
      () => loadConfig({ envPath: "nope.yaml", cwd }),
      "CONFIG_NOT_FOUND",
      join(cwd, "nope.yaml"),
      "HMS_CONFIG",
    );
  });
});

describe("an invalid file fails with CONFIG_INVALID naming the file, the key path and what was expected", () => {
  it.each([
    ["limits:\n  maxEnvsPerOwner: 0\n", "limits.maxEnvsPerOwner", "expected number"],
    ["limits:\n  maxEnvsPerOwner: five\n", "limits.maxEnvsPerOwner", "expected number"],
    ["limits:\n  maxEnvsPerOwner: 2.5\n", "limits.maxEnvsPerOwner", "expected int"],
    ["defaults:\n  timeout: '8'\n", "defaults.timeout", "expected a duration"],
    ["defaults:\n  timeout: 8 hours\n", "defaults.timeout", "expected a duration"],
    ["defaults:\n  timeout: 8\n", "defaults.timeout", "expected string"],
    ["limits:\n  maxTimeout: 1.5d\n", "limits.maxTimeout", "expected a duration"],
    [
      "components:\n  hms-sme:\n    name: HMS-SME\n    paths: []\n",
      "components.hms-sme.paths",
      "expected array",
    ],
    ["components:\n  hms-sme:\n    paths: [a/**]\n", "components.hms-sme.name", "expected string"],
    ["components:\n  HMS_SME:\n    name: X\n    paths: [a/**]\n", "components.HMS_SME", "lower-case id"],
    ["nix:\n  bash: bin/bash\n", "nix.bash", "absolute path"],
    ["checkout:\n  mode: partial\n", "checkout.mode", '"full"'],
    ["checkout:\n  alwaysInclude: [../shared]\n", "checkout.alwaysInclude.0", '".."'],
    ["checkout:\n  alwaysInclude: ['--cone']\n", "checkout.alwaysInclude.0", "option"],
    ["mirror:\n  partialClone: maybe\n", "mirror.partialClone", "expected boolean"],
    ["timeouts:\n  fetch: forever\n", "timeouts.fetch", "expected a duration"],
    ["timeouts:\n  build: 0h\n", "timeouts.build", "expected a duration"],
    ["timeouts:\n  stall: 30\n", "timeouts.stall", "expected string"],
    ["timeouts:\n  clone: 5m\n", "timeouts", "clone"],
    ["envRoot: ''\n", "envRoot", "expected string"],
    ["- just\n- a list\n", "(top level)", "expected object"],
    ["slack:\n  bugChannels: ['#bugs']\n", "slack.bugChannels.0", "channel ID"],
    ["slack:\n  warnBefore: soon\n", "slack.warnBefore", "expected a duration"],
    ["slack:\n  extendChoices: []\n", "slack.extendChoices", "expected array"],
    ["slack:\n  autoProvision: 'no'\n", "slack.autoProvision", "expected boolean"],
    ["slack:\n  channel: C1\n", "slack", "channel"],
  ])("%j", async (text, keyPath, expected) => {
    const { file, load } = loadText(text);
    await expectHmsError(load, "CONFIG_INVALID", file, `${keyPath}:`, expected);
  });

  it("an Extend choice outside the timeout limits is invalid", async () => {
    const { file, load } = loadText("slack:\n  extendChoices: [4h, 30d]\n");
    await expectHmsError(load, "CONFIG_INVALID", file, "slack.extendChoices.1 (30d)", "limits.maxTimeout");
  });

  it("a team channel that is not a channel ID is invalid", async () => {
    const { file, load } = loadText(
      "teams:\n  t:\n    channel: '#t'\n    members: [{ slack: U1AB }]\ntriage:\n  fallbackTeam: t\n",
    );
    await expectHmsError(load, "CONFIG_INVALID", file, "teams.t.channel", "channel ID");
  });

  it("a default timeout above limits.maxTimeout is invalid", async () => {
    const { file, load } = loadText("defaults:\n  timeout: 30d\n");
    await expectHmsError(load, "CONFIG_INVALID", file, "defaults.timeout", "7d");
  });

  it("invalid YAML names the file and where it broke", async () => {
    const { file, load } = loadText("envRoot: ./envs\nlimits: [unclosed\n");
    await expectHmsError(load, "CONFIG_INVALID", file, "not valid YAML", "at line", "limits: [unclosed");
  });

  it("a key given twice is invalid YAML", async () => {
    const { file, load } = loadText("envRoot: ./a\nenvRoot: ./b\n");
    await expectHmsError(load, "CONFIG_INVALID", file, "not valid YAML");
  });

  it.each([
    ["envroot: ./envs\n", "(top level)", '"envroot"'],
    ["limits:\n  maxTimeOut: 2d\n", "limits", '"maxTimeOut"'],
    ["defaults:\n  timout: 8h\n", "defaults", '"timout"'],
    ["nix:\n  files: x.nix\n", "nix", '"files"'],
    [
      "components:\n  hms-sme:\n    name: HMS-SME\n    paths: [a/**]\n    descripton: typo\n",
      "components.hms-sme",
      '"descripton"',
    ],
  ])("rejects the unknown key in %j", async (text, keyPath, key) => {
    const { file, load } = loadText(text);
    await expectHmsError(load, "CONFIG_INVALID", file, `${keyPath}:`, key);
  });
});

describe("values of a valid file", () => {
  it("relative paths resolve against the config file's folder, not the working directory", () => {
    const { file, load } = loadText(
      [
        "repo: ../origin",
        "envRoot: ./envs",
        "cacheDir: mirrors",
        "stateFile: ../state/hms.json",
        "rootCauseDb: db/root_cause.json",
        "nix:",
        "  file: nix/shell.nix",
      ].join("\n"),
    );
    const base = dirname(file);
    const config = load();
    expect(config.cwd).toBe(base);
    expect(config.repo).toBe(resolve(base, "..", "origin"));
    expect(config.envRoot).toBe(join(base, "envs"));
    expect(config.cacheDir).toBe(join(base, "mirrors"));
    expect(config.stateFile).toBe(resolve(base, "..", "state", "hms.json"));
    expect(config.rootCauseDb).toBe(join(base, "db", "root_cause.json"));
    expect(config.nix.file).toBe(join(base, "nix", "shell.nix"));
  });

  it("defaults that are paths also resolve against the config file's folder", () => {
    const { file, load } = loadText("defaultBranch: develop\n");
    const config = load();
    expect(config.envRoot).toBe(join(dirname(file), "temp_envs"));
    expect(config.stateFile).toBe(join(dirname(file), "data", "state.json"));
    expect(config.defaultBranch).toBe("develop");
  });

  it("absolute paths stay as they are", () => {
    const config = loadText("envRoot: /srv/hms/envs\nstateFile: /var/lib/hms/state.json\n").load();
    expect(config.envRoot).toBe("/srv/hms/envs");
    expect(config.stateFile).toBe("/var/lib/hms/state.json");
  });

  it.each([
    "https://github.com/hms/monorepo.git",
    "ssh://git@github.com/hms/monorepo.git",
    "git@github.com:hms/monorepo.git",
    "file:///srv/git/hms.git",
    "/srv/git/hms.git",
  ])("repo %s stays as it is", (repo) => {
    expect(loadText(`repo: ${JSON.stringify(repo)}\n`).load().repo).toBe(repo);
  });

  it("checkout, mirror and maintenance keys default to full, partial and 1h", () => {
    const config = loadText("").load();
    expect(config.checkout).toEqual({ mode: "full", alwaysInclude: [] });
    expect(config.mirror).toEqual({ partialClone: true });
    expect(config.maintenanceIntervalMs).toBe(HOUR);
    const set = loadText(
      "checkout:\n  mode: sparse\n  alwaysInclude: [lib/shared/, build]\nmirror:\n  partialClone: false\n",
    ).load();
    expect(set.checkout).toEqual({ mode: "sparse", alwaysInclude: ["lib/shared", "build"] });
    expect(set.mirror.partialClone).toBe(false);
  });

  it("durations become milliseconds", () => {
    const config = loadText(
      "defaults:\n  timeout: 8h\nlimits:\n  minTimeout: 10m\n  maxTimeout: 2w\nschedule:\n  reconcileInterval: 90s\n",
    ).load();
    expect(config.timeouts).toEqual({ defaultMs: 8 * HOUR, minMs: 10 * MINUTE, maxMs: 14 * DAY });
    expect(config.reconcileIntervalMs).toBe(90_000);
  });

  it("the step timeouts default to fetch 30m, checkout 30m, build 2h and stall 1m, each settable alone", () => {
    expect(loadConfig({ cwd: tempDir() }).stepTimeouts).toEqual({
      fetchMs: 30 * MINUTE,
      checkoutMs: 30 * MINUTE,
      buildMs: 2 * HOUR,
      stallMs: MINUTE,
    });
    expect(loadText("timeouts:\n  fetch: 2h\n  stall: 20s\n").load().stepTimeouts).toEqual({
      fetchMs: 2 * HOUR,
      checkoutMs: 30 * MINUTE,
      buildMs: 2 * HOUR,
      stallMs: 20_000,
    });
  });

  it("configured components replace the built-in ones", () => {
    const config = loadText(
      "components:\n  billing:\n    name: Billing\n    paths: [apps/billing/**]\n",
    ).load();
    expect(Object.keys(config.components)).toEqual(["billing"]);
    expect(config.components.billing?.paths).toEqual(["apps/billing/**"]);
  });

  it("JSON is accepted too (it is YAML)", () => {
    const config = loadText('{"envRoot": "/j/envs", "limits": {"maxEnvsPerOwner": 2}}').load();
    expect(config.envRoot).toBe("/j/envs");
    expect(config.maxEnvsPerOwner).toBe(2);
  });
});

describe("the committed JSON Schema", () => {
  it("is what `npm run schema` writes from the zod schema", () => {
    expect(
      existsSync(JSON_SCHEMA_FILE),
      `${JSON_SCHEMA_FILE} is missing: run \`npm run build && npm run schema\` and commit it`,
    ).toBe(true);
    expect(
      readFileSync(JSON_SCHEMA_FILE, "utf8"),
      "schema/hms.config.schema.json is out of date: run `npm run build && npm run schema` and commit it",
    ).toBe(configJsonSchema());
  });

  it("rejects unknown top-level keys and offers the documented ones", () => {
    const schema = JSON.parse(configJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    for (const key of ["repo", "envRoot", "stateFile", "defaults", "limits", "components"]) {
      expect(Object.keys(schema.properties)).toContain(key);
    }
  });
});
