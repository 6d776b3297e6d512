import { describe, expect, it } from "vitest";
import { parseSlashCommand, splitWords } from "../../../src/slack/command-grammar.js";
import { slackSettingsFrom } from "../../../src/slack/settings.js";
import { expectHmsError } from "../support.js";

describe("Slack settings from the environment", () => {
  it("no Slack variable: Slack is off", () => {
    expect(slackSettingsFrom({ PATH: "/bin" })).toEqual({ mode: "off" });
  });

  it("bot token and signing secret: HTTP mode, with SLACK_API_URL as the Web API base", () => {
    expect(
      slackSettingsFrom({
        SLACK_BOT_TOKEN: "xoxb-1",
        SLACK_SIGNING_SECRET: "s",
        SLACK_API_URL: "http://127.0.0.1:9/api/",
      }),
    ).toEqual({ mode: "http", botToken: "xoxb-1", signingSecret: "s", apiUrl: "http://127.0.0.1:9/api/" });
  });

  it("bot token and app token: Socket Mode", () => {
    expect(slackSettingsFrom({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1" })).toMatchObject({
      mode: "socket",
      appToken: "xapp-1",
    });
  });

  it.each([
    [
      { SLACK_BOT_TOKEN: "xoxb-1" },
      "SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) is missing",
    ],
    [{ SLACK_SIGNING_SECRET: "s" }, "SLACK_BOT_TOKEN is missing"],
    [{ SLACK_APP_TOKEN: "xapp-1" }, "SLACK_BOT_TOKEN is missing"],
    [{ SLACK_API_URL: "http://127.0.0.1:9/api/" }, "SLACK_BOT_TOKEN is missing"],
    [{ SLACK_BOT_TOKEN: "x", SLACK_SIGNING_SECRET: "s", SLACK_API_URL: "slack.com/api" }, "ending in /"],
  ])("half of them (%j) stops with what is missing and where to read", async (env, fragment) => {
    const error = await expectHmsError(() => slackSettingsFrom(env), "SLACK_SETUP", fragment);
    expect(error.exitCode).toBe(1);
  });
});

describe("/hms-env grammar (the CLI's parser)", () => {
  it("reads provision with the CLI's options", () => {
    expect(parseSlashCommand("provision --component hms-sme --branch feature/x --timeout 8h")).toEqual({
      name: "provision",
      component: "hms-sme",
      branch: "feature/x",
      timeout: "8h",
    });
    expect(parseSlashCommand("provision --component=hms-dev --pr 123")).toEqual({
      name: "provision",
      component: "hms-dev",
      pr: "123",
    });
    expect(parseSlashCommand("provision --component hms-dev --branch main --sparse")).toMatchObject({
      component: "hms-dev",
      checkout: "sparse",
    });
    expect(parseSlashCommand("provision --component hms-dev --branch main --full").name).toBe("provision");
    expect(() => parseSlashCommand("provision --component hms-dev --branch main --sparse --full")).toThrow(
      "either --sparse or --full",
    );
  });

  it("reads list, extend, cleanup, triage and help", () => {
    expect(parseSlashCommand("list")).toEqual({ name: "list" });
    expect(parseSlashCommand("extend env-1a2b 4h")).toEqual({
      name: "extend",
      id: "env-1a2b",
      duration: "4h",
    });
    expect(parseSlashCommand("cleanup env-1a2b")).toEqual({ name: "cleanup", id: "env-1a2b" });
    expect(parseSlashCommand('triage PG::UndefinedTable "users" --files x')).toEqual({
      name: "triage",
      text: 'PG::UndefinedTable "users" --files x',
    });
    expect(parseSlashCommand("")).toEqual({ name: "help" });
    expect(parseSlashCommand("help")).toEqual({ name: "help" });
  });

  it.each([
    ["provision --component hms-sme --branch", "--branch"],
    ["provision --component hms-sme --bogus", "--bogus"],
    ["provision --component hms-sme --branch x --owner U1", "--owner is not taken"],
    ["cleanup --env-dir /", "--env-dir is not taken"],
    ["extend a 4h extra", 'unexpected argument "extra"'],
    ["launch", 'unknown command "launch"'],
  ])("refuses %j with the rule and the usage", async (text, fragment) => {
    await expectHmsError(() => parseSlashCommand(text), "USAGE", fragment, "Usage:");
  });

  it("splits words like a shell does for quotes, Slack's curly ones too", () => {
    expect(splitWords(`provision --branch "feature/it's" --component ‘hms-dev’ “a b”`)).toEqual([
      "provision",
      "--branch",
      "feature/it's",
      "--component",
      "hms-dev",
      "a b",
    ]);
  });
});
