// Loaded into a benchmarked process with `node --import`: how long its event loop was blocked (a
// request that arrives then waits that long before anything reads it), printed as one line at exit.
import { monitorEventLoopDelay } from "node:perf_hooks";

const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
// The benchmark sends SIGUSR2 once start-up and warm-up are over: only the measured part counts.
process.on("SIGUSR2", () => histogram.reset());
const ms = (ns) => Math.round(ns / 1e5) / 10;
// stderr is a pipe here, written synchronously on Linux, so the line is out before the process is.
process.on("exit", () =>
  process.stderr.write(
    `loop-delay ${JSON.stringify({ p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) })}\n`,
  ),
);
