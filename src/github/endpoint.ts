import type { IncomingMessage, ServerResponse } from "node:http";
import type { Webhooks } from "@octokit/webhooks";
import type { AnswerGate } from "./answer-gate.js";
import type { GithubLog } from "./client.js";

export const WEBHOOK_PATH = "/github/webhooks";

/** GitHub caps payloads at 25 MB; anything larger is not from GitHub. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;

/** A delivery whose signature matched: the event name, GitHub's delivery id and the parsed payload. */
export interface VerifiedDelivery {
  id: string;
  name: string;
  payload: unknown;
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function answer(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpRefusal(413, `payload larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Checks a request as GitHub signs it; what is wrong becomes an HTTP refusal that names it. */
async function verified(webhooks: Webhooks, request: IncomingMessage): Promise<VerifiedDelivery> {
  const body = await readBody(request);
  const signature = header(request, "x-hub-signature-256");
  if (signature === undefined) {
    throw new HttpRefusal(
      401,
      "X-Hub-Signature-256 is missing: give the webhook a secret in GitHub, the same as GITHUB_WEBHOOK_SECRET",
    );
  }
  if (!(await webhooks.verify(body, signature).catch(() => false))) {
    throw new HttpRefusal(
      401,
      "X-Hub-Signature-256 does not match the payload: the webhook's secret in GitHub differs from GITHUB_WEBHOOK_SECRET",
    );
  }
  const name = header(request, "x-github-event");
  const id = header(request, "x-github-delivery");
  if (name === undefined || id === undefined) {
    throw new HttpRefusal(400, "X-GitHub-Event and X-GitHub-Delivery are required");
  }
  try {
    return { id, name, payload: JSON.parse(body) };
  } catch {
    throw new HttpRefusal(400, "the payload is not JSON: set the webhook's content type to application/json");
  }
}

/**
 * `POST /github/webhooks`: the signature is checked (by @octokit/webhooks), the delivery is accepted
 * with 202 at once, and the work happens afterwards in `accept`, since GitHub gives up after 10 seconds
 * and provisioning takes longer. A refused request changes nothing. `gate` counts the requests being
 * answered, so the work can wait for a pause.
 */
export function createWebhookEndpoint(options: {
  webhooks: Webhooks;
  accept: (delivery: VerifiedDelivery) => void;
  log: GithubLog;
  gate: AnswerGate;
}) {
  async function answerOne(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== "POST") {
      answer(response, 405, { ok: false, error: `${WEBHOOK_PATH} takes POST (GitHub's webhook deliveries)` });
      return;
    }
    let delivery: VerifiedDelivery;
    try {
      delivery = await verified(options.webhooks, request);
    } catch (error) {
      if (!(error instanceof HttpRefusal)) throw error;
      options.log.error({ action: "github" }, `GitHub delivery refused (${error.status}): ${error.message}`);
      answer(response, error.status, { ok: false, error: error.message });
      return;
    }
    answer(response, 202, { ok: true, delivery: delivery.id });
    options.accept(delivery);
  }

  return (request: IncomingMessage, response: ServerResponse): Promise<void> =>
    options.gate.answering(() => answerOne(request, response));
}
