import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import type { FakeSlack } from "./slack.js";

/** What the app sent back for an envelope: Socket Mode's ack, `{ envelope_id, payload }`. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/**
 * A stand-in for Slack's Socket Mode endpoint, a real websocket server: `apps.connections.open` on the
 * stand-in Web API hands out its URL with a ticket; it greets each connection with `hello`, sends
 * envelopes (`slash_commands`, `events_api`, `interactive`) in Slack's shapes and collects the acks.
 */
export interface FakeSocketMode {
  /** Connections made so far, each with the ticket it came with. */
  connections: { ticket: string | null }[];
  /** Resolves once `count` connections have been greeted with `hello`. */
  connected(count?: number): Promise<void>;
  /** Sends one envelope on the newest connection; resolves with its ack (rejects after `timeoutMs`). */
  send(
    type: "slash_commands" | "events_api" | "interactive",
    payload: Record<string, unknown>,
    options?: { retryAttempt?: number; timeoutMs?: number },
  ): Promise<SocketAck>;
  /** Asks the app to reconnect, as Slack does before it recycles a connection. */
  refresh(): void;
  close(): Promise<void>;
}

export async function startFakeSocketMode(fake: FakeSlack): Promise<FakeSocketMode> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;
  fake.socketModeAt(`ws://127.0.0.1:${port}/link/`);

  const connections: { ticket: string | null }[] = [];
  const sockets: WebSocket[] = [];
  const waiting = new Map<string, (ack: SocketAck) => void>();
  const greeted: (() => void)[] = [];

  server.on("connection", (socket, request) => {
    const ticket = new URL(request.url ?? "/", "ws://x").searchParams.get("ticket");
    // Only a ticket apps.connections.open issued opens a connection, as on Slack.
    if (ticket === null || !fake.tickets.includes(ticket)) {
      socket.close(4001, "invalid ticket");
      return;
    }
    connections.push({ ticket });
    sockets.push(socket);
    socket.on("message", (data) => {
      const ack = JSON.parse(String(data)) as SocketAck;
      waiting.get(ack.envelope_id)?.(ack);
      waiting.delete(ack.envelope_id);
    });
    socket.send(
      JSON.stringify({
        type: "hello",
        num_connections: 1,
        debug_info: { host: "applink-stand-in", build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: "A0HMSENV" },
      }),
    );
    for (const wake of greeted.splice(0)) wake();
  });

  const connected = async (count = 1) => {
    while (connections.length < count) await new Promise<void>((resolve) => greeted.push(resolve));
  };

  return {
    connections,
    connected,
    send(type, payload, { retryAttempt = 0, timeoutMs = 3000 } = {}) {
      const socket = sockets.at(-1);
      if (socket === undefined) return Promise.reject(new Error("no Socket Mode connection"));
      const envelopeId = randomUUID();
      const acked = new Promise<SocketAck>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ack for ${type} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiting.set(envelopeId, (ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
      });
      socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          payload,
          type,
          accepts_response_payload: type !== "events_api",
          ...(type === "events_api" && {
            retry_attempt: retryAttempt,
            retry_reason: retryAttempt > 0 ? "timeout" : "",
          }),
        }),
      );
      return acked;
    },
    refresh() {
      sockets.at(-1)?.send(
        JSON.stringify({
          type: "disconnect",
          reason: "refresh_requested",
          debug_info: { host: "applink-stand-in" },
        }),
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => resolve());
      }),
  };
}
