/**
 * The helper process of createExecHelper: runs each program it is sent and sends the result back. It
 * belongs to its parent: the signals a terminal or a service manager sends to the whole group are left
 * to the parent (which finishes the runs in flight before it stops), and the helper leaves when the
 * parent does.
 */
import { type ExecOptions, startHere } from "./exec.js";

type Request = { id: number; file: string; args: string[]; options: ExecOptions } | { cancel: number };

/** Runs in flight, by id, so that the parent can stop one. */
const running = new Map<number, AbortController>();

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => undefined);
process.on("disconnect", () => process.exit(0));
process.on("message", (request: Request) => {
  if ("cancel" in request) {
    running.get(request.cancel)?.abort();
    return;
  }
  const stop = new AbortController();
  running.set(request.id, stop);
  let started: ReturnType<typeof startHere>;
  try {
    started = startHere(request.file, request.args, { ...request.options, signal: stop.signal });
  } catch (error) {
    running.delete(request.id);
    process.send?.({ id: request.id, result: { exitCode: undefined, stdout: "", stderr: String(error) } });
    return;
  }
  // Which process group it runs in, so that the parent can stop it as it stops its own commands.
  if (started.pid !== undefined) process.send?.({ id: request.id, pid: started.pid });
  void started.result
    .catch((error: unknown) => ({ exitCode: undefined, stdout: "", stderr: String(error) }))
    .then((result) => {
      running.delete(request.id);
      process.send?.({ id: request.id, result });
    });
});
