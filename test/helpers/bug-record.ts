import type { PipelineBug } from "../../src/bugs/pipeline.js";

/** A bug record as the pipeline stores it (an hms-sme bug of the SME team, assigned to Bo), with `fields` over it. */
export function bugRecord(fields: Partial<PipelineBug> = {}): PipelineBug {
  return {
    id: "BUG-7",
    title: "Users page crashes",
    text: "Users page crashes",
    status: "open",
    components: ["hms-sme"],
    team: "sme-team",
    assignee: "U0BO",
    assignedBy: "rotation",
    reporter: "U0ANA",
    needsTriage: false,
    createdAt: "2026-11-27T10:00:00.000Z",
    updatedAt: "2026-11-27T10:00:00.000Z",
    ...fields,
  };
}
