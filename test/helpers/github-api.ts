import { createServer, type ServerResponse } from "node:http";

/**
 * A local stand-in for GitHub's REST API, answering as GitHub does for the calls hms-env makes:
 * `Link` pagination, 404 for what does not exist, 422 for an invalid body, and injected failures (a
 * 403 secondary rate limit with `retry-after`). Every call is recorded, so tests assert on what
 * GitHub would have received.
 */
export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  authorization: string | undefined;
}

export interface StoredComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: string };
}

export interface StoredIssue {
  number: number;
  title: string;
  body: string | null;
  labels: string[];
  assignees?: string[];
  state?: "open" | "closed";
}

interface Injected {
  method: string;
  path: RegExp;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface GithubApiStandIn {
  url: string;
  calls: RecordedCall[];
  /** Changed files of each PR, as `pulls.listFiles` lists them. */
  files: Map<number, { filename: string; previous_filename?: string }[]>;
  comments: StoredComment[];
  issues: Map<number, StoredIssue>;
  /** Answers the next matching request with this instead (once). */
  failNext(
    method: string,
    path: RegExp,
    status: number,
    body: unknown,
    headers?: Record<string, string>,
  ): void;
  /** Delay of every answer, to widen races. */
  delayMs: number;
  /** Logins GitHub accepts as assignees (people with access); undefined: everyone. */
  assignable: Set<string> | undefined;
  commentsOn(issue: number): StoredComment[];
  close(): Promise<void>;
}

const OWNER_REPO = "/repos/([^/]+)/([^/]+)";

export async function startGithubApi(): Promise<GithubApiStandIn> {
  let nextId = 1000;
  const injected: Injected[] = [];
  const api: GithubApiStandIn = {
    url: "",
    calls: [],
    files: new Map(),
    comments: [],
    issues: new Map(),
    delayMs: 0,
    assignable: undefined,
    failNext(method, path, status, body, headers = {}) {
      injected.push({ method, path, status, body, headers });
    },
    commentsOn: (issue) => api.comments.filter((comment) => comment.issue === issue),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const send = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = body === undefined ? "" : JSON.stringify(body);
    response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    response.end(text);
  };
  const notFound = (response: ServerResponse) =>
    send(response, 404, {
      message: "Not Found",
      documentation_url: "https://docs.github.com/rest",
      status: "404",
    });

  /** GitHub's pagination: `per_page` (at most 100) and `page`, with a `Link` header to the next and last. */
  const paginate = (request: URL, response: ServerResponse, items: unknown[]) => {
    const perPage = Math.min(Number(request.searchParams.get("per_page") ?? 30), 100);
    const page = Number(request.searchParams.get("page") ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string) => {
      const target = new URL(request.href);
      target.searchParams.set("page", String(n));
      return `<${target.href}>; rel="${rel}"`;
    };
    const links = [];
    if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
    if (page > 1) links.push(link(1, "first"), link(page - 1, "prev"));
    send(
      response,
      200,
      items.slice((page - 1) * perPage, page * perPage),
      links.length ? { link: links.join(", ") } : {},
    );
  };

  const issueJson = (issue: StoredIssue) => ({
    ...issue,
    state: issue.state ?? "open",
    html_url: `https://github.test/hms-org/hms-monorepo/issues/${issue.number}`,
    labels: issue.labels.map((name) => ({ name })),
    assignees: (issue.assignees ?? []).map((login) => ({ login })),
  });
  const unassignable = (logins: unknown) =>
    Array.isArray(logins) &&
    api.assignable !== undefined &&
    logins.some((login) => !api.assignable?.has(login));
  const invalidAssignee = (response: ServerResponse) =>
    send(response, 422, {
      message: "Validation Failed",
      errors: [{ value: "", resource: "Issue", field: "assignees", code: "invalid" }],
    });
  let nextIssue = 500;

  const commentJson = (comment: StoredComment) => ({
    ...comment,
    html_url: `https://github.test/comment/${comment.id}`,
  });

  type Handler = (match: string[], url: URL, body: unknown, response: ServerResponse) => void;
  const text = (body: unknown) => (body as { body?: unknown } | null)?.body;
  const routes: [string, RegExp, Handler][] = [
    [
      "GET",
      new RegExp(`^${OWNER_REPO}/pulls/(\\d+)/files$`),
      (match, url, _body, response) => {
        const files = api.files.get(Number(match[3]));
        if (!files) return notFound(response);
        const listed = files.map((file) => ({
          sha: "0".repeat(40),
          status: "modified",
          changes: 1,
          ...file,
        }));
        paginate(url, response, listed);
      },
    ],
    [
      "GET",
      new RegExp(`^${OWNER_REPO}/issues/(\\d+)/comments$`),
      (match, url, _body, response) =>
        paginate(url, response, api.commentsOn(Number(match[3])).map(commentJson)),
    ],
    [
      "POST",
      new RegExp(`^${OWNER_REPO}/issues/(\\d+)/comments$`),
      (match, _url, body, response) => {
        const given = text(body);
        if (typeof given !== "string" || given === "") {
          return send(response, 422, {
            message: "Validation Failed",
            errors: [{ resource: "IssueComment", code: "missing_field", field: "body" }],
          });
        }
        const comment: StoredComment = {
          id: nextId++,
          issue: Number(match[3]),
          body: given,
          user: { login: "hms-env[bot]", type: "Bot" },
        };
        api.comments.push(comment);
        send(response, 201, commentJson(comment));
      },
    ],
    [
      "PATCH",
      new RegExp(`^${OWNER_REPO}/issues/comments/(\\d+)$`),
      (match, _url, body, response) => {
        const comment = api.comments.find((entry) => entry.id === Number(match[3]));
        if (!comment) return notFound(response);
        const given = text(body);
        if (typeof given !== "string" || given === "")
          return send(response, 422, { message: "Validation Failed" });
        comment.body = given;
        send(response, 200, commentJson(comment));
      },
    ],
    [
      "DELETE",
      new RegExp(`^${OWNER_REPO}/issues/comments/(\\d+)$`),
      (match, _url, _body, response) => {
        const index = api.comments.findIndex((entry) => entry.id === Number(match[3]));
        if (index === -1) return notFound(response);
        api.comments.splice(index, 1);
        send(response, 204, undefined);
      },
    ],
    [
      "GET",
      new RegExp(`^${OWNER_REPO}/issues/(\\d+)$`),
      (match, _url, _body, response) => {
        const issue = api.issues.get(Number(match[3]));
        if (!issue) return notFound(response);
        send(response, 200, issueJson(issue));
      },
    ],
    [
      "POST",
      new RegExp(`^${OWNER_REPO}/issues$`),
      (_match, _url, body, response) => {
        const given = (body ?? {}) as {
          title?: string;
          body?: string;
          labels?: string[];
          assignees?: string[];
        };
        if (typeof given.title !== "string" || given.title === "") {
          return send(response, 422, {
            message: "Validation Failed",
            errors: [{ field: "title", code: "missing_field" }],
          });
        }
        if (unassignable(given.assignees)) return invalidAssignee(response);
        const issue: StoredIssue = {
          number: nextIssue++,
          title: given.title,
          body: given.body ?? null,
          labels: given.labels ?? [],
          assignees: given.assignees ?? [],
        };
        api.issues.set(issue.number, issue);
        send(response, 201, issueJson(issue));
      },
    ],
    [
      "PATCH",
      new RegExp(`^${OWNER_REPO}/issues/(\\d+)$`),
      (match, _url, body, response) => {
        const issue = api.issues.get(Number(match[3]));
        if (!issue) return notFound(response);
        const given = (body ?? {}) as Partial<StoredIssue>;
        if (unassignable(given.assignees)) return invalidAssignee(response);
        Object.assign(issue, given);
        send(response, 200, issueJson(issue));
      },
    ],
    [
      "POST",
      new RegExp(`^${OWNER_REPO}/issues/(\\d+)/(labels|assignees)$`),
      (match, _url, body, response) => {
        const issue = api.issues.get(Number(match[3]));
        if (!issue) return notFound(response);
        const kind = match[4] as "labels" | "assignees";
        const given = ((body ?? {}) as Record<string, string[]>)[kind] ?? [];
        const current = kind === "labels" ? issue.labels : (issue.assignees ?? []);
        issue[kind] = [...new Set([...current, ...given])];
        send(
          response,
          kind === "labels" ? 200 : 201,
          kind === "labels" ? issueJson(issue).labels : issueJson(issue),
        );
      },
    ],
    [
      "GET",
      new RegExp(`^${OWNER_REPO}/installation$`),
      (_match, _url, _body, response) => send(response, 200, { id: 4242, app_id: 1 }),
    ],
    [
      "POST",
      /^\/app\/installations\/\d+\/access_tokens$/,
      (_match, _url, _body, response) =>
        send(response, 201, {
          token: "ghs_installation_token",
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: { pull_requests: "write", issues: "write", contents: "read" },
          repository_selection: "all",
        }),
    ],
  ];

  function route(method: string, url: URL, body: unknown, response: ServerResponse) {
    for (const [routeMethod, pattern, handler] of routes) {
      const match = routeMethod === method ? pattern.exec(url.pathname) : null;
      if (match) return handler([...match], url, body, response);
    }
    notFound(response);
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const url = new URL(request.url ?? "/", api.url);
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text === "" ? null : (JSON.parse(text) as unknown);
      const method = request.method ?? "GET";
      api.calls.push({
        method,
        path: url.pathname,
        query: url.searchParams,
        body,
        authorization: request.headers.authorization,
      });
      if (api.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, api.delayMs));
      const failure = injected.findIndex((entry) => entry.method === method && entry.path.test(url.pathname));
      if (failure !== -1) {
        const [entry] = injected.splice(failure, 1) as [Injected];
        return send(response, entry.status, entry.body, entry.headers);
      }
      route(method, url, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  api.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return api;
}

/** GitHub's answer when a client writes too fast. */
export const SECONDARY_RATE_LIMIT = {
  message:
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
  documentation_url:
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
  status: "403",
};
