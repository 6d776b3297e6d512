import type { ComponentConfig } from "../config/schema.js";
import { createPathOwnership } from "../triage/paths.js";
import type { GithubRest } from "./client.js";
import type { IssueRef } from "./sticky-comment.js";

/** GitHub lists at most 3,000 files of a pull request, 100 a page. */
export const MAX_PR_FILES = 3000;

/** The PR's changed paths; a rename counts at both its old and new path (it touches both components). */
export async function listChangedFiles(rest: GithubRest, pull: IssueRef): Promise<string[]> {
  const paths: string[] = [];
  let files = 0;
  for await (const page of rest.paginate.iterator(rest.rest.pulls.listFiles, {
    owner: pull.owner,
    repo: pull.repo,
    pull_number: pull.number,
    per_page: 100,
  })) {
    for (const file of page.data) {
      paths.push(file.filename);
      if (file.previous_filename) paths.push(file.previous_filename);
    }
    // Files, not paths: a PR of many renames still has all its pages read.
    files += page.data.length;
    if (files >= MAX_PR_FILES) break;
  }
  return paths;
}

export interface AffectedComponents {
  /** In the configuration's order, so the comment's rows do not move between updates. */
  components: string[];
  /** Changed files per component. */
  files: Map<string, number>;
}

/**
 * Which components a set of changed files touches, by the triage engine's own path rules (the deepest
 * pattern wins). Every touched component counts, not only the strongest: each gets an environment.
 */
export function createComponentMapper(components: Readonly<Record<string, ComponentConfig>>) {
  const ownerOf = createPathOwnership(components);
  const order = Object.keys(components);
  return function affected(paths: readonly string[]): AffectedComponents {
    const files = new Map<string, number>();
    for (const path of paths) {
      const owner = ownerOf(path);
      if (owner) files.set(owner.component, (files.get(owner.component) ?? 0) + 1);
    }
    return { components: order.filter((id) => files.has(id)), files };
  };
}
