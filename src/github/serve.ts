import type { BugServices } from "../bugs/services.js";
import type { EnvContext, Log } from "../envs/context.js";
import { cleanupEnvironment } from "../envs/lifecycle.js";
import { provision } from "../envs/provision.js";
import { createGithubSide, type GithubSide } from "./index.js";
import type { GithubSettings, GithubSetup } from "./settings.js";

/** The GitHub side of serve, given the engine's services: provisioning, cleanup and the records. */
export function startGithub(context: EnvContext, settings: GithubSettings, bugs?: BugServices): GithubSide {
  return createGithubSide({
    settings,
    ...(bugs && { rootCauses: bugs.engine.rootCauses }),
    services: {
      config: context.config,
      store: context.store,
      now: () => context.clock.now(),
      log: context.log,
      provision: (request) => provision(context, request),
      cleanup: (id, reason, actor) => cleanupEnvironment(context, id, reason, actor),
      environments: async () => (await context.store.read()).environments,
      ...(bugs && { pipeline: bugs.pipeline }),
    },
  });
}

/**
 * GitHub when GITHUB_WEBHOOK_SECRET is set (githubSetupFromEnv has checked everything else it needs
 * before anything started), nothing otherwise, said once in the log.
 */
export async function startGithubIfConfigured(
  context: EnvContext,
  setup: GithubSetup,
  log: Log,
  bugs: () => Promise<BugServices>,
): Promise<GithubSide | undefined> {
  if (!setup.enabled) {
    log.info(
      { action: "github", enabled: false },
      `GitHub: off (${setup.reason}); see README "GitHub setup"`,
    );
    return undefined;
  }
  const { owner, repo, apiUrl } = setup.settings;
  log.info(
    { action: "github", repository: `${owner}/${repo}`, apiUrl },
    `GitHub: POST /github/webhooks on this server for ${owner}/${repo}`,
  );
  return startGithub(context, setup.settings, await bugs());
}
