import type { ComponentMatch, RootCauseSuggestion, TriageDecision } from "./types.js";

/** Words for a confidence, so a low one is never read as certain. */
export function confidenceWord(confidence: number): string {
  if (confidence >= 0.8) return "high";
  if (confidence >= 0.5) return "medium";
  return "low, a guess from keywords";
}

function componentLines(match: ComponentMatch): string[] {
  return [
    `  ${match.component}  confidence ${match.confidence.toFixed(2)} (${confidenceWord(match.confidence)})`,
    ...match.reasons.map((reason) => `    - ${reason}`),
  ];
}

function rootCauseLines(suggestion: RootCauseSuggestion, index: number): string[] {
  const kind = suggestion.signatureHits > 0 ? "signature match" : "text match only";
  return [
    `  ${index + 1}. ${suggestion.id}  score ${suggestion.score.toFixed(2)} (${kind})  ${suggestion.title}`,
    ...suggestion.evidence.map((evidence) => `     - ${evidence}`),
    `     cause: ${suggestion.rootCause}`,
    `     fix:   ${suggestion.fix}`,
    ...suggestion.references.map((reference) => `     see:   ${reference}`),
  ];
}

/** The opening line of the assignee's DM: "likely" only when an error signature matched. */
export function likelyRootCause(decision: TriageDecision): string | null {
  const [top] = decision.rootCauses;
  if (top === undefined) return null;
  const lead = top.signatureHits > 0 ? "likely root cause" : "possibly related";
  return `${lead}: ${top.title} (${top.id}, score ${top.score.toFixed(2)})`;
}

/** The whole decision as text, for the terminal (and the same words for Slack). */
export function renderDecision(decision: TriageDecision): string {
  const { team, assignment } = decision;
  const teamName = team === null ? "none" : team.name === team.id ? team.id : `${team.name} (${team.id})`;
  const assignee = assignment.assignee;
  return [
    decision.outcome === "routed"
      ? `Outcome:    routed to ${decision.primaryComponent} (${decision.summary})`
      : `Outcome:    needs-triage (${decision.summary})`,
    "Components:",
    ...(decision.components.length > 0 ? decision.components.flatMap(componentLines) : ["  none"]),
    ...(decision.uncounted.length > 0
      ? ["Not counted:", ...decision.uncounted.map((note) => `  - ${note}`)]
      : []),
    `Team:       ${teamName}${team === null ? "" : `: ${team.reason}`}`,
    `Assignee:   ${assignee === null ? "nobody" : `${assignee.name} (${assignee.handle}, ${assignee.slack})`}: ${assignment.explanation}`,
    "Root causes:",
    ...(decision.rootCauses.length > 0
      ? decision.rootCauses.flatMap(rootCauseLines)
      : ["  none found in the root-cause database"]),
    "Duplicates:",
    ...(decision.duplicates.length > 0
      ? decision.duplicates.flatMap((duplicate) => [
          `  possible duplicate of ${duplicate.id} (similarity ${duplicate.similarity.toFixed(2)}): ${duplicate.title}`,
          ...duplicate.reasons.map((reason) => `    - ${reason}`),
        ])
      : ["  none among the open bugs"]),
  ].join("\n");
}
