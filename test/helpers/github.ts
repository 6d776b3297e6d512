import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Webhooks } from "@octokit/webhooks";
import { execa } from "execa";
import { createSampleRepo } from "../../src/envs/sample-repo.js";

export const TEST_REPOSITORY = "hms-org/hms-monorepo";
export const TEST_SECRET = "It's a Secret to Everybody";

/** GitHub's payloads are deep, free-form JSON; tests reach into them by key. */
// biome-ignore lint/suspicious/noExplicitAny: examples are edited by key, as GitHub documents them
export type Payload = Record<string, any>;

interface ExampleDefinition {
  name: string;
  examples: Record<string, unknown>[];
}

// GitHub's own example payloads (@octokit/webhooks-examples), the shapes real deliveries have.
const EXAMPLES = createRequire(import.meta.url)("@octokit/webhooks-examples") as ExampleDefinition[];

/**
 * A deep copy of GitHub's example of this event and action, moved to the test repository. An action
 * the examples lack (issues.closed) is the event's first example with that action: same shape.
 */
export function examplePayload(name: string, action?: string): Payload {
  const definition = EXAMPLES.find((entry) => entry.name === name);
  const example =
    definition?.examples.find((entry) => action === undefined || entry.action === action) ??
    definition?.examples[0];
  if (!example) throw new Error(`no example payload for ${name}`);
  const payload = structuredClone(example) as Payload;
  if (action !== undefined) payload.action = action;
  const [owner, repo] = TEST_REPOSITORY.split("/") as [string, string];
  if (payload.repository) {
    Object.assign(payload.repository, { full_name: TEST_REPOSITORY, name: repo });
    payload.repository.owner.login = owner;
  }
  return payload;
}

export interface PullOptions {
  number: number;
  head: string;
  draft?: boolean;
  /** Head in another repository (a fork). */
  fork?: boolean;
  association?: string;
  login?: string;
  labels?: string[];
  merged?: boolean;
  body?: string;
}

/** A `pull_request` delivery built on GitHub's example of that action. */
export function pullPayload(action: string, options: PullOptions): Payload {
  const payload = examplePayload("pull_request", action);
  const pr = payload.pull_request;
  payload.number = options.number;
  Object.assign(pr, {
    number: options.number,
    title: `Change ${options.number}`,
    html_url: `https://github.test/${TEST_REPOSITORY}/pull/${options.number}`,
    body: options.body ?? "A change.",
    draft: options.draft ?? false,
    merged: options.merged ?? false,
    author_association: options.association ?? "MEMBER",
    labels: (options.labels ?? []).map((name, index) => ({ id: index + 1, name, color: "ededed" })),
  });
  pr.user.login = options.login ?? "ana";
  pr.head.sha = options.head;
  pr.base.repo = { ...pr.base.repo, full_name: TEST_REPOSITORY };
  pr.head.repo = options.fork
    ? { ...pr.base.repo, full_name: `stranger/${TEST_REPOSITORY.split("/")[1]}` }
    : { ...pr.base.repo, full_name: TEST_REPOSITORY };
  return payload;
}

export interface IssueOptions {
  number: number;
  title: string;
  body: string;
  labels: string[];
  login?: string;
}

/** An `issues` delivery built on GitHub's example of that action. */
export function issuePayload(action: string, options: IssueOptions, extra: Partial<Payload> = {}): Payload {
  const payload = examplePayload("issues", action);
  Object.assign(payload.issue, {
    number: options.number,
    title: options.title,
    body: options.body,
    html_url: `https://github.test/${TEST_REPOSITORY}/issues/${options.number}`,
    labels: options.labels.map((name, index) => ({ id: index + 1, name, color: "d73a4a" })),
  });
  payload.issue.user.login = options.login ?? "carol";
  return { ...payload, ...extra };
}

export interface DeliveryResult {
  status: number;
  body: string;
}

let deliveries = 0;

/** POSTs a delivery as GitHub does: JSON body, event name, delivery id and the HMAC signature. */
export async function deliver(
  url: string,
  name: string,
  payload: unknown,
  options: { id?: string; secret?: string; signature?: string | null } = {},
): Promise<DeliveryResult & { id: string }> {
  const body = JSON.stringify(payload);
  const id = options.id ?? `delivery-${process.pid}-${++deliveries}`;
  const signature =
    options.signature === undefined
      ? await new Webhooks({ secret: options.secret ?? TEST_SECRET }).sign(body)
      : options.signature;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/test",
    "x-github-event": name,
    "x-github-delivery": id,
  };
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  const response = await fetch(`${url}/github/webhooks`, { method: "POST", headers, body });
  return { id, status: response.status, body: await response.text() };
}

const AUTHOR = {
  GIT_AUTHOR_NAME: "PR Author",
  GIT_AUTHOR_EMAIL: "author@hms.invalid",
  GIT_COMMITTER_NAME: "PR Author",
  GIT_COMMITTER_EMAIL: "author@hms.invalid",
};

export interface PullRepo {
  /** The bare repository hms-env fetches from, as GitHub's would be. */
  bare: string;
  /** Makes a commit on top of main with these files and points refs/pull/N/head at it. */
  pullHead(number: number, files: Record<string, string>): Promise<string>;
}

/** A bare origin (the sample HMS monorepo) whose PR heads live under refs/pull/N/head, as on GitHub. */
export async function createPullRepo(dir: string): Promise<PullRepo> {
  const work = join(dir, "work");
  const sample = await createSampleRepo(work);
  const bare = join(dir, "origin.git");
  await execa("git", ["clone", "--quiet", "--mirror", sample.path, bare]);
  const git = (args: string[]) => execa("git", args, { cwd: work, env: AUTHOR });
  return {
    bare,
    async pullHead(number, files) {
      await git(["checkout", "--quiet", "--detach", "main"]);
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(dirname(join(work, name)), { recursive: true });
        writeFileSync(join(work, name), content);
      }
      await git(["add", "--all"]);
      await git(["commit", "--quiet", "--allow-empty", "--message", `PR ${number}`]);
      const sha = (await git(["rev-parse", "HEAD"])).stdout.trim();
      await git(["push", "--quiet", "--force", bare, `${sha}:refs/pull/${number}/head`]);
      await git(["checkout", "--quiet", "main"]);
      return sha;
    },
  };
}
