import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { dirname } from "node:path";

/**
 * How the server answers: `serve` as a real git remote (git http-backend), `silent` accepts each
 * connection and never answers, `headers` sends a 200's headers and the start of a body, then nothing.
 */
export type GitHttpMode = "serve" | "silent" | "headers";

export interface GitHttpServer {
  /** The repository's URL: http://127.0.0.1:PORT/<name of the repository folder> */
  url: string;
  mode: GitHttpMode;
  /** Connections it has accepted, in every mode. */
  connections(): number;
  close(): Promise<void>;
}

/** Answers one request through git http-backend, the CGI program git ships for smart HTTP. */
function backend(repoRoot: string, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? "/", "http://localhost");
  const cgi = spawn("git", ["http-backend"], {
    env: {
      ...process.env,
      GIT_PROJECT_ROOT: repoRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "uploadpack.allowFilter",
      GIT_CONFIG_VALUE_0: "true",
      REQUEST_METHOD: request.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers["content-type"] ?? "",
      ...(request.headers["git-protocol"] && { GIT_PROTOCOL: String(request.headers["git-protocol"]) }),
      ...(request.headers["content-encoding"] && {
        HTTP_CONTENT_ENCODING: String(request.headers["content-encoding"]),
      }),
      REMOTE_ADDR: "127.0.0.1",
    },
  });
  request.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let body = false;
  cgi.stdout.on("data", (chunk: Buffer) => {
    if (body) return void response.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end === -1) return;
    for (const line of head.subarray(0, end).toString().split("\r\n")) {
      const [name, ...value] = line.split(":");
      if (name === undefined) continue;
      if (name.toLowerCase() === "status") response.statusCode = Number.parseInt(value.join(":"), 10);
      else response.setHeader(name, value.join(":").trim());
    }
    body = true;
    response.write(head.subarray(end + 4));
  });
  cgi.on("close", () => response.end());
}

/** A git remote over HTTP for the bare repository `repo`, on a free port of 127.0.0.1. */
export async function gitHttpServer(repo: string, mode: GitHttpMode): Promise<GitHttpServer> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    if (controls.mode === "serve") return backend(dirname(repo), request, response);
    if (controls.mode === "headers") {
      response.writeHead(200, { "Content-Type": "application/x-git-upload-pack-advertisement" });
      response.write("001e# service=git-upload-pack\n");
    }
    // silent, or headers sent: nothing more, ever.
  });
  server.on("connection", (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const name = repo.split("/").pop() ?? "repo.git";
  const controls: GitHttpServer = {
    url: `http://127.0.0.1:${port}/${name}`,
    mode,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return controls;
}

/** A TCP server on 127.0.0.1 that accepts every connection and never sends a byte (an ssh remote that hangs). */
export async function silentTcpServer(): Promise<{
  port: number;
  connections(): number;
  close(): Promise<void>;
}> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
