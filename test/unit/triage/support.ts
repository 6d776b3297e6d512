import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadRootCauseDb } from "../../../src/bugs/root-cause-file.js";
import { DEFAULT_COMPONENTS } from "../../../src/config/defaults.js";
import type { TeamConfig } from "../../../src/config/schema.js";
import type { OpenBug } from "../../../src/triage/duplicates.js";
import { createTriageEngine, type TriageSettings } from "../../../src/triage/engine.js";
import type { FileIndex } from "../../../src/triage/file-index.js";
import { createRootCauseIndex } from "../../../src/triage/root-cause/index.js";
import type { RootCauseEntry } from "../../../src/triage/root-cause/schema.js";
import type { RotationState } from "../../../src/triage/types.js";

export const PROJECT_ROOT = resolve(import.meta.dirname, "..", "..", "..");
export const SHIPPED_DB = join(PROJECT_ROOT, "data", "root_cause.json");
export const REPORTS_DIR = join(PROJECT_ROOT, "test", "fixtures", "triage", "reports");
/** Ana is away until 2026-12-01, so on this day she is skipped. */
export const NOW = new Date("2026-11-26T12:00:00Z");

export function report(name: string): string {
  return readFileSync(join(REPORTS_DIR, `${name}.txt`), "utf8");
}

export function shippedEntries(): RootCauseEntry[] {
  return loadRootCauseDb(SHIPPED_DB).entries;
}

export const TEAMS: Record<string, TeamConfig> = {
  "sme-team": {
    name: "SME team",
    strategy: "round-robin",
    components: ["hms-sme", "hms-esr"],
    members: [
      { slack: "U01ANA", github: "ana", name: "Ana Ruiz", awayUntil: "2026-12-01" },
      { slack: "U01BO", github: "bo", name: "Bo Chen" },
      { slack: "U01CY", github: "cy", name: "Cy Okafor", capacity: 2 },
    ],
  },
  "dev-team": {
    strategy: "least-loaded",
    components: ["hms-dev"],
    members: [
      { slack: "U02DEE", github: "dee" },
      { slack: "U02ED", github: "ed" },
      { slack: "U02FLO", github: "flo" },
    ],
  },
  "sys-team": {
    strategy: "round-robin",
    components: ["hms-sys"],
    members: [
      { slack: "U03GUS", github: "gus" },
      { slack: "U03HAL", github: "hal", awayUntil: "2027-01-15" },
    ],
  },
  platform: { strategy: "round-robin", components: [], members: [{ slack: "U04IVY", github: "ivy" }] },
};

export const SETTINGS: TriageSettings = {
  components: DEFAULT_COMPONENTS,
  teams: TEAMS,
  fallbackTeam: "platform",
  duplicateThreshold: 0.6,
};

export const NO_ROTATION: RotationState = { lastAssigned: {}, openLoad: {} };

export function createEngine(
  openBugs: OpenBug[] = [],
  settings: TriageSettings = SETTINGS,
  files?: FileIndex,
) {
  return createTriageEngine({
    settings,
    rootCauses: createRootCauseIndex(shippedEntries()),
    openBugs,
    files,
  });
}

/** A minimal valid root-cause entry; tests override what they exercise. */
export function entry(overrides: Partial<RootCauseEntry> & { id: string }): RootCauseEntry {
  return {
    component: "hms-sme",
    title: "A failure",
    signatures: [],
    symptoms: ["something fails"],
    rootCause: "a cause",
    fix: "a fix",
    references: [],
    tags: [],
    occurrences: 0,
    lastSeen: null,
    ...overrides,
  };
}
