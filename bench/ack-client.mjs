// The client of bench/ack.mjs, on a thread of its own: it sends each burst of signed /hms-env commands
// and times their acks on an event loop that does nothing else (the stand-in Slack, which serve calls
// right after its acks, answers on the main thread).
import { parentPort, workerData } from "node:worker_threads";
import { slashCommand } from "./slack-requests.mjs";

const { secret, responseUrl } = workerData;

parentPort.on("message", async ({ id, url, count, text, users }) => {
  try {
    const times = await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const started = performance.now();
        const response = await slashCommand({ url, secret, responseUrl, text, user: `${users}X${index}` });
        await response.text();
        if (response.status !== 200) throw new Error(`command answered ${response.status}`);
        return performance.now() - started;
      }),
    );
    parentPort.postMessage({ id, times });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error) });
  }
});
