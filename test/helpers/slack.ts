import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { VIEWS } from "../../src/slack/ids.js";
import { METHOD_SCOPES, manifestBotScopes } from "./slack-scopes.js";

/**
 * A stand-in for Slack's Web API: it records every call and answers as Slack does (`ok`, `ts`,
 * `channel`, error codes, 429 with Retry-After). The app reaches it through SLACK_API_URL, a real setting.
 * `response_url`s point here too (/respond/N).
 */
export interface SlackCall {
  method: string;
  /** Form fields, with the JSON ones (blocks, view) parsed. */
  args: Record<string, unknown>;
  at: number;
  /** What the stand-in answered (the ts and channel of a posted message). */
  answer?: Record<string, unknown>;
  /** The token the call carried (`Authorization: Bearer ...`). */
  token?: string;
}

type Fault = (
  | { status: 429; retryAfter: number }
  | { status: 500 }
  | { error: string }
  | { drop: true }
  /** Never answered: the caller waits (until `dropHeld`), as if Slack hung before doing anything. */
  | { hold: true }
) & {
  /** Only calls whose arguments match meet this fault (default: the next calls of the method). */
  when?: (args: Record<string, unknown>) => boolean;
};

export interface FakeSlack {
  apiUrl: string;
  url: string;
  calls: SlackCall[];
  /** Calls of one method, e.g. "chat.postMessage". */
  called(method: string): SlackCall[];
  /** The next `count` calls of `method` fail this way. */
  fail(method: string, fault: Fault, count?: number): void;
  /**
   * Where `apps.connections.open` sends Socket Mode clients: each call gets this URL with a new
   * `ticket` (as Slack's `wss://wss-primary.slack.com/link/?ticket=...`); `tickets` lists those issued.
   */
  socketModeAt(url: string): void;
  tickets: string[];
  /** Resolves when a held call of `method` (fault `hold`) is waiting. */
  held(method: string): Promise<SlackCall>;
  /** Drops the connections of held calls: nothing they asked for was done. */
  dropHeld(): void;
  /** Unreachable: every connection is dropped until `up()`. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

const JSON_FIELDS = new Set(["blocks", "view", "attachments"]);

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

function parseArgs(text: string, type: string | undefined): Record<string, unknown> {
  if (type?.includes("application/json")) return JSON.parse(text || "{}") as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    args[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return args;
}

/**
 * `botScopes`: what the bot token was granted, by default what manifest.yml asks for. As on Slack, a
 * method needing a scope the token lacks answers `missing_scope`, and one it does not know
 * `unknown_method` (a method the code starts calling needs its entry in METHOD_SCOPES).
 */
export async function startFakeSlack(options: { botScopes?: readonly string[] } = {}): Promise<FakeSlack> {
  const botScopes = options.botScopes ?? manifestBotScopes();
  const calls: SlackCall[] = [];
  const faults = new Map<string, Fault[]>();
  let isDown = false;
  let clock = 1_764_000_000;
  let serial = 0;
  const nextTs = () => `${clock}.${String(++serial).padStart(6, "0")}`;
  let socketUrl: string | undefined;
  const tickets: string[] = [];
  const holding: { call: SlackCall; response: ServerResponse }[] = [];
  const holdWaiters: { method: string; resolve: (call: SlackCall) => void }[] = [];

  const answer = (
    method: string,
    args: Record<string, unknown>,
    token: string | undefined,
  ): Record<string, unknown> => {
    if (token?.startsWith("xoxb-")) {
      if (!(method in METHOD_SCOPES)) return { ok: false, error: "unknown_method" };
      const needed = METHOD_SCOPES[method];
      if (needed && !botScopes.includes(needed)) {
        return { ok: false, error: "missing_scope", needed, provided: botScopes.join(",") };
      }
    }
    const channel = String(args.channel ?? "");
    // A DM is posted to a user ID and lives in the bot's D… conversation with them.
    const conversation = channel.startsWith("U") ? `D${channel.slice(1)}` : channel;
    switch (method) {
      case "auth.test":
        return { ok: true, user_id: "U0BOT", bot_id: "B0BOT", team_id: "T0HMS" };
      case "chat.postMessage":
        return { ok: true, channel: conversation, ts: nextTs(), message: { text: args.text } };
      case "chat.update":
        return { ok: true, channel, ts: args.ts, text: args.text };
      case "chat.postEphemeral":
        return { ok: true, message_ts: nextTs() };
      case "chat.getPermalink":
        return {
          ok: true,
          channel,
          permalink: `https://hms.slack.com/archives/${channel}/p${String(args.message_ts).replace(".", "")}`,
        };
      case "apps.connections.open": {
        // Only an app-level token opens a connection, as on Slack.
        if (!token?.startsWith("xapp-")) return { ok: false, error: "not_allowed_token_type" };
        if (socketUrl === undefined) return { ok: false, error: "socket_mode_not_enabled" };
        const ticket = `ticket-${++serial}`;
        tickets.push(ticket);
        return { ok: true, url: `${socketUrl}?ticket=${ticket}&app_id=A0HMSENV` };
      }
      case "views.open":
      case "views.publish":
        return { ok: true, view: { id: `V${++serial}`, ...(args.view as object) } };
      default:
        return { ok: false, error: "unknown_method" };
    }
  };

  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    if (isDown) {
      request.socket.destroy();
      return;
    }
    const body = await readBody(request);
    const path = (request.url ?? "").split("?")[0] ?? "";
    const method = path.startsWith("/api/") ? path.slice("/api/".length) : path.slice(1);
    const args = parseArgs(body, request.headers["content-type"]);
    const pending = faults.get(method) ?? [];
    const index = pending.findIndex((candidate) => candidate.when?.(args) ?? true);
    const fault = index === -1 ? undefined : pending.splice(index, 1)[0];
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    const call: SlackCall = { method, args, at: Date.now(), ...(token && { token }) };
    calls.push(call);
    if (fault && "drop" in fault) {
      request.socket.destroy();
      return;
    }
    if (fault && "hold" in fault) {
      holding.push({ call, response });
      for (const waiter of holdWaiters.splice(0)) {
        if (waiter.method === method) waiter.resolve(call);
        else holdWaiters.push(waiter);
      }
      return;
    }
    if (fault && "status" in fault && fault.status === 500) {
      response.writeHead(500, { "content-type": "text/plain" });
      response.end("Internal Server Error");
      return;
    }
    if (fault && "status" in fault) {
      response.writeHead(429, {
        "retry-after": String(fault.retryAfter),
        "content-type": "application/json",
      });
      response.end(JSON.stringify({ ok: false, error: "ratelimited" }));
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    if (fault && "error" in fault) {
      response.end(JSON.stringify({ ok: false, error: fault.error }));
      return;
    }
    call.answer = method.startsWith("respond/") ? { ok: true } : answer(method, args, token);
    response.end(JSON.stringify(call.answer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    called: (method) => calls.filter((call) => call.method === method),
    socketModeAt(url) {
      socketUrl = url;
    },
    tickets,
    held: (method) => {
      const waiting = holding.find((entry) => entry.call.method === method);
      if (waiting) return Promise.resolve(waiting.call);
      return new Promise((resolve) => holdWaiters.push({ method, resolve }));
    },
    dropHeld() {
      for (const { response } of holding.splice(0)) response.socket?.destroy();
    },
    fail(method, fault, count = 1) {
      faults.set(method, [...(faults.get(method) ?? []), ...Array.from({ length: count }, () => fault)]);
    },
    down: () => {
      isDown = true;
    },
    up: () => {
      isDown = false;
      clock += 1;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret. */
export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SlackSender {
  /** POSTs a raw body to /slack/events as Slack does; returns status and body. */
  post(
    body: string,
    contentType: string,
    options?: { secret?: string; timestamp?: number; headers?: Record<string, string> },
  ): Promise<{ status: number; body: string }>;
  command(fields: {
    text: string;
    user_id: string;
    channel_id?: string;
  }): Promise<{ status: number; body: string }>;
  event(
    event: Record<string, unknown>,
    options?: { eventId?: string; retryNum?: number },
  ): Promise<{ status: number; body: string }>;
  interaction(payload: Record<string, unknown>): Promise<{ status: number; body: string }>;
}

let sequence = 0;
export const uniqueId = (prefix: string) => `${prefix}${Date.now().toString(36).toUpperCase()}${++sequence}`;

/** Sends what Slack sends, in its documented shapes, signed with `secret`. */
export function slackSender(baseUrl: string, secret: string, fake: FakeSlack): SlackSender {
  const post: SlackSender["post"] = async (body, contentType, options = {}) => {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const response = await fetch(`${baseUrl}/slack/events`, {
      method: "POST",
      headers: {
        "content-type": contentType,
        "x-slack-request-timestamp": String(timestamp),
        "x-slack-signature": signature(options.secret ?? secret, timestamp, body),
        ...options.headers,
      },
      body,
    });
    return { status: response.status, body: await response.text() };
  };
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  return {
    post,
    command: ({ text, user_id, channel_id = "C0GENERAL" }) =>
      post(
        form({
          token: "legacy-verification-token",
          team_id: "T0HMS",
          team_domain: "hms",
          channel_id,
          channel_name: "general",
          user_id,
          user_name: user_id.toLowerCase(),
          command: "/hms-env",
          text,
          api_app_id: "A0HMSENV",
          response_url: `${fake.url}/respond/${uniqueId("R")}`,
          trigger_id: uniqueId("T"),
        }),
        "application/x-www-form-urlencoded",
      ),
    event: (event, { eventId = uniqueId("Ev"), retryNum } = {}) =>
      post(
        JSON.stringify({
          token: "legacy-verification-token",
          team_id: "T0HMS",
          api_app_id: "A0HMSENV",
          event,
          type: "event_callback",
          event_id: eventId,
          event_time: Math.floor(Date.now() / 1000),
          authorizations: [
            { team_id: "T0HMS", user_id: "U0BOT", is_bot: true, is_enterprise_install: false },
          ],
        }),
        "application/json",
        retryNum === undefined
          ? {}
          : { headers: { "x-slack-retry-num": String(retryNum), "x-slack-retry-reason": "http_timeout" } },
      ),
    interaction: (payload) =>
      post(
        form({
          payload: JSON.stringify({
            team: { id: "T0HMS", domain: "hms" },
            api_app_id: "A0HMSENV",
            token: "legacy-verification-token",
            response_url: `${fake.url}/respond/${uniqueId("R")}`,
            trigger_id: uniqueId("T"),
            ...payload,
          }),
        }),
        "application/x-www-form-urlencoded",
      ),
  };
}

/** The view_submission Slack sends when someone submits the "Report a bug" modal. */
export function reportSubmission(fields: {
  user: string;
  title: string;
  description: string;
  component?: string;
  severity?: string;
  branch?: string | null;
}): Record<string, unknown> {
  return {
    type: "view_submission",
    user: { id: fields.user, username: fields.user.toLowerCase(), team_id: "T0HMS" },
    view: {
      id: uniqueId("V"),
      type: "modal",
      callback_id: VIEWS.reportBug,
      private_metadata: "{}",
      hash: "1",
      state: {
        values: {
          title: { title: { type: "plain_text_input", value: fields.title } },
          description: { description: { type: "plain_text_input", value: fields.description } },
          component: {
            component: { type: "static_select", selected_option: { value: fields.component ?? "detect" } },
          },
          severity: {
            severity: { type: "static_select", selected_option: { value: fields.severity ?? "minor" } },
          },
          branch: { branch: { type: "plain_text_input", value: fields.branch ?? null } },
        },
      },
    },
  };
}

/** A block_actions payload for a button found in a message the stand-in recorded. */
export function clickButton(
  message: { channel: string; ts: string; blocks: unknown[] },
  actionPrefix: string,
  userId: string,
  label?: string,
): Record<string, unknown> {
  const buttons = (
    message.blocks as { type: string; elements?: Record<string, unknown>[]; block_id?: string }[]
  )
    .filter((block) => block.type === "actions")
    .flatMap((block) => (block.elements ?? []).map((element) => ({ element, blockId: block.block_id })));
  const found = buttons.find(
    ({ element }) =>
      String(element.action_id).startsWith(actionPrefix) &&
      (label === undefined || (element.text as { text: string }).text === label),
  );
  if (found === undefined) throw new Error(`no ${actionPrefix} button ${label ?? ""} in the message`);
  return {
    type: "block_actions",
    user: { id: userId, username: userId.toLowerCase(), team_id: "T0HMS" },
    container: { type: "message", message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    channel: { id: message.channel, name: "somewhere" },
    message: { type: "message", ts: message.ts, text: "", blocks: message.blocks },
    actions: [
      {
        type: "button",
        block_id: found.blockId ?? "b",
        action_id: found.element.action_id,
        text: found.element.text,
        value: found.element.value,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}
