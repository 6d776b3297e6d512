import { existsSync, readFileSync } from "node:fs";
import type { GithubConfig } from "../config/load.js";
import { HmsError } from "../errors.js";

/** How hms-env proves who it is to GitHub: a token, or a GitHub App's installation. */
export type GithubAuth =
  | { kind: "token"; token: string }
  | { kind: "app"; appId: number; privateKey: string; installationId: number | undefined };

/** What `serve` needs to take GitHub deliveries and call the REST API. */
export interface GithubSettings {
  owner: string;
  repo: string;
  /** `X-Hub-Signature-256` is checked against it. */
  webhookSecret: string;
  auth: GithubAuth;
  /** REST base: https://api.github.com, or GitHub Enterprise Server's https://HOST/api/v3. */
  apiUrl: string;
}

export type GithubSetup = { enabled: true; settings: GithubSettings } | { enabled: false; reason: string };

export const DEFAULT_API_URL = "https://api.github.com";

const VARIABLES = [
  "GITHUB_WEBHOOK_SECRET",
  "GITHUB_TOKEN",
  "GITHUB_APP_ID",
  "GITHUB_PRIVATE_KEY",
  "GITHUB_INSTALLATION_ID",
] as const;

type Env = Readonly<Record<string, string | undefined>>;

const present = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
};

const GITHUB_SETUP_HINT = 'see the README\'s "GitHub setup" section';

/** A GitHub setup serve cannot start with: exit 1, as for a half-configured Slack. */
const setupError = (message: string) => new HmsError("GITHUB_SETUP", `${message} (${GITHUB_SETUP_HINT})`);

/** Variables a GitHub App is given for hms-env alone: set without the secret, they are half a setup. */
const APP_VARIABLES = ["GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_INSTALLATION_ID"];

/** "A is set", "A and B are set", "A, B and C are set". */
function areSet(names: readonly string[]): string {
  const list = names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names.join("");
  return `${list} ${names.length === 1 ? "is" : "are"} set`;
}

/**
 * Reads the GitHub variables. Without GITHUB_WEBHOOK_SECRET and the App's variables GitHub is off
 * (serve says so once, and why): a GITHUB_TOKEN exported for other tools does not switch it on. With
 * the secret, or an App variable, everything else it needs must be there too, or the error names what
 * is missing: a half-done setup never fails quietly.
 */
export function githubSetupFromEnv(env: Env, config: GithubConfig): GithubSetup {
  const set = VARIABLES.filter((name) => present(env, name) !== undefined);
  const missing = (what: string) =>
    setupError(
      `GitHub is half configured: ${areSet(set)} but ${what}; set it, or unset the GitHub variables to run without GitHub`,
    );
  const webhookSecret = present(env, "GITHUB_WEBHOOK_SECRET");
  if (webhookSecret === undefined) {
    if (set.some((name) => APP_VARIABLES.includes(name))) {
      throw missing("GITHUB_WEBHOOK_SECRET (the secret of the App's webhook) is missing");
    }
    return {
      enabled: false,
      reason:
        set.length === 0
          ? "no GITHUB_WEBHOOK_SECRET, GITHUB_TOKEN or GITHUB_APP_ID is set"
          : `${areSet(set)} but GITHUB_WEBHOOK_SECRET is not`,
    };
  }
  if (config.repository === undefined) {
    throw missing("github.repository is missing from hms.config.yaml (owner/name of the repository served)");
  }
  const [owner, repo] = config.repository.split("/") as [string, string];
  return {
    enabled: true,
    settings: {
      owner,
      repo,
      webhookSecret,
      auth: authFromEnv(env, missing),
      apiUrl: apiUrlFromEnv(env),
    },
  };
}

function authFromEnv(env: Env, missing: (what: string) => HmsError): GithubAuth {
  const token = present(env, "GITHUB_TOKEN");
  const appIdText = present(env, "GITHUB_APP_ID");
  if (appIdText === undefined) {
    if (present(env, "GITHUB_PRIVATE_KEY") !== undefined) throw missing("GITHUB_APP_ID is missing");
    if (token === undefined) {
      throw missing("GITHUB_TOKEN (or GITHUB_APP_ID and GITHUB_PRIVATE_KEY for a GitHub App) is missing");
    }
    return { kind: "token", token };
  }
  if (!/^\d{1,12}$/.test(appIdText)) throw setupError(`GITHUB_APP_ID "${appIdText}" is not a number`);
  const keyText = present(env, "GITHUB_PRIVATE_KEY");
  if (keyText === undefined) {
    throw missing(
      "GITHUB_PRIVATE_KEY (the App's private key: the PEM text or the path of the .pem file) is missing",
    );
  }
  const installationText = present(env, "GITHUB_INSTALLATION_ID");
  if (installationText !== undefined && !/^\d{1,15}$/.test(installationText)) {
    throw setupError(`GITHUB_INSTALLATION_ID "${installationText}" is not a number`);
  }
  return {
    kind: "app",
    appId: Number(appIdText),
    privateKey: readPrivateKey(keyText),
    installationId: installationText === undefined ? undefined : Number(installationText),
  };
}

/** The PEM text itself (with real or `\n`-escaped line breaks, as .env files keep it), or its file. */
function readPrivateKey(value: string): string {
  if (value.includes("-----BEGIN")) return value.replace(/\\n/g, "\n");
  if (!existsSync(value)) {
    throw setupError(
      "GITHUB_PRIVATE_KEY is neither a PEM private key (-----BEGIN ...) nor the path of an existing .pem file",
    );
  }
  return readFileSync(value, "utf8");
}

function apiUrlFromEnv(env: Env): string {
  const text = present(env, "GITHUB_API_URL") ?? DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw setupError(`GITHUB_API_URL "${text}" is not a URL, e.g. https://github.example.com/api/v3`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw setupError(`GITHUB_API_URL "${text}" must be an http(s) URL`);
  }
  return text.replace(/\/+$/, "");
}
