// `--workers N`: this process becomes a supervisor that serves nothing itself. It forks N copies of the
// bundle with node:cluster; each listens on the same port on its own (uWS sets SO_REUSEPORT unless asked for
// an exclusive port, and the kernel spreads new connections over the listeners), so requests never pass
// through this process. It restarts a worker that dies, with a backoff so that one that crashes at once
// does not spin; on SIGTERM/SIGINT it tells every worker to drain (each finishes its in-flight requests and
// flushes its own request log) and exits once all have; and it exits non-zero when the workers cannot start.
// It also answers the workers' /metrics scrapes with every worker's registry aggregated (worker-link.ts).
import cluster, { type Worker } from "node:cluster";
import { createServer } from "node:net";
import { AggregatorRegistry, Counter, Gauge, Registry } from "prom-client";
import { appLog } from "../log/app-log.ts";
import { isMessage, QUIET_VARIABLE, SLOT_VARIABLE, type CollectReply, type CollectRequest, type ReadyMessage, type ScrapeReply, type ScrapeRequest } from "./messages.ts";

export interface SuperviseOptions {
  readonly workers: number;
  readonly host: string;
  /** 0: a free port, chosen here so that every worker listens on the same one. */
  readonly port: number;
  readonly env: string;
  /** The bundle's drain bound (server.shutdown_timeout_ms); a worker gets this plus STOP_GRACE_MS before SIGKILL. */
  readonly shutdownTimeoutMs: number;
  /** Whether the bundle serves /metrics (else workers are never asked for theirs). */
  readonly metrics: boolean;
  /** The bundle to fork (default: the script this process runs). */
  readonly exec?: string;
}

/** First restart delay of a slot; doubled per consecutive failure up to RESTART_MAX_MS. */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 10_000;
/** A worker that served this long before dying starts its slot's backoff over. */
const STABLE_MS = 10_000;
/** Consecutive restarts of a slot that die before listening: the bundle cannot start any more, so stop. */
const MAX_FAILED_STARTS = 5;
/** Beyond the drain bound: a worker flushes its request log for at least a second after its requests end. */
const STOP_GRACE_MS = 5000;
/** How long a scrape waits for the workers' registries; a worker that has not answered is left out. */
const COLLECT_TIMEOUT_MS = 3000;

interface Slot {
  readonly index: number;
  worker: Worker | null;
  /** When its worker said it listens; 0 while starting. */
  readyAt: number;
  /** Consecutive failures: exits before listening, or after serving less than STABLE_MS. */
  failures: number;
  /** Consecutive restarts that exited before listening. */
  failedStarts: number;
  restart: NodeJS.Timeout | null;
  started: boolean;
}

interface Collection {
  readonly replies: unknown[][];
  waiting: Set<number>;
  done(): void;
}

/** The port `host:port` resolves to once bound exclusively, then released: a port in use fails here, before any worker starts. */
export function reservePort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === "EADDRINUSE" ? `${host}:${port} is already in use` : `cannot listen on ${host}:${port}: ${error.message}`)),
    );
    probe.listen({ host, port, exclusive: true }, () => {
      const bound = (probe.address() as { port: number }).port;
      probe.close(() => resolve(bound));
    });
  });
}

export async function superviseWorkers(options: SuperviseOptions): Promise<void> {
  let port: number;
  try {
    port = await reservePort(options.host, options.port);
  } catch (error) {
    appLog.fatal(`cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  const url = `http://${options.host}:${port}`;
  cluster.setupPrimary({ exec: options.exec ?? process.argv[1], args: ["--host", options.host, "--port", String(port)] });

  const slots: Slot[] = Array.from({ length: options.workers }, (_, i) => ({ index: i + 1, worker: null, readyAt: 0, failures: 0, failedStarts: 0, restart: null, started: false }));
  const bySlot = new Map<Worker, Slot>();
  let listening = false;
  let stopping: Promise<void> | null = null;
  let exitCode = 0;
  let restarts = 0;

  const own = ownMetrics(() => slots.filter((slot) => slot.readyAt > 0).length, () => restarts);
  const collections = new Map<number, Collection>();
  let nextCollection = 1;

  function fork(slot: Slot): void {
    slot.restart = null;
    slot.readyAt = 0;
    const worker = cluster.fork({ [SLOT_VARIABLE]: String(slot.index), [QUIET_VARIABLE]: slot.index === 1 && !slot.started ? "0" : "1" });
    slot.started = true;
    slot.worker = worker;
    bySlot.set(worker, slot);
    worker.on("message", (message: unknown) => {
      if (isMessage<ReadyMessage>(message, "switchyard:ready")) ready(slot, worker);
      else if (isMessage<ScrapeRequest>(message, "switchyard:scrape")) void scrape(worker, message.id);
      else if (isMessage<CollectReply>(message, "switchyard:collected")) collected(worker, message);
    });
  }

  function ready(slot: Slot, worker: Worker): void {
    if (slot.worker !== worker || stopping !== null) return;
    slot.readyAt = Date.now();
    slot.failedStarts = 0;
    if (listening) {
      appLog.info({ worker: slot.index, pid: worker.process.pid }, `worker ${slot.index} restarted (pid ${worker.process.pid})`);
      return;
    }
    if (slots.every((s) => s.readyAt > 0)) {
      listening = true;
      appLog.info({ env: options.env, url, workers: options.workers }, `switchyard (${options.env}) listening on ${url} with ${options.workers} workers`);
    }
  }

  cluster.on("exit", (worker, code, signal) => {
    const slot = bySlot.get(worker);
    if (slot === undefined) return;
    bySlot.delete(worker);
    for (const collection of collections.values()) if (collection.waiting.delete(worker.id) && collection.waiting.size === 0) collection.done();
    if (slot.worker === worker) slot.worker = null;
    const how = signal !== null ? `signal ${signal}` : `code ${code}`;
    if (stopping !== null) {
      // A worker still starting has no SIGTERM handler yet and dies of the signal: it held no requests.
      if (code !== 0 && !(slot.readyAt === 0 && signal === "SIGTERM")) {
        exitCode = 1;
        appLog.error({ worker: slot.index, pid: worker.process.pid, code, signal }, `worker ${slot.index} (pid ${worker.process.pid}) exited (${how}) while stopping`);
      }
      return;
    }
    const served = slot.readyAt > 0 ? Date.now() - slot.readyAt : -1;
    slot.readyAt = 0;
    if (!listening) {
      // One worker that cannot start means none will: stop the others and say so.
      appLog.fatal({ worker: slot.index, code, signal }, `cannot start: worker ${slot.index} exited (${how}) before listening`);
      exitCode = 1;
      void stop(null);
      return;
    }
    slot.failures = served >= STABLE_MS ? 1 : slot.failures + 1;
    if (served < 0) slot.failedStarts++;
    if (slot.failedStarts >= MAX_FAILED_STARTS) {
      appLog.fatal({ worker: slot.index, code, signal }, `worker ${slot.index} exited (${how}) before listening ${slot.failedStarts} times in a row; stopping`);
      exitCode = 1;
      void stop(null);
      return;
    }
    const delay = Math.min(RESTART_BASE_MS * 2 ** (slot.failures - 1), RESTART_MAX_MS);
    restarts++;
    appLog.warn({ worker: slot.index, pid: worker.process.pid, code, signal, restart_in_ms: delay }, `worker ${slot.index} (pid ${worker.process.pid}) exited (${how}); restarting in ${delay} ms`);
    slot.restart = setTimeout(() => fork(slot), delay);
  });

  /** A scrape from `asker`: every ready worker's registry, aggregated, plus the supervisor's own gauges. */
  async function scrape(asker: Worker, id: number): Promise<void> {
    let reply: ScrapeReply;
    try {
      const registries = options.metrics ? await collect() : [];
      const aggregated: Registry = AggregatorRegistry.aggregate(registries);
      reply = { type: "switchyard:scraped", id, text: await Registry.merge([aggregated, own]).metrics() };
    } catch (error) {
      reply = { type: "switchyard:scraped", id, error: (error as Error).message };
    }
    if (asker.isConnected()) asker.send(reply);
  }

  function collect(): Promise<unknown[][]> {
    const id = nextCollection++;
    const replies: unknown[][] = [];
    const waiting = new Set<number>();
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(), COLLECT_TIMEOUT_MS);
      const finish = () => {
        clearTimeout(timer);
        collections.delete(id);
        resolve(replies);
      };
      collections.set(id, { replies, waiting, done: finish });
      for (const slot of slots) {
        const worker = slot.worker;
        if (worker === null || slot.readyAt === 0 || !worker.isConnected()) continue;
        waiting.add(worker.id);
        worker.send({ type: "switchyard:collect", id } satisfies CollectRequest);
      }
      if (waiting.size === 0) finish();
    });
  }

  function collected(worker: Worker, reply: CollectReply): void {
    const collection = collections.get(reply.id);
    if (collection === undefined || !collection.waiting.delete(worker.id)) return;
    collection.replies.push(reply.metrics as unknown[]);
    if (collection.waiting.size === 0) collection.done();
  }

  /** Drains every worker (SIGTERM: each runs the single-process shutdown), then exits. */
  function stop(signal: string | null): Promise<void> {
    stopping ??= (async () => {
      const started = performance.now();
      if (signal !== null) appLog.info({ signal, workers: bySlot.size }, `${signal}: draining ${bySlot.size} workers`);
      for (const slot of slots) if (slot.restart !== null) clearTimeout(slot.restart);
      const live = [...bySlot.keys()];
      await Promise.all(
        live.map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.isDead()) return resolve();
              const kill = setTimeout(() => {
                appLog.error({ pid: worker.process.pid }, `worker pid ${worker.process.pid} did not stop within ${options.shutdownTimeoutMs + STOP_GRACE_MS} ms; killing it`);
                worker.process.kill("SIGKILL");
              }, options.shutdownTimeoutMs + STOP_GRACE_MS);
              worker.once("exit", () => {
                clearTimeout(kill);
                resolve();
              });
              worker.process.kill("SIGTERM");
            }),
        ),
      );
      if (signal !== null) appLog.info({ drain_ms: Math.round(performance.now() - started) }, "stopped");
      // pino's asynchronous destination flushes on exit.
      process.exit(exitCode);
    })();
    return stopping;
  }

  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  for (const slot of slots) fork(slot);
}

/** The supervisor's own series, merged into every aggregated scrape. */
function ownMetrics(ready: () => number, restarts: () => number): Registry {
  const registry = new Registry();
  new Gauge({
    name: "switchyard_workers",
    help: "Worker processes listening (serve --workers N).",
    registers: [registry],
    collect() {
      this.set(ready());
    },
  });
  new Counter({
    name: "switchyard_worker_restarts_total",
    help: "Workers restarted after they exited unexpectedly.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(restarts());
    },
  });
  return registry;
}
