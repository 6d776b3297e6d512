import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BugServices, createBugServices } from "../../src/bugs/services.js";
import { SHIPPED_ROOT_CAUSE_DB } from "../../src/config/package-root.js";
import { startGithub } from "../../src/github/serve.js";
import { githubSetupFromEnv } from "../../src/github/settings.js";
import { createLogger } from "../../src/log.js";
import { type RunningServer, startServer } from "../../src/main.js";
import { slackExtension } from "../../src/slack/extension.js";
import { startSlack } from "../../src/slack/serve.js";
import type { EnvRecord } from "../../src/store/schema.js";
import { createPullRepo, type PullRepo, TEST_REPOSITORY, TEST_SECRET } from "./github.js";
import { type GithubApiStandIn, startGithubApi } from "./github-api.js";
import type { FakeSlack } from "./slack.js";
import { createWorkspace, type Workspace } from "./workspace.js";

export interface GithubHarness {
  ws: Workspace;
  repo: PullRepo;
  api: GithubApiStandIn;
  server: RunningServer;
  bugs: BugServices | undefined;
  logs: string[];
  /** Waits until every accepted delivery has been worked through. */
  settle(): Promise<void>;
  environments(pr?: number): Promise<EnvRecord[]>;
  /** The state file's text ("" before its first write): a refused delivery leaves it as it was. */
  stateText(): string;
  close(): Promise<void>;
}

/**
 * The real `serve` (in this process, on a free port) with GitHub set up against the REST stand-in, a
 * bare origin holding refs/pull/N/head, and a writable copy of the root-cause database.
 */
export async function startGithubHarness(
  extraConfig = "",
  options: { bugs?: boolean; slack?: FakeSlack } = {},
): Promise<GithubHarness> {
  const repoDir = mkdtempSync(join(tmpdir(), "hms-env-gh-origin-"));
  const repo = await createPullRepo(repoDir);
  const ws = await createWorkspace(
    [
      `repo: ${JSON.stringify(repo.bare)}`,
      "rootCauseDb: ./root_cause.json",
      'schedule:\n  reconcileInterval: "1h"',
      "limits:\n  maxEnvsPerOwner: 50",
      "teams:\n  sme:\n    channel: C0SME\n    components: [hms-sme, hms-esr, hms-dev, hms-sys]\n    members:\n      - { slack: U024BE7LH, github: ana }\n      - { slack: U024BE7LJ, github: bo }",
      "triage:\n  fallbackTeam: sme",
      `github:\n  repository: ${TEST_REPOSITORY}`,
      extraConfig,
    ].join("\n"),
  );
  copyFileSync(SHIPPED_ROOT_CAUSE_DB, join(ws.dir, "root_cause.json"));
  const api = await startGithubApi();
  // serve's own JSON log; tests read its messages, errors marked.
  const logs: string[] = [];
  const note = (line: string) => logs.push(line);
  const log = createLogger({
    write: (line) => {
      const { level, msg } = JSON.parse(line) as { level: string; msg: string };
      note(level === "error" ? `error: ${msg}` : msg);
    },
  });
  const app = ws.app(undefined, log);
  const setup = githubSetupFromEnv(
    { GITHUB_WEBHOOK_SECRET: TEST_SECRET, GITHUB_TOKEN: "ghp_test_token", GITHUB_API_URL: api.url },
    app.config.github,
  );
  if (!setup.enabled) throw new Error(setup.reason);
  // The bug pipeline Slack would share, when a test needs issues to be bugs.
  const bugLog = { info: note, error: (line: string) => note(`error: ${line}`) };
  const bugs = options.bugs || options.slack ? await createBugServices(app, bugLog) : undefined;
  // Slack beside GitHub, as serve runs them, when a test gives a stand-in Slack to talk to.
  const slack =
    options.slack &&
    (await startSlack({
      hms: app,
      settings: { mode: "http", botToken: "xoxb-test", signingSecret: "s", apiUrl: options.slack.apiUrl },
      log: bugLog,
      ...(bugs && { bugs }),
    }));
  const side = startGithub(app, setup.settings, bugs);
  const extensions = [...(slack ? [slackExtension(slack)] : []), side];
  const server = await startServer({ app, port: 0, host: "127.0.0.1", extensions });
  return {
    ws,
    repo,
    api,
    server,
    bugs,
    logs,
    settle: async () => {
      await side.idle();
      await bugs?.pipeline.idle();
      await server.idle();
      await slack?.app.idle();
    },
    stateText: () => {
      try {
        return readFileSync(ws.stateFile, "utf8");
      } catch {
        return "";
      }
    },
    environments: async (pr) =>
      (await app.store.read()).environments.filter((env) => pr === undefined || env.pr === pr),
    async close() {
      await server.close();
      app.close();
      await api.close();
      ws.remove();
      rmSync(repoDir, { recursive: true, force: true });
    },
  };
}
