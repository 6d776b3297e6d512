import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfigText } from "../../../src/config/load.js";
import { isHmsError } from "../../../src/errors.js";
import { useTempDir } from "../support.js";

const tempDir = useTempDir("triage");

const TEAMS_YAML = `
teams:
  sme-team:
    name: SME team
    strategy: round-robin
    components: [hms-sme, hms-esr]
    members:
      - { slack: U01ANA, github: ana, name: Ana Ruiz, awayUntil: 2026-12-01, capacity: 5 }
      - { slack: U01BO, github: bo }
  platform:
    strategy: least-loaded
    members:
      - { slack: U04IVY }
triage:
  fallbackTeam: platform
  duplicateThreshold: 0.7
admins: [U04IVY]
`;

function loadYaml(text: string) {
  const dir = tempDir();
  writeFileSync(join(dir, "hms.config.yaml"), text);
  return loadConfig({ cwd: dir });
}

function rejection(text: string): string {
  try {
    parseConfigText(text, "hms.config.yaml");
  } catch (error) {
    expect(isHmsError(error, "CONFIG_INVALID")).toBe(true);
    expect((error as { exitCode: number }).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error("expected the configuration to be rejected");
}

describe("triage configuration", () => {
  it("resolves teams, members, strategy, ownership, fallback team, threshold and admins", () => {
    const config = loadYaml(TEAMS_YAML);
    expect(config.teams["sme-team"]).toEqual({
      name: "SME team",
      strategy: "round-robin",
      components: ["hms-sme", "hms-esr"],
      members: [
        { slack: "U01ANA", github: "ana", name: "Ana Ruiz", awayUntil: "2026-12-01", capacity: 5 },
        { slack: "U01BO", github: "bo" },
      ],
    });
    expect(config.teams.platform?.components).toEqual([]);
    expect(config.triage).toEqual({ fallbackTeam: "platform", duplicateThreshold: 0.7 });
    expect(config.admins).toEqual(["U04IVY"]);
  });

  it("defaults to no teams, threshold 0.6, and the four components with keywords", () => {
    const config = loadYaml("defaultBranch: main\n");
    expect(config.teams).toEqual({});
    expect(config.triage).toEqual({ fallbackTeam: undefined, duplicateThreshold: 0.6 });
    expect(config.admins).toEqual([]);
    expect(Object.keys(config.components)).toEqual(["hms-sme", "hms-esr", "hms-dev", "hms-sys"]);
    expect(config.components["hms-sme"]?.keywords).toContain("activerecord");
    expect(config.components["hms-dev"]?.keywords).toContain("tsc");
    expect(config.components["hms-sys"]?.keywords).toContain("protoc");
    expect(config.components["hms-esr"]?.keywords).toContain("esr.yml");
    // Bundler and gems are every Ruby component's, so they point at none.
    expect(config.components["hms-esr"]?.keywords).not.toContain("bundler");
  });

  it("keeps components written without the triage keys valid", () => {
    const config = loadYaml("components:\n  web:\n    name: Web\n    paths: ['web/**']\n");
    expect(config.components.web).toEqual({
      name: "Web",
      description: "",
      paths: ["web/**"],
      aliases: [],
      keywords: [],
      labels: [],
    });
  });

  it.each([
    [
      "a team owning an unknown component",
      "teams:\n  a: { components: [hms-web], members: [{ slack: U01A }] }\ntriage: { fallbackTeam: a }",
      'teams.a.components.0: unknown component "hms-web" (components: hms-sme, hms-esr, hms-dev, hms-sys)',
    ],
    [
      "two teams owning one component",
      "teams:\n  a: { components: [hms-sme], members: [{ slack: U01A }] }\n  b: { components: [hms-sme], members: [{ slack: U01B }] }\ntriage: { fallbackTeam: a }",
      "teams.b.components.0: hms-sme is already owned by team a",
    ],
    [
      "teams without a fallback team",
      "teams:\n  a: { members: [{ slack: U01A }] }",
      "triage.fallbackTeam: required when teams are configured: the team that gets reports no component claims",
    ],
    [
      "an unknown fallback team",
      "teams:\n  a: { members: [{ slack: U01A }] }\ntriage: { fallbackTeam: ops }",
      'triage.fallbackTeam: unknown team "ops" (teams: a)',
    ],
    [
      "a display name instead of a Slack ID",
      "teams:\n  a: { members: [{ slack: ana }] }\ntriage: { fallbackTeam: a }",
      "teams.a.members.0.slack: expected a Slack user ID such as U024BE7LH (not a display name)",
    ],
    [
      "a date that is not one",
      "teams:\n  a: { members: [{ slack: U01A, awayUntil: next monday }] }\ntriage: { fallbackTeam: a }",
      "teams.a.members.0.awayUntil: expected a date such as 2026-12-01",
    ],
    [
      "an unknown strategy",
      "teams:\n  a: { strategy: random, members: [{ slack: U01A }] }\ntriage: { fallbackTeam: a }",
      "teams.a.strategy:",
    ],
    [
      "a team without members",
      "teams:\n  a: { members: [] }\ntriage: { fallbackTeam: a }",
      "teams.a.members: a team needs at least one member",
    ],
    [
      "the same person twice in a team",
      "teams:\n  a: { members: [{ slack: U01A }, { slack: U01A }] }\ntriage: { fallbackTeam: a }",
      "teams.a.members.1.slack: U01A is listed twice",
    ],
    ["a threshold above 1", "triage: { duplicateThreshold: 60 }", "triage.duplicateThreshold:"],
    ["an unknown triage key", "triage: { threshold: 0.5 }", "triage:"],
    ["a display name among admins", "admins: [ivy]", "admins.0: expected a Slack user ID"],
  ])("rejects %s, naming the key", (_, yaml, message) => {
    expect(rejection(yaml)).toContain(`hms.config.yaml: ${message}`);
  });
});
