import type { GithubRest } from "./client.js";
import { COMMENT_MARKER } from "./pull-comment.js";

export interface IssueRef {
  owner: string;
  repo: string;
  /** The PR's (or issue's) number. */
  number: number;
}

const isNotFound = (error: unknown) => (error as { status?: number }).status === 404;

async function markedComments(rest: GithubRest, where: IssueRef): Promise<{ id: number }[]> {
  const comments = await rest.paginate(rest.rest.issues.listComments, {
    owner: where.owner,
    repo: where.repo,
    issue_number: where.number,
    per_page: 100,
  });
  return comments.filter((comment) => comment.body?.startsWith(COMMENT_MARKER)).sort((a, b) => a.id - b.id);
}

/**
 * Keeps exactly one comment carrying the marker and makes it say `body`. The known id is tried first
 * (one request); a comment someone deleted is found again by its marker or made anew. When two
 * writers both created one (deliveries racing in two processes), the oldest stays and the others are
 * deleted, so readers only ever see one. Returns the id of the comment that stays.
 */
export async function upsertStickyComment(
  rest: GithubRest,
  where: IssueRef,
  body: string,
  knownId: number | null,
): Promise<number> {
  const target = { owner: where.owner, repo: where.repo };
  if (knownId !== null) {
    try {
      await rest.rest.issues.updateComment({ ...target, comment_id: knownId, body });
      return knownId;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  let found = await markedComments(rest, where);
  let created: number | undefined;
  if (found.length === 0) {
    const { data } = await rest.rest.issues.createComment({ ...target, issue_number: where.number, body });
    created = data.id;
    // Listed again: another writer may have created its own meanwhile.
    found = await markedComments(rest, where);
  }
  const [kept, ...duplicates] = found;
  if (kept === undefined) throw new Error(`the comment on #${where.number} vanished right after it was made`);
  if (kept.id !== created) await rest.rest.issues.updateComment({ ...target, comment_id: kept.id, body });
  for (const duplicate of duplicates) {
    await rest.rest.issues.deleteComment({ ...target, comment_id: duplicate.id }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
  return kept.id;
}
