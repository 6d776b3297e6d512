import type { IncomingMessage, ServerResponse } from "node:http";
import type { Webhooks } from "@octokit/webhooks";
import type { AnswerGate } from "./answer-gate.js";
import type { GithubLog } from "./client.js";

/** What is wrong with a verified payload (400), or undefined when it can be accepted. */
export type PayloadCheck = (name: string, payload: unknown) => string | undefined;

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

function answer(
  response: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  options: { close?: boolean } = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    // A body left unread is not read on: Node closes the connection once the answer is out.
    ...(options.close ? { connection: "close" } : {}),
  });
  response.end(text);
}

const tooLarge = () =>
  new HttpRefusal(413, `the payload is larger than GitHub's cap of ${MAX_BODY_BYTES} bytes (25 MB)`);

/** The body, up to MAX_BODY_BYTES; a stream that crosses it is refused there and read no further. */
function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const take = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.off("data", take);
        request.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    request.on("data", take);
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * What GitHub sends with every delivery, checked before a byte of the body is read: a request that
 * lacks one, or announces more than GitHub ever sends, is refused at once.
 */
function deliveryHeaders(request: IncomingMessage): { signature: string; name: string; id: string } {
  const signature = header(request, "x-hub-signature-256");
  if (signature === undefined) {
    throw new HttpRefusal(
      400,
      "X-Hub-Signature-256 is missing: give the webhook a secret in GitHub, the same as GITHUB_WEBHOOK_SECRET",
    );
  }
  const name = header(request, "x-github-event");
  const id = header(request, "x-github-delivery");
  if (name === undefined || id === undefined) {
    const missing = [name === undefined && "X-GitHub-Event", id === undefined && "X-GitHub-Delivery"];
    throw new HttpRefusal(400, `${missing.filter(Boolean).join(" and ")} missing: GitHub sends both`);
  }
  if (Number(request.headers["content-length"] ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  return { signature, name, id };
}

/** Checks a request as GitHub signs it; what is wrong becomes an HTTP refusal that names it. */
async function verified(
  webhooks: Webhooks,
  request: IncomingMessage,
  check: PayloadCheck,
): Promise<VerifiedDelivery> {
  const { signature, name, id } = deliveryHeaders(request);
  const body = await readBody(request);
  if (!(await webhooks.verify(body, signature).catch(() => false))) {
    throw new HttpRefusal(
      401,
      "X-Hub-Signature-256 does not match the payload: the webhook's secret in GitHub differs from GITHUB_WEBHOOK_SECRET",
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    throw new HttpRefusal(400, "the payload is not JSON: set the webhook's content type to application/json");
  }
  const wrong = check(name, payload);
  if (wrong !== undefined) throw new HttpRefusal(400, wrong);
  return { id, name, payload };
}

/**
 * `POST /github/webhooks`: the headers, the signature (by @octokit/webhooks) and the payload's fields
 * are checked, the delivery is accepted with 202 at once, and the work happens afterwards in `accept`, since GitHub gives up after 10 seconds
 * and provisioning takes longer. A refused request changes nothing. `gate` counts the requests being
 * answered, so the work can wait for a pause.
 */
export function createWebhookEndpoint(options: {
  webhooks: Webhooks;
  accept: (delivery: VerifiedDelivery) => void;
  log: GithubLog;
  gate: AnswerGate;
  check: PayloadCheck;
}) {
  async function answerOne(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== "POST") {
      answer(response, 405, { ok: false, error: `${WEBHOOK_PATH} takes POST (GitHub's webhook deliveries)` });
      return;
    }
    let delivery: VerifiedDelivery;
    try {
      delivery = await verified(options.webhooks, request, options.check);
    } catch (error) {
      if (!(error instanceof HttpRefusal)) throw error;
      options.log.error({ action: "github" }, `GitHub delivery refused (${error.status}): ${error.message}`);
      answer(response, error.status, { ok: false, error: error.message }, { close: !request.complete });
      return;
    }
    answer(response, 202, { ok: true, delivery: delivery.id });
    options.accept(delivery);
  }

  return (request: IncomingMessage, response: ServerResponse): Promise<void> =>
    options.gate.answering(() => answerOne(request, response));
}
