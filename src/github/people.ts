import type { TeamConfig } from "../config/schema.js";

type Teams = Readonly<Record<string, TeamConfig>>;

const members = (teams: Teams) => Object.values(teams).flatMap((team) => team.members);

/** The Slack user ID of a GitHub login, from `teams.*.members[].github`. */
export function slackIdOf(teams: Teams, login: string): string | undefined {
  return members(teams).find((member) => member.github?.toLowerCase() === login.toLowerCase())?.slack;
}

/** The GitHub login of a Slack user ID, when the team lists one. */
export function loginOf(teams: Teams, slackId: string): string | undefined {
  return members(teams).find((member) => member.slack === slackId)?.github;
}
