// Loaded into the gateway under soak with `node --expose-gc --import bench/soak-probe.mjs`: every 5 s it
// collects garbage and appends the process's RSS and heap in use to SOAK_PROBE_FILE, one JSON line each.
// After a full GC, heapUsed is what the gateway retains, so its slope shows a leak and not GC timing.
// `--import` runs in every thread of the process (the request log writes from a worker thread): each line
// says which thread wrote it, since each has its own heap (RSS is the process's, the same in all).
// It is the soak's instrument, not the gateway's: nothing of it is in the bundle.
import { appendFileSync } from "node:fs";
import { isMainThread, threadId } from "node:worker_threads";

const file = process.env.SOAK_PROBE_FILE;
if (file) {
  const sample = () => {
    globalThis.gc?.();
    const { rss, heapUsed, external } = process.memoryUsage();
    appendFileSync(file, `${JSON.stringify({ t: Date.now(), thread: isMainThread ? "main" : `worker-${threadId}`, rss, heapUsed, external })}\n`);
  };
  sample();
  setInterval(sample, 5000).unref();
}
