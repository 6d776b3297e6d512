import { z } from "zod";
import type { TeamConfig } from "../config/schema.js";
import { HmsError } from "../errors.js";
import type { StateData } from "../store/schema.js";
import type { Store } from "../store/store.js";
import { chooseAssignee } from "../triage/assignee.js";
import type { OpenBug } from "../triage/duplicates.js";
import type { TriageEngine } from "../triage/engine.js";
import type { Assignment, RotationState, TriageDecision, TriageReport } from "../triage/types.js";
import { bugTitle } from "./title.js";

/**
 * Triage's I/O around the pure engine: bug records, the rotation position and open load in the state
 * file, each change one locked, atomic store.update. `hms-env triage` only reads; recording, re-rolling,
 * assigning and closing are the services the Slack and GitHub sides call when a bug is filed.
 */

export const bugRecordSchema = z
  .object({
    id: z.string().regex(/^BUG-\d+$/),
    title: z.string(),
    text: z.string(),
    status: z.enum(["open", "closed"]),
    components: z.array(z.string()),
    team: z.string().nullable(),
    /** Slack ID (or whatever id a person assigned by hand was given). */
    assignee: z.string().nullable(),
    assignedBy: z.enum(["rotation", "manual"]).nullable(),
    reporter: z.string().nullable(),
    needsTriage: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    closedAt: z.string().optional(),
  })
  .loose();
export type BugRecord = z.infer<typeof bugRecordSchema>;

/** state.rotation: team id -> who got the team's last bug by rotation. */
const rotationSchema = z.record(
  z.string(),
  z.object({ lastAssigned: z.string(), updatedAt: z.string() }).loose(),
);

export interface TriageState {
  bugs: BugRecord[];
  rotation: RotationState;
}

/** Validates triage's part of the state; what is wrong is named, and the file is never rewritten. */
export function readTriageState(state: StateData, file: string): TriageState {
  const corrupt = (where: string, issues: z.core.$ZodIssue[]) =>
    new HmsError(
      "STATE_CORRUPT",
      `state file ${file}: ${where}: ${issues.map((issue) => `${issue.path.join(".") || "(record)"}: ${issue.message}`).join("; ")}; repair it or move it aside`,
    );
  const bugs = state.bugs.map((raw, index) => {
    const parsed = bugRecordSchema.safeParse(raw);
    if (!parsed.success) throw corrupt(`bugs[${index}] (${String(raw.id ?? "no id")})`, parsed.error.issues);
    return parsed.data;
  });
  const rotation = rotationSchema.safeParse(state.rotation);
  if (!rotation.success) throw corrupt("rotation", rotation.error.issues);

  const lastAssigned: Record<string, string> = {};
  for (const [team, { lastAssigned: member }] of Object.entries(rotation.data)) lastAssigned[team] = member;
  // Load is counted from the open bugs themselves, not kept as a counter: a counter drifts whenever a
  // bug is closed or reassigned somewhere the bot does not hear about; the records do not.
  const openLoad: Record<string, number> = {};
  for (const bug of bugs) {
    if (bug.status === "open" && bug.assignee !== null)
      openLoad[bug.assignee] = (openLoad[bug.assignee] ?? 0) + 1;
  }
  return { bugs, rotation: { lastAssigned, openLoad } };
}

export function openBugs(bugs: readonly BugRecord[]): OpenBug[] {
  return bugs.filter((bug) => bug.status === "open").map(({ id, title, text }) => ({ id, title, text }));
}

function nextBugId(bugs: readonly BugRecord[]): string {
  const highest = Math.max(0, ...bugs.map((bug) => Number(bug.id.slice("BUG-".length))));
  return `BUG-${highest + 1}`;
}

function findBug(state: StateData, file: string, id: string): { bug: BugRecord; index: number } {
  const { bugs } = readTriageState(state, file);
  const index = bugs.findIndex((bug) => bug.id === id);
  if (index < 0) throw new HmsError("NOT_FOUND", `no bug ${id} in ${file}`);
  return { bug: bugs[index] as BugRecord, index };
}

function applyAssignment(
  state: StateData,
  bug: BugRecord,
  team: string | null,
  assignment: Assignment,
  now: Date,
) {
  const at = now.toISOString();
  bug.assignee = assignment.assignee?.slack ?? null;
  bug.assignedBy =
    assignment.method === "manual" ? "manual" : assignment.assignee === null ? null : "rotation";
  bug.updatedAt = at;
  if (
    team !== null &&
    (assignment.method === "round-robin" || assignment.method === "least-loaded") &&
    assignment.assignee
  ) {
    state.rotation[team] = { lastAssigned: assignment.assignee.slack, updatedAt: at };
  }
}

/**
 * The new bug for a report, added to `state` (inside a caller's store.update): the decision, the record,
 * the rotation turn. `extra` adds fields of the caller's own (origin, branch, a snapshot of the decision).
 */
export function addTriagedBug(
  state: StateData,
  file: string,
  engine: TriageEngine,
  report: TriageReport,
  now: Date,
  extra: (decision: TriageDecision) => Record<string, unknown> = () => ({}),
): { bug: BugRecord; decision: TriageDecision } {
  const { bugs, rotation } = readTriageState(state, file);
  const decision = engine.decide(report, rotation, now);
  const at = now.toISOString();
  const bug: BugRecord = {
    ...extra(decision),
    id: nextBugId(bugs),
    title: bugTitle(report.text),
    text: report.text,
    status: "open",
    components: decision.components.map((match) => match.component),
    team: decision.team?.id ?? null,
    assignee: null,
    assignedBy: null,
    reporter: report.reporter ?? null,
    needsTriage: decision.outcome === "needs-triage",
    createdAt: at,
    updatedAt: at,
  };
  applyAssignment(state, bug, bug.team, decision.assignment, now);
  state.bugs.push(bug);
  return { bug, decision };
}

/** Decides and records a new bug in one locked step, so two reports at once never take the same turn. */
export async function recordTriage(
  store: Store,
  engine: TriageEngine,
  report: TriageReport,
  now: Date,
): Promise<{ bug: BugRecord; decision: TriageDecision }> {
  const result = await store.update((state) => addTriagedBug(state, store.file, engine, report, now));
  engine.duplicates.add({ id: result.bug.id, title: result.bug.title, text: result.bug.text });
  return result;
}

/**
 * A person chose the component of a bug (a needs-triage one, usually): triage decides again with that
 * choice as the strongest evidence, and the bug takes the new team and assignee. A manual assignment stays.
 */
export async function retriageBug(
  store: Store,
  engine: TriageEngine,
  bugId: string,
  component: string,
  now: Date,
): Promise<{ bug: BugRecord; decision: TriageDecision }> {
  return store.update((state) => {
    const { bug, index } = findBug(state, store.file, bugId);
    const { rotation } = readTriageState(state, store.file);
    const manual = bug.assignedBy === "manual" ? (bug.assignee ?? undefined) : undefined;
    const decision = engine.decide(
      { text: bug.text, component, reporter: bug.reporter ?? undefined, bugId, manualAssignee: manual },
      rotation,
      now,
    );
    bug.components = decision.components.map((match) => match.component);
    bug.team = decision.team?.id ?? null;
    bug.needsTriage = decision.outcome === "needs-triage";
    applyAssignment(state, bug, bug.team, decision.assignment, now);
    state.bugs[index] = bug;
    return { bug, decision };
  });
}

/** Gives an open bug to someone else in its team; a manual assignment stays as it is. */
export async function rerollAssignee(
  store: Store,
  teams: Readonly<Record<string, TeamConfig>>,
  bugId: string,
  now: Date,
): Promise<{ bug: BugRecord; assignment: Assignment }> {
  return store.update((state) => {
    const { bug, index } = findBug(state, store.file, bugId);
    const team = bug.team === null ? undefined : teams[bug.team];
    if (bug.status !== "open" || bug.team === null || team === undefined) {
      throw new HmsError(
        "INVALID_INPUT",
        `${bugId} is ${bug.status} in team ${bug.team ?? "none"}: nothing to re-roll`,
      );
    }
    const assignment = chooseAssignee({
      teamId: bug.team,
      team,
      rotation: readTriageState(state, store.file).rotation,
      now,
      reporter: bug.reporter ?? undefined,
      currentAssignee: bug.assignee ?? undefined,
      manualAssignee: bug.assignedBy === "manual" ? (bug.assignee ?? undefined) : undefined,
    });
    if (assignment.method !== "none") applyAssignment(state, bug, bug.team, assignment, now);
    state.bugs[index] = bug;
    return { bug, assignment };
  });
}

/** An admin's or a person's own choice; rotation never replaces it. */
export async function assignManually(
  store: Store,
  bugId: string,
  assignee: string,
  now: Date,
): Promise<BugRecord> {
  return store.update((state) => {
    const { bug, index } = findBug(state, store.file, bugId);
    Object.assign(bug, { assignee, assignedBy: "manual", updatedAt: now.toISOString() });
    state.bugs[index] = bug;
    return bug;
  });
}

export async function closeBug(
  store: Store,
  bugId: string,
  now: Date,
  engine?: TriageEngine,
): Promise<BugRecord> {
  const bug = await store.update((state) => {
    const { bug, index } = findBug(state, store.file, bugId);
    Object.assign(bug, { status: "closed", closedAt: now.toISOString(), updatedAt: now.toISOString() });
    state.bugs[index] = bug;
    return bug;
  });
  engine?.duplicates.remove(bugId);
  return bug;
}
