import { z } from "zod";
import { HmsError } from "../errors.js";
import type { StateData } from "../store/schema.js";
import type { Store } from "../store/store.js";

/**
 * What hms-env remembers of a pull request between deliveries, in the state file beside the
 * environments: the head it provisioned for, the components it touches, why it has no environment
 * (draft, a stranger's fork), what failed, and the id of its one comment.
 */
export const pullRecordSchema = z
  .object({
    number: z.number().int().positive(),
    title: z.string(),
    author: z.string(),
    url: z.string(),
    head: z.string(),
    state: z.enum(["open", "closed", "merged"]),
    components: z.array(z.string()),
    /** Why the PR has no environment, or what happened to them: shown in the comment. */
    note: z.string().nullable(),
    /** Components whose provisioning was refused or failed before a record existed, with the reason. */
    failures: z.record(z.string(), z.string()),
    commentId: z.number().int().positive().nullable(),
    updatedAt: z.string(),
  })
  .loose();
export type PullRecord = z.infer<typeof pullRecordSchema>;

/** state.pullRequests: kept loose by the store's schema, validated here where it is used. */
const KEY = "pullRequests";

function pullsOf(state: StateData, file: string): PullRecord[] {
  const raw = (state as Record<string, unknown>)[KEY] ?? [];
  const parsed = z.array(pullRecordSchema).safeParse(raw);
  if (!parsed.success) {
    throw new HmsError(
      "STATE_CORRUPT",
      `state file ${file}: ${KEY}: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}; repair it or move it aside`,
    );
  }
  return parsed.data;
}

export async function readPull(store: Store, number: number): Promise<PullRecord | undefined> {
  return pullsOf(await store.read(), store.file).find((pull) => pull.number === number);
}

/**
 * Changes one PR's record in a locked step; `change` gets the stored record (or undefined) and
 * returns the new one. Returns what was stored.
 */
export function updatePull(
  store: Store,
  number: number,
  change: (current: PullRecord | undefined) => PullRecord,
): Promise<PullRecord> {
  return store.update((state) => {
    const pulls = pullsOf(state, store.file);
    const index = pulls.findIndex((pull) => pull.number === number);
    const next = change(index === -1 ? undefined : pulls[index]);
    if (index === -1) pulls.push(next);
    else pulls[index] = next;
    (state as Record<string, unknown>)[KEY] = pulls;
    return next;
  });
}
