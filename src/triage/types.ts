/** What triage is given: a bug report as Slack, GitHub or the command line knows it. */
export interface TriageReport {
  /** Title, body, pasted logs and stack traces. */
  text: string;
  /** Changed files (a PR) or files the reporter named, relative to the repository root. */
  files?: readonly string[];
  /** GitHub labels. */
  labels?: readonly string[];
  /** A component the reporter or an admin chose: the strongest evidence there is. */
  component?: string | undefined;
  /** Slack user ID or GitHub login of the reporter, who is never assigned their own report. */
  reporter?: string | undefined;
  /** On a re-roll: the assignee being replaced, who is skipped. */
  currentAssignee?: string | undefined;
  /** Set by hand; triage reports it and never replaces it. */
  manualAssignee?: string | undefined;
  /** The bug being re-triaged, so it is not reported as a duplicate of itself. */
  bugId?: string | undefined;
}

/**
 * Evidence for a component, strongest first: the order of this list is the precedence. `changed` is a
 * changed file (what a change touches), `path` a path quoted in the text (what a log mentions).
 */
export const EVIDENCE_KINDS = ["explicit", "changed", "path", "label", "alias", "keyword"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export interface ComponentMatch {
  component: string;
  /** 0..1, from the strongest kind of evidence and how much of it there is. */
  confidence: number;
  evidence: EvidenceKind;
  /** In words a person can check: "path SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb matches hms-sme". */
  reasons: string[];
}

export interface ComponentRouting {
  /** needs-triage: nothing points to a component, or two point equally; a person has to decide. */
  outcome: "routed" | "needs-triage";
  primary: string | null;
  /** Every component with evidence, strongest first. */
  components: ComponentMatch[];
  summary: string;
  /** Evidence that counts for nobody, and why: ambiguous paths, keywords several components share. */
  uncounted: string[];
}

export interface MemberRef {
  slack: string;
  github?: string | undefined;
  name: string;
  /** How explanations name the person: @github-login, else the Slack ID. */
  handle: string;
}

export interface Assignment {
  assignee: MemberRef | null;
  method: "round-robin" | "least-loaded" | "manual" | "none";
  /** "next in sme rotation; skipped @ana (away until 2026-12-01)". */
  explanation: string;
  skipped: { member: MemberRef; reason: string }[];
}

export interface TeamChoice {
  id: string;
  name: string;
  reason: string;
}

export interface RootCauseSuggestion {
  id: string;
  title: string;
  component: string;
  /** 0.7..1 when an error signature matched; 0.5 or below for text similarity alone. */
  score: number;
  signatureHits: number;
  /** BM25 relevance (search.ts), after the component boost. */
  relevance: number;
  /** The matched signatures (with the text they matched) and the shared terms. */
  evidence: string[];
  rootCause: string;
  fix: string;
  references: string[];
}

export interface DuplicateMatch {
  id: string;
  title: string;
  /** 0..1: the cosine of the two reports' BM25 term weights, then what their fingerprints say. */
  similarity: number;
  /** "text similarity 0.72 (BM25)", "same exception PG::UndefinedTable at app/models/claim.rb". */
  reasons: string[];
}

export interface TriageDecision {
  outcome: ComponentRouting["outcome"];
  summary: string;
  primaryComponent: string | null;
  components: ComponentMatch[];
  uncounted: string[];
  team: TeamChoice | null;
  assignment: Assignment;
  rootCauses: RootCauseSuggestion[];
  duplicates: DuplicateMatch[];
}

/** What the store remembers between decisions, so a restart does not reset fairness. */
export interface RotationState {
  /** Team id -> Slack ID of the member who got the team's last bug by rotation. */
  lastAssigned: Readonly<Record<string, string>>;
  /** Slack ID -> open bugs assigned to that person. */
  openLoad: Readonly<Record<string, number>>;
}
