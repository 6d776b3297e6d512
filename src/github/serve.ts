import type { App } from "../app.js";
import type { BugServices } from "../bugs/services.js";
import type { Log } from "../envs/context.js";
import { createGithubSide, type GithubSide } from "./index.js";
import type { GithubSettings, GithubSetup } from "./settings.js";

/** The GitHub side of serve, given the engine's services: provisioning, cleanup and the records. */
export function startGithub(app: App, settings: GithubSettings, bugs?: BugServices): GithubSide {
  return createGithubSide({
    settings,
    ...(bugs && { rootCauses: bugs.engine.rootCauses }),
    services: {
      config: app.config,
      store: app.store,
      holder: app.envs.self,
      now: () => app.clock.now(),
      log: app.log,
      provision: (request) => app.environments.provision(request),
      cleanup: (id, reason, actor) => app.environments.cleanup(id, reason, actor),
      environments: () => app.environments.list({ all: true }),
      ...(bugs && { pipeline: bugs.pipeline }),
    },
  });
}

/**
 * GitHub when GITHUB_WEBHOOK_SECRET is set (githubSetupFromEnv has checked everything else it needs
 * before anything started), nothing otherwise, said once in the log.
 */
export async function startGithubIfConfigured(
  app: App,
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
  return startGithub(app, setup.settings, await bugs());
}
