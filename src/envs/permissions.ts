import type { Config } from "../config/load.js";
import type { EnvRecord } from "../store/schema.js";

/** Who may act on an environment: its owner, the members of the team owning its component, and admins. */
export function mayActOnEnvironment(
  env: Pick<EnvRecord, "owner" | "components">,
  userId: string,
  config: Pick<Config, "teams" | "admins">,
): boolean {
  if (env.owner === userId || config.admins.includes(userId)) return true;
  return Object.values(config.teams).some(
    (team) =>
      team.components.some((component) => env.components.includes(component)) &&
      team.members.some((member) => member.slack === userId),
  );
}

/** Who may act on a bug: its team's members, its assignee and admins. */
export function mayActOnBug(
  bug: { team: string | null; assignee: string | null },
  userId: string,
  config: Pick<Config, "teams" | "admins">,
): boolean {
  if (bug.assignee === userId || config.admins.includes(userId)) return true;
  const team = bug.team === null ? undefined : config.teams[bug.team];
  return team?.members.some((member) => member.slack === userId) ?? false;
}
