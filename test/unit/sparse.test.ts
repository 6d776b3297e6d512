import { describe, expect, it } from "vitest";
import { checkFolder } from "../../src/config/folder.js";
import { loadConfig } from "../../src/config/load.js";
import type { ComponentConfig } from "../../src/config/schema.js";
import { gitIsRecentEnough } from "../../src/envs/doctor.js";
import { planProvision } from "../../src/envs/plan.js";
import { folderOfGlob, planCheckout, widenedFolders } from "../../src/envs/sparse.js";
import { PROVISION_GRAMMAR, provisionRequestFrom } from "../../src/grammar/commands.js";
import { parseCommandArgs } from "../../src/grammar/parse.js";
import { expectHmsError, useTempDir } from "./support.js";

const tempDir = useTempDir("sparse");

function component(...paths: string[]): ComponentConfig {
  return { name: "X", description: "", paths, aliases: [], keywords: [], labels: [] };
}

describe("folderOfGlob: the folder a component's glob lives under", () => {
  it.each([
    ["SYSTEM-COMPONENTS/HMS-DEV/**", "SYSTEM-COMPONENTS/HMS-DEV"],
    ["SYSTEM-COMPONENTS/HMS-DEV/*.rb", "SYSTEM-COMPONENTS/HMS-DEV"],
    ["./SYSTEM-COMPONENTS/HMS-DEV/src/**/*.ts", "SYSTEM-COMPONENTS/HMS-DEV/src"],
    ["SYSTEM-COMPONENTS/HMS-{SME,ESR}/**", "SYSTEM-COMPONENTS"],
    ["lib/[ab]/**", "lib"],
    // Without wildcards, picomatch matches the one file of that name: its folder is the parent.
    ["SYSTEM-COMPONENTS/HMS-SYS/Cargo.toml", "SYSTEM-COMPONENTS/HMS-SYS"],
    ["Makefile", ""],
    ["**/*.rb", ""],
  ])("%s gives %j", (pattern, folder) => {
    expect(folderOfGlob(pattern)).toBe(folder);
  });

  it("a negated pattern adds no folder", () => {
    expect(folderOfGlob("!SYSTEM-COMPONENTS/HMS-DEV/vendor/**")).toBeNull();
  });
});

describe("planCheckout", () => {
  const dev: [string, ComponentConfig] = ["hms-dev", component("SYSTEM-COMPONENTS/HMS-DEV/**")];
  const sys: [string, ComponentConfig] = ["hms-sys", component("SYSTEM-COMPONENTS/HMS-SYS/**", "proto/**")];

  it("full needs no folders", () => {
    expect(planCheckout("full", [dev], ["lib"])).toEqual({ mode: "full", folders: [] });
  });

  it("sparse takes the components' folders and alwaysInclude, sorted, without repeats or nested ones", () => {
    expect(planCheckout("sparse", [dev, sys], ["lib/shared", "proto/v1", "lib/shared"])).toEqual({
      mode: "sparse",
      folders: ["SYSTEM-COMPONENTS/HMS-DEV", "SYSTEM-COMPONENTS/HMS-SYS", "lib/shared", "proto"],
    });
  });

  it("a component whose globs start at the root falls back to a full checkout and says why", () => {
    const plan = planCheckout("sparse", [dev, ["hms-any", component("**/*.rb")]], []);
    expect(plan.mode).toBe("full");
    expect(plan.note).toContain('hms-any\'s path "**/*.rb" is not under one folder');
  });

  it("--sparse and --full win over checkout.mode; all includes every component", () => {
    const dir = tempDir();
    const config = loadConfig({ cwd: dir });
    const at = new Date("2026-03-04T10:00:00Z");
    const plan = (request: object) =>
      planProvision({ component: "hms-dev", branch: "main", owner: "ana", ...request }, config, at).checkout;
    expect(plan({})).toEqual({ mode: "full", folders: [] });
    expect(plan({ checkout: "sparse" }).folders).toEqual(["SYSTEM-COMPONENTS/HMS-DEV"]);
    expect(plan({ component: "all", checkout: "sparse" }).folders).toEqual([
      "SYSTEM-COMPONENTS/HMS-DEV",
      "SYSTEM-COMPONENTS/HMS-ESR",
      "SYSTEM-COMPONENTS/HMS-SME",
      "SYSTEM-COMPONENTS/HMS-SYS",
    ]);
  });
});

describe("checkFolder: what widen and checkout.alwaysInclude accept", () => {
  it.each([
    ["lib/shared", "lib/shared"],
    ["lib/shared/", "lib/shared"],
    ["SYSTEM-COMPONENTS/HMS-ESR", "SYSTEM-COMPONENTS/HMS-ESR"],
    ["odd name/with 'quotes' $(x)", "odd name/with 'quotes' $(x)"],
  ])("%j is accepted as %j", (input, folder) => {
    expect(checkFolder(input)).toBe(folder);
  });

  it.each([
    ["", "repository root"],
    [".", "repository root"],
    ["/etc", "absolute"],
    ["../outside", '".."'],
    ["lib/../../outside", '".."'],
    ["lib//shared", "empty"],
    ["./lib", '"."'],
    ["--cone", "option"],
    ["-rf", "option"],
    ["lib/*", "patterns"],
    ["lib/[ab]", "patterns"],
    ["lib\\x", "patterns"],
    ["lib/.git", "git's own folder"],
    ["lib\nrm", "control characters"],
    ["a".repeat(2000), "longer than 1024"],
  ])("%j is refused (%s)", async (input, why) => {
    await expectHmsError(() => checkFolder(input), "INVALID_INPUT", why);
  });

  it("widening keeps the list sorted and drops folders already inside another", () => {
    expect(widenedFolders(["b", "a/x"], ["a", "b/c", "d"])).toEqual(["a", "b", "d"]);
  });
});

describe("the provision options, as the CLI and Slack's /hms-env provision parse them", () => {
  const request = (...words: string[]) =>
    provisionRequestFrom(
      parseCommandArgs(
        ["--component", "hms-dev", "--branch", "main", ...words],
        PROVISION_GRAMMAR.options,
        "usage",
      ),
      "hms-dev",
    );

  it("--sparse and --full choose the checkout; neither leaves it to checkout.mode", () => {
    expect(request("--sparse").checkout).toBe("sparse");
    expect(request("--full").checkout).toBe("full");
    expect(request().checkout).toBeUndefined();
    expect(request("--timeout", "8h")).toEqual({
      component: "hms-dev",
      branch: "main",
      pr: undefined,
      timeout: "8h",
      checkout: undefined,
    });
  });

  it("both at once is a usage error", async () => {
    await expectHmsError(() => request("--sparse", "--full"), "USAGE", "either --sparse or --full");
  });
});

describe("doctor's git version check", () => {
  it.each([
    ["git version 2.39.5", true],
    ["git version 2.32.0", true],
    ["git version 3.0.0", true],
    ["git version 2.31.8", false],
    ["git version 2.20.1", false],
    ["git version 1.9.5", false],
    ["something else", false],
  ])("%s: %s", (line, ok) => {
    expect(gitIsRecentEnough(line)).toBe(ok);
  });
});
