import type { EnvContext, Log } from "../envs/context.js";
import { cleanupEnvironment } from "../envs/lifecycle.js";
import { provision } from "../envs/provision.js";
import { createGithubSide, type GithubSide } from "./index.js";
import { type GithubSettings, githubSetupFromEnv } from "./settings.js";

/** The GitHub side of serve, given the engine's services: provisioning, cleanup and the records. */
export function startGithub(context: EnvContext, settings: GithubSettings): GithubSide {
  return createGithubSide({
    settings,
    services: {
      config: context.config,
      store: context.store,
      now: () => context.clock.now(),
      log: context.log,
      provision: (request) => provision(context, request),
      cleanup: (id, reason, actor) => cleanupEnvironment(context, id, reason, actor),
      environments: async () => (await context.store.read()).environments,
    },
  });
}

/**
 * GitHub when GITHUB_WEBHOOK_SECRET is set (everything else it needs is checked before anything
 * starts: what is missing stops serve), nothing otherwise, said once in the log.
 */
export function startGithubIfConfigured(
  context: EnvContext,
  env: Readonly<Record<string, string | undefined>>,
  log: Log,
): GithubSide | undefined {
  const setup = githubSetupFromEnv(env, context.config.github);
  if (!setup.enabled) {
    log.info(
      { action: "github", enabled: false },
      `GitHub: off (${setup.reason}); see README "GitHub setup"`,
    );
    return undefined;
  }
  log.info(
    {
      action: "github",
      repository: `${setup.settings.owner}/${setup.settings.repo}`,
      apiUrl: setup.settings.apiUrl,
    },
    `GitHub: POST /github/webhooks on this server for ${setup.settings.owner}/${setup.settings.repo}`,
  );
  return startGithub(context, setup.settings);
}
