import { HmsError } from "../errors.js";

/** How serve talks to Slack, from the process environment (read by the CLI, handed in here). */
export type SlackSettings =
  | { mode: "off" }
  | { mode: "http"; botToken: string; signingSecret: string; apiUrl: string | undefined }
  | { mode: "socket"; botToken: string; appToken: string; apiUrl: string | undefined };

export const SLACK_SETUP_HINT = 'see the README\'s "Slack setup" section';

/**
 * No Slack variable at all: Slack is off and serve runs without it. Some but not enough: a clear error
 * naming what is missing, so a half-configured app never starts deaf.
 */
export function slackSettingsFrom(env: Record<string, string | undefined>): SlackSettings {
  const value = (name: string) => {
    const text = env[name]?.trim();
    return text === undefined || text === "" ? undefined : text;
  };
  const botToken = value("SLACK_BOT_TOKEN");
  const signingSecret = value("SLACK_SIGNING_SECRET");
  const appToken = value("SLACK_APP_TOKEN");
  const apiUrl = value("SLACK_API_URL");
  if (botToken === undefined && signingSecret === undefined && appToken === undefined) {
    if (apiUrl !== undefined) throw missing("SLACK_BOT_TOKEN", "SLACK_API_URL is set");
    return { mode: "off" };
  }
  if (apiUrl !== undefined && !/^https?:\/\/[^\s]+\/$/.test(apiUrl)) {
    throw new HmsError(
      "SLACK_SETUP",
      `SLACK_API_URL "${apiUrl}" is not a Web API base: expected an http(s) URL ending in /, such as https://slack.com/api/`,
    );
  }
  if (botToken === undefined) {
    throw missing("SLACK_BOT_TOKEN", `${signingSecret ? "SLACK_SIGNING_SECRET" : "SLACK_APP_TOKEN"} is set`);
  }
  if (appToken !== undefined) return { mode: "socket", botToken, appToken, apiUrl };
  if (signingSecret === undefined) {
    throw missing(
      "SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)",
      "SLACK_BOT_TOKEN is set",
    );
  }
  return { mode: "http", botToken, signingSecret, apiUrl };
}

function missing(what: string, because: string): HmsError {
  return new HmsError(
    "SLACK_SETUP",
    `Slack is half configured: ${because} but ${what} is missing; set it, or unset the Slack variables to run without Slack (${SLACK_SETUP_HINT})`,
  );
}
