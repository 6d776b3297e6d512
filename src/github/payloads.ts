import { z } from "zod";

/*
 * The parts of GitHub's payloads this side reads, and nothing more (GitHub sends much more). A signed
 * delivery is still checked against them before it is answered: a payload that lacks one is refused
 * with 400 naming the field, instead of being accepted and failing half-way through its work.
 */

const login = z.object({ login: z.string() });
const repositoryName = z.object({ full_name: z.string() });
const label = z.object({ name: z.string() });
const number = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** A commit id: SHA-1, or SHA-256 in a repository that uses it. */
const commit = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, "expected a commit id (40 hex digits)");

export const pullPayloadSchema = z.object({
  action: z.string(),
  number,
  pull_request: z.object({
    title: z.string(),
    html_url: z.string(),
    body: z.string().nullish(),
    draft: z.boolean().optional(),
    merged: z.boolean().nullish(),
    user: login.nullable(),
    author_association: z.string(),
    labels: z.array(label),
    head: z.object({ sha: commit, repo: repositoryName.nullable() }),
    base: z.object({ repo: repositoryName }),
  }),
});
export type PullPayload = z.infer<typeof pullPayloadSchema>;

export const issuePayloadSchema = z.object({
  action: z.string(),
  issue: z.object({
    number,
    title: z.string(),
    body: z.string().nullish(),
    html_url: z.string(),
    user: login.nullable(),
    labels: z.array(z.union([label, z.string()])).optional(),
  }),
  label: label.optional(),
  sender: login,
});
export type IssuePayload = z.infer<typeof issuePayloadSchema>;

const pingPayloadSchema = z.object({ zen: z.string(), hook_id: z.number() });

/** The pull request actions that bring its environments to its head. */
export const READY_ACTIONS = ["opened", "reopened", "ready_for_review", "synchronize"] as const;
const PULL_ACTIONS = new Set<string>([...READY_ACTIONS, "converted_to_draft", "closed"]);
export const ISSUE_ACTIONS = ["opened", "labeled", "closed"] as const;

const repositoryOnly = z.object({ repository: repositoryName });

/** `owner/name` of the repository a payload is about; undefined when it names none (an App's ping). */
export function repositoryOf(payload: unknown): string | undefined {
  const parsed = repositoryOnly.safeParse(payload);
  return parsed.success ? parsed.data.repository.full_name : undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join(".");
  const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
  // zod's "Invalid input: expected object, received null" says less than the field's name before it.
  const message = issue.message.replace(/^Invalid input: /, "");
  if (path === "") return message;
  return missing ? `${path} is missing` : `${path}: ${message}`;
}

/**
 * Checks a verified delivery's payload before it is answered: a JSON object always, and for each event
 * and action this side acts on, the fields it reads (the payload itself goes on unchanged, other fields
 * and all). Events and actions it does not act on pass (answered 202, and ignored). `issues` are acted
 * on only with the bug pipeline.
 */
export function createPayloadCheck(handles: { issues: boolean }) {
  const schemaOf = (name: string, action: unknown): z.ZodType | undefined => {
    if (name === "ping") return pingPayloadSchema;
    if (typeof action !== "string") return undefined;
    if (name === "pull_request" && PULL_ACTIONS.has(action)) return pullPayloadSchema;
    if (name === "issues" && handles.issues && (ISSUE_ACTIONS as readonly string[]).includes(action)) {
      return issuePayloadSchema;
    }
    return undefined;
  };

  /** What is wrong with the payload, or undefined when the handlers may take it as it is. */
  return (name: string, payload: unknown): string | undefined => {
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      return `the ${name} payload is not a JSON object, as GitHub sends`;
    }
    const action = (payload as { action?: unknown }).action;
    const schema = schemaOf(name, action);
    if (schema === undefined) {
      // Without its action, an event this side acts on would pass for one it ignores.
      const acted = name === "pull_request" || (name === "issues" && handles.issues);
      return acted && typeof action !== "string" ? `the ${name} payload's action is missing` : undefined;
    }
    const parsed = schema.safeParse(payload);
    if (parsed.success) return undefined;
    const what = typeof action === "string" ? `${name}.${action}` : name;
    const { issues } = parsed.error;
    const problems = issues.slice(0, 3).map(describeIssue);
    if (issues.length > 3) problems.push(`and ${issues.length - 3} more`);
    return `the ${what} payload is not as GitHub sends it: ${problems.join("; ")}`;
  };
}
