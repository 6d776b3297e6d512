import type { MemberConfig, TeamConfig } from "../config/schema.js";
import type { Assignment, MemberRef, RotationState } from "./types.js";

export interface AssigneeRequest {
  teamId: string;
  team: TeamConfig;
  rotation: RotationState;
  now: Date;
  reporter?: string | undefined;
  currentAssignee?: string | undefined;
  manualAssignee?: string | undefined;
}

export function memberRef(member: MemberConfig): MemberRef {
  return {
    slack: member.slack,
    github: member.github,
    name: member.name ?? member.github ?? member.slack,
    handle: `@${member.github ?? member.slack}`,
  };
}

/** A person is named by Slack ID or GitHub login (GitHub logins are case-insensitive). */
function isPerson(member: MemberConfig, id: string | undefined): boolean {
  if (id === undefined) return false;
  return (
    member.slack === id || (member.github !== undefined && member.github.toLowerCase() === id.toLowerCase())
  );
}

/** Why a member cannot take this bug now, or null if they can. */
function unavailability(member: MemberConfig, request: AssigneeRequest): string | null {
  if (isPerson(member, request.reporter)) return "reporter";
  if (isPerson(member, request.currentAssignee)) return "current assignee";
  if (member.awayUntil !== undefined && request.now.getTime() < Date.parse(member.awayUntil)) {
    return `away until ${member.awayUntil}`;
  }
  const load = request.rotation.openLoad[member.slack] ?? 0;
  if (member.capacity !== undefined && load >= member.capacity)
    return `at capacity ${load}/${member.capacity}`;
  return null;
}

/** The team's members starting after whoever got the team's last bug, so turns go around. */
function rotationOrder(request: AssigneeRequest): MemberConfig[] {
  const members = request.team.members;
  const last = request.rotation.lastAssigned[request.teamId];
  const start = members.findIndex((member) => member.slack === last) + 1;
  return [...members.slice(start), ...members.slice(0, start)];
}

function describeSkips(skipped: Assignment["skipped"]): string {
  return skipped.map(({ member, reason }) => `${member.handle} (${reason})`).join(", ");
}

/**
 * Chooses who gets a bug in a team. Never the reporter, someone away, someone at capacity, or (on a
 * re-roll) the current assignee; a manual assignment is reported as it is and never replaced.
 */
export function chooseAssignee(request: AssigneeRequest): Assignment {
  if (request.manualAssignee !== undefined) return manualAssignment(request, request.manualAssignee);

  const order = rotationOrder(request);
  const checked = order.map((member) => ({ member, reason: unavailability(member, request) }));
  const available = checked.filter(({ reason }) => reason === null).map(({ member }) => member);
  const strategy = request.team.strategy;
  const load = (member: MemberConfig) => request.rotation.openLoad[member.slack] ?? 0;
  // Least-loaded takes the smallest load; among equals (and for round-robin) the rotation order decides.
  const chosen =
    strategy === "least-loaded"
      ? available.reduce<MemberConfig | undefined>(
          (best, member) => (best && load(best) <= load(member) ? best : member),
          undefined,
        )
      : available[0];

  // Round-robin reports the people passed over on the way to the chosen one; least-loaded, everyone out.
  const passed = strategy === "round-robin" && chosen ? checked.slice(0, order.indexOf(chosen)) : checked;
  const skipped = passed.flatMap(({ member, reason }) =>
    reason === null ? [] : [{ member: memberRef(member), reason }],
  );
  const skips = skipped.length > 0 ? `; skipped ${describeSkips(skipped)}` : "";

  if (chosen === undefined) {
    return {
      assignee: null,
      method: "none",
      explanation: `nobody in ${request.teamId} can take it now${skips}; an admin has to assign it`,
      skipped,
    };
  }
  const why =
    strategy === "least-loaded"
      ? `least loaded in ${request.teamId} (${load(chosen)} open bug${load(chosen) === 1 ? "" : "s"})`
      : `next in ${request.teamId} rotation`;
  return { assignee: memberRef(chosen), method: strategy, explanation: `${why}${skips}`, skipped };
}

function manualAssignment(request: AssigneeRequest, id: string): Assignment {
  const member = request.team.members.find((candidate) => isPerson(candidate, id));
  const assignee = member ? memberRef(member) : { slack: id, name: id, handle: `@${id}` };
  return {
    assignee,
    method: "manual",
    explanation: `assigned by hand to ${assignee.handle}; the rotation does not override it`,
    skipped: [],
  };
}
