import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.js";
import { githubSetupFromEnv } from "../../../src/github/settings.js";
import { expectHmsError, useTempDir } from "../support.js";

const github = {
  repository: "hms-org/hms-monorepo",
  bugLabel: "bug",
  keepLabel: "keep-env",
  createIssues: undefined,
  prEnvironments: true,
  prTimeout: "24h",
  prTimeoutMs: 86_400_000,
  allowForks: false,
};
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

describe("GitHub variables", () => {
  const tempDir = useTempDir("gh-settings");

  it("none set: GitHub is off, with the reason serve logs once", () => {
    const setup = githubSetupFromEnv({ PATH: "/usr/bin" }, github);
    expect(setup).toEqual({ enabled: false, reason: expect.stringContaining("no GITHUB_WEBHOOK_SECRET") });
  });

  it("a token alone (exported for other tools) leaves GitHub off and says why", () => {
    expect(githubSetupFromEnv({ GITHUB_TOKEN: "t" }, github)).toEqual({
      enabled: false,
      reason: "GITHUB_TOKEN is set but GITHUB_WEBHOOK_SECRET is not",
    });
  });

  it("a secret and a token: token auth against api.github.com, or GITHUB_API_URL", () => {
    const env = { GITHUB_WEBHOOK_SECRET: "s", GITHUB_TOKEN: "ghp_x" };
    expect(githubSetupFromEnv(env, github)).toEqual({
      enabled: true,
      settings: {
        owner: "hms-org",
        repo: "hms-monorepo",
        webhookSecret: "s",
        auth: { kind: "token", token: "ghp_x" },
        apiUrl: "https://api.github.com",
      },
    });
    const enterprise = githubSetupFromEnv(
      { ...env, GITHUB_API_URL: "https://ghe.example.com/api/v3/" },
      github,
    );
    expect(enterprise.enabled && enterprise.settings.apiUrl).toBe("https://ghe.example.com/api/v3");
  });

  it("a GitHub App: the key as PEM text (with \\n escapes, as .env files keep it) or as a file", () => {
    const escaped = privateKey.replaceAll("\n", "\\n");
    const env = { GITHUB_WEBHOOK_SECRET: "s", GITHUB_APP_ID: "123", GITHUB_PRIVATE_KEY: escaped };
    const fromText = githubSetupFromEnv(env, github);
    expect(fromText.enabled && fromText.settings.auth).toEqual({
      kind: "app",
      appId: 123,
      privateKey,
      installationId: undefined,
    });
    const file = join(tempDir(), "app.pem");
    writeFileSync(file, privateKey);
    const fromFile = githubSetupFromEnv(
      { ...env, GITHUB_PRIVATE_KEY: file, GITHUB_INSTALLATION_ID: "77" },
      github,
    );
    expect(fromFile.enabled && fromFile.settings.auth).toMatchObject({
      kind: "app",
      privateKey,
      installationId: 77,
    });
  });

  it.each([
    [{ GITHUB_WEBHOOK_SECRET: "s" }, "set but GITHUB_TOKEN (or GITHUB_APP_ID and GITHUB_PRIVATE_KEY"],
    [{ GITHUB_WEBHOOK_SECRET: "s", GITHUB_APP_ID: "12" }, "set but GITHUB_PRIVATE_KEY (the App's"],
    [{ GITHUB_WEBHOOK_SECRET: "s", GITHUB_PRIVATE_KEY: "k" }, "set but GITHUB_APP_ID is missing"],
    [{ GITHUB_APP_ID: "12", GITHUB_PRIVATE_KEY: "k" }, "are set but GITHUB_WEBHOOK_SECRET"],
    [{ GITHUB_INSTALLATION_ID: "7", GITHUB_TOKEN: "t" }, "are set but GITHUB_WEBHOOK_SECRET"],
    [
      { GITHUB_WEBHOOK_SECRET: "s", GITHUB_APP_ID: "twelve", GITHUB_PRIVATE_KEY: "k" },
      'GITHUB_APP_ID "twelve" is not a number',
    ],
    [
      { GITHUB_WEBHOOK_SECRET: "s", GITHUB_APP_ID: "12", GITHUB_PRIVATE_KEY: "/no/such.pem" },
      "neither a PEM private key",
    ],
    [{ GITHUB_WEBHOOK_SECRET: "s", GITHUB_TOKEN: "t", GITHUB_API_URL: "api.github.com" }, "is not a URL"],
    [{ GITHUB_WEBHOOK_SECRET: "s", GITHUB_TOKEN: "t", GITHUB_API_URL: "ftp://x" }, "must be an http(s) URL"],
  ])(
    "half a setup is an error (exit 1, as for Slack) that names what is missing: %j",
    async (env, message) => {
      const error = await expectHmsError(() => githubSetupFromEnv(env, github), "GITHUB_SETUP", message);
      expect(error.exitCode).toBe(1);
      expect(error.message).toContain('see the README\'s "GitHub setup" section');
    },
  );

  it("github.repository is required once GitHub is set up", async () => {
    await expectHmsError(
      () =>
        githubSetupFromEnv(
          { GITHUB_WEBHOOK_SECRET: "s", GITHUB_TOKEN: "t" },
          { ...github, repository: undefined },
        ),
      "GITHUB_SETUP",
      "set but github.repository is missing from hms.config.yaml",
    );
  });
});

describe("the github section of hms.config.yaml", () => {
  it("has defaults for every key but the repository", () => {
    expect(parseConfigText("{}", "hms.config.yaml").github).toEqual({
      bugLabel: "bug",
      keepLabel: "keep-env",
      prEnvironments: true,
      prTimeout: "24h",
      allowForks: false,
    });
  });

  it.each([
    ["github:\n  repository: hms-monorepo", "github.repository: expected owner/name"],
    ["github:\n  prTimeout: soon", "github.prTimeout: expected a duration"],
    ["github:\n  allowForks: yes please", "github.allowForks"],
    ["github:\n  bugLabel: ''", "github.bugLabel"],
    ["github:\n  reviewers: [ana]", "reviewers"],
  ])("refuses %j by key", async (text, message) => {
    await expectHmsError(() => parseConfigText(text, "hms.config.yaml"), "CONFIG_INVALID", message);
  });
});
