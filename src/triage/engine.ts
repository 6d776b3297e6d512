import type { Config } from "../config/load.js";
import type { ComponentConfig, TeamConfig } from "../config/schema.js";
import { chooseAssignee } from "./assignee.js";
import { createComponentDetector } from "./components.js";
import { createDuplicateIndex, type OpenBug } from "./duplicates.js";
import type { FileIndex } from "./file-index.js";
import { createPathResolver } from "./path-resolver.js";
import type { RankScope, RootCauseIndex } from "./root-cause/index.js";
import type {
  Assignment,
  ComponentRouting,
  EvidenceKind,
  RotationState,
  TeamChoice,
  TriageDecision,
  TriageReport,
} from "./types.js";

/** The part of the configuration triage reads. */
export interface TriageSettings {
  components: Readonly<Record<string, ComponentConfig>>;
  teams: Readonly<Record<string, TeamConfig>>;
  fallbackTeam: string | undefined;
  duplicateThreshold: number;
}

export function triageSettings(config: Config): TriageSettings {
  return {
    components: config.components,
    teams: config.teams,
    fallbackTeam: config.triage.fallbackTeam,
    duplicateThreshold: config.triage.duplicateThreshold,
  };
}

export interface TriageEngineInput {
  settings: TriageSettings;
  /** Built once from the root-cause database (createRootCauseIndex) and kept while entries are added. */
  rootCauses: RootCauseIndex;
  openBugs: readonly OpenBug[];
  /**
   * The files of the repository's default branch (src/bugs/repository-files.ts lists them from the
   * mirror). Without it, paths are read by the components' globs alone.
   */
  files?: FileIndex | undefined;
}

/** Evidence strong enough to search only that component's root causes (and the shared ones). */
const RESTRICTING_EVIDENCE: ReadonlySet<EvidenceKind> = new Set(["explicit", "changed", "path", "label"]);

export type TriageEngine = ReturnType<typeof createTriageEngine>;

/**
 * The bot's judgement, without I/O: indexes are built once, then each decision reads only its report,
 * the rotation state and the time it is given.
 */
export function createTriageEngine({ settings, rootCauses, openBugs, files }: TriageEngineInput) {
  let detect = createComponentDetector(settings.components, files);
  let paths = createPathResolver(settings.components, files);
  // Duplicates compare the top frame in the repository's own code, read with the same files as routing.
  const duplicates = createDuplicateIndex(openBugs, (text) => paths.topFrame(text));
  const ownerOf = new Map<string, string>();
  for (const [team, { components }] of Object.entries(settings.teams)) {
    for (const component of components) ownerOf.set(component, team);
  }

  function chooseTeam(routing: ComponentRouting): TeamChoice | null {
    const teamFor = (id: string, reason: string): TeamChoice => ({
      id,
      name: settings.teams[id]?.name ?? id,
      reason,
    });
    const owner = routing.primary === null ? undefined : ownerOf.get(routing.primary);
    if (owner !== undefined) return teamFor(owner, `${owner} owns ${routing.primary}`);
    if (settings.fallbackTeam === undefined) return null;
    const why =
      routing.primary === null
        ? `needs-triage: ${routing.summary}`
        : `no team owns ${routing.primary} (teams.<team>.components)`;
    return teamFor(settings.fallbackTeam, `fallback team; ${why}`);
  }

  function assign(
    team: TeamChoice | null,
    report: TriageReport,
    rotation: RotationState,
    now: Date,
  ): Assignment {
    const config = team === null ? undefined : settings.teams[team.id];
    if (team === null || config === undefined) {
      const explanation =
        Object.keys(settings.teams).length === 0
          ? "no teams are configured (teams in hms.config.yaml)"
          : "no team to assign from";
      return { assignee: null, method: "none", explanation, skipped: [] };
    }
    return chooseAssignee({
      teamId: team.id,
      team: config,
      rotation,
      now,
      reporter: report.reporter,
      currentAssignee: report.currentAssignee,
      manualAssignee: report.manualAssignee,
    });
  }

  function rootCauseScope(routing: ComponentRouting): RankScope {
    const strong = routing.components.filter((match) => RESTRICTING_EVIDENCE.has(match.evidence));
    if (routing.outcome === "routed" && strong.length > 0) {
      return { restrictTo: new Set(strong.map((match) => match.component)) };
    }
    return { boost: new Set(routing.components.map((match) => match.component)) };
  }

  function decide(report: TriageReport, rotation: RotationState, now: Date): TriageDecision {
    const routing = detect(report);
    const team = chooseTeam(routing);
    return {
      outcome: routing.outcome,
      summary: routing.summary,
      primaryComponent: routing.primary,
      components: routing.components,
      uncounted: routing.uncounted,
      team,
      assignment: assign(team, report, rotation, now),
      rootCauses: rootCauses.rank(report.text, rootCauseScope(routing)),
      duplicates: duplicates.find(report.text, {
        threshold: settings.duplicateThreshold,
        exclude: report.bugId,
      }),
    };
  }

  /** A new commit of the default branch: paths are read against its files from now on. */
  function useFiles(index: FileIndex | undefined) {
    detect = createComponentDetector(settings.components, index);
    paths = createPathResolver(settings.components, index);
    duplicates.reframe();
  }

  return { decide, rootCauses, duplicates, useFiles };
}
