import { createAppAuth } from "@octokit/auth-app";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import type { Log } from "../envs/context.js";
import type { GithubAuth, GithubSettings } from "./settings.js";

const ThrottledOctokit = Octokit.plugin(throttling);
export type GithubRest = InstanceType<typeof ThrottledOctokit>;

/** serve's structured log (pino): every line of this side carries `action: "github"`. */
export type GithubLog = Pick<Log, "info" | "error">;

/** Retries of one request GitHub rate-limited; after that the error reaches the caller and is logged. */
const RATE_LIMIT_RETRIES = 2;

export interface ClientOptions {
  log: GithubLog;
  /** Seconds in `retry-after` are multiplied by this; 1000 in production, less in tests. */
  retryAfterUnitMs?: number;
  /** Ends every request in flight, and any later one (serve's stop, after its grace). */
  signal?: AbortSignal;
}

function baseOptions(settings: GithubSettings, { log, retryAfterUnitMs = 1000, signal }: ClientOptions) {
  const retry =
    (kind: string) =>
    (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const again = retryCount < RATE_LIMIT_RETRIES;
      log.info(
        { action: "github" },
        `GitHub ${kind} on ${options.method} ${options.url}: ${again ? `retrying in ${retryAfter}s` : "giving up"}`,
      );
      return again;
    };
  return {
    baseUrl: settings.apiUrl,
    userAgent: "hms-env",
    ...(signal && { request: { signal } }),
    // Octokit's own logger would print every 404 the comment lookup expects; failures reach our log instead.
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    throttle: {
      onRateLimit: retry("rate limit"),
      onSecondaryRateLimit: retry("secondary rate limit"),
      retryAfterBaseValue: retryAfterUnitMs,
    },
  };
}

/**
 * The REST client for the served repository. With a token it is ready at once; a GitHub App is
 * authenticated as its installation on the repository (found through the App's JWT when
 * GITHUB_INSTALLATION_ID is not given), and @octokit/auth-app renews the installation token itself.
 */
export function createGithubClient(
  settings: GithubSettings,
  options: ClientOptions,
): () => Promise<GithubRest> {
  const auth: GithubAuth = settings.auth;
  if (auth.kind === "token") {
    const octokit = new ThrottledOctokit({ ...baseOptions(settings, options), auth: auth.token });
    return async () => octokit;
  }
  let installed: Promise<GithubRest> | undefined;
  const connect = async (): Promise<GithubRest> => {
    const appAuth = { appId: auth.appId, privateKey: auth.privateKey };
    let installationId = auth.installationId;
    if (installationId === undefined) {
      const asApp = new ThrottledOctokit({
        ...baseOptions(settings, options),
        authStrategy: createAppAuth,
        auth: appAuth,
      });
      const { data } = await asApp.rest.apps.getRepoInstallation({
        owner: settings.owner,
        repo: settings.repo,
      });
      installationId = data.id;
    }
    return new ThrottledOctokit({
      ...baseOptions(settings, options),
      authStrategy: createAppAuth,
      auth: { ...appAuth, installationId },
    });
  };
  return () => {
    // A failed lookup (App not installed yet) is tried again on the next delivery, not remembered.
    installed ??= connect().catch((error: unknown) => {
      installed = undefined;
      throw error;
    });
    return installed;
  };
}
