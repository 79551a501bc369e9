// `--workers N`: this process becomes a supervisor that serves nothing itself. It forks N copies of the
// bundle with node:cluster; each listens on the same port on its own (uWS sets SO_REUSEPORT unless asked for
// an exclusive port, and the kernel spreads new connections over the listeners), so requests never pass
// through this process. It restarts a worker that dies, with a backoff so that one that crashes at once
// does not spin; on SIGTERM/SIGINT it tells every worker to drain (each finishes its in-flight requests and
// flushes its own request log) and exits once all have; and it exits non-zero when the workers cannot start.
// It also answers the workers' /metrics scrapes with every worker's registry aggregated (worker-link.ts).
//
// Reload (SIGHUP, or with `watch` a change of the bundle file): a new generation of workers is forked from the
// bundle file as it is now and joins the port while the old one still serves; once every new worker listens,
// each old one is retired (it stops accepting, answers with Connection: close, finishes its requests and
// streams, waits for its clients to go quiet, flushes its log, exits). A new generation that cannot start is
// stopped and the old one keeps serving. The supervisor owns the port's exclusivity (reservePort at start),
// so the overlap needs the workers' shared listening, never a second exclusive bind.
import cluster, { type Worker } from "node:cluster";
import { statSync, watchFile } from "node:fs";
import { AggregatorRegistry, Counter, Gauge, Registry } from "prom-client";
import { appLog } from "../log/app-log.ts";
import { reservePort } from "../listener/reserve-port.ts";
import { isMessage, QUIET_VARIABLE, SLOT_VARIABLE, type CollectReply, type CollectRequest, type ReadyMessage, type RetireRequest, type ScrapeReply, type ScrapeRequest } from "./messages.ts";

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
  /** Whether the workers serve HTTPS (the listening line's scheme). */
  readonly https?: boolean;
  /** Reload when the bundle file changes (a rebuild); `switchyard serve` sets it. */
  readonly watch?: boolean;
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
/** A reload whose workers are not all listening by then is abandoned (the old generation keeps serving). */
const RELOAD_READY_MS = 60_000;
/** How often the watched bundle is stat'ed, and how long it must stay unchanged before a reload starts. */
const WATCH_INTERVAL_MS = 250;
const WATCH_SETTLE_MS = 400;

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

/** A generation being started by a reload. */
interface Pending {
  readonly generation: number;
  readonly slots: Slot[];
  readonly reason: string;
  readonly started: number;
  readonly timer: NodeJS.Timeout;
}

function newSlot(index: number): Slot {
  return { index, worker: null, readyAt: 0, failures: 0, failedStarts: 0, restart: null, started: false };
}

interface Collection {
  readonly replies: unknown[][];
  waiting: Set<number>;
  done(): void;
}

export async function superviseWorkers(options: SuperviseOptions): Promise<void> {
  let port: number;
  try {
    port = await reservePort(options.host, options.port);
  } catch (error) {
    appLog.fatal(`cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  const url = `${options.https === true ? "https" : "http"}://${options.host}:${port}`;
  const exec = options.exec ?? process.argv[1]!;
  cluster.setupPrimary({ exec, args: ["--host", options.host, "--port", String(port)] });

  /** The generation serving; a reload replaces the array once its successor listens. */
  let slots: Slot[] = Array.from({ length: options.workers }, (_, i) => newSlot(i + 1));
  const bySlot = new Map<Worker, Slot>();
  /** Workers of replaced generations, draining: never restarted. */
  const retiring = new Set<Worker>();
  let generation = 1;
  let pending: Pending | null = null;
  /** A reload asked for while one is under way: started once it ends. */
  let queued: string | null = null;
  let listening = false;
  let stopping: Promise<void> | null = null;
  let exitCode = 0;
  let restarts = 0;
  let reloads = 0;

  const own = ownMetrics(() => slots.filter((slot) => slot.readyAt > 0).length, () => restarts, () => reloads);
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
    if (pending !== null && pending.slots.includes(slot)) {
      if (pending.slots.every((s) => s.readyAt > 0)) promote(pending);
      return;
    }
    if (listening) {
      appLog.info({ worker: slot.index, pid: worker.process.pid }, `worker ${slot.index} restarted (pid ${worker.process.pid})`);
      return;
    }
    if (slots.every((s) => s.readyAt > 0)) {
      listening = true;
      appLog.info({ env: options.env, url, workers: options.workers }, `switchyard (${options.env}) listening on ${url} with ${options.workers} worker${options.workers === 1 ? "" : "s"}`);
      // A SIGHUP or a new bundle that came while the first workers started.
      startQueued();
    }
  }

  cluster.on("exit", (worker, code, signal) => {
    const slot = bySlot.get(worker);
    if (slot === undefined) return;
    bySlot.delete(worker);
    for (const collection of collections.values()) if (collection.waiting.delete(worker.id) && collection.waiting.size === 0) collection.done();
    if (slot.worker === worker) slot.worker = null;
    const how = signal !== null ? `signal ${signal}` : `code ${code}`;
    if (retiring.delete(worker)) {
      if (code === 0) appLog.info({ worker: slot.index, pid: worker.process.pid }, `worker ${slot.index} (pid ${worker.process.pid}) of a previous generation drained and exited`);
      // One of a failed reload's workers, stopped before it listened: it held no requests.
      else if (slot.readyAt === 0 && signal === "SIGTERM") appLog.info({ worker: slot.index, pid: worker.process.pid }, `worker ${slot.index} (pid ${worker.process.pid}) stopped before it listened`);
      else appLog.error({ worker: slot.index, pid: worker.process.pid, code, signal }, `worker ${slot.index} (pid ${worker.process.pid}) of a previous generation exited (${how}) while draining`);
      return;
    }
    if (stopping !== null) {
      // A worker still starting has no SIGTERM handler yet and dies of the signal: it held no requests.
      if (code !== 0 && !(slot.readyAt === 0 && signal === "SIGTERM")) {
        exitCode = 1;
        appLog.error({ worker: slot.index, pid: worker.process.pid, code, signal }, `worker ${slot.index} (pid ${worker.process.pid}) exited (${how}) while stopping`);
      }
      return;
    }
    if (pending !== null && pending.slots.includes(slot)) {
      abandon(pending, `worker ${slot.index} of the new bundle (pid ${worker.process.pid}) exited (${how}) before every new worker listened`);
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

  /** Starts a new generation from the bundle file as it is now; see the top of this file. */
  function reload(reason: string): void {
    if (stopping !== null) return;
    if (!listening || pending !== null) {
      // One at a time: the latest request runs once the current start (or the first) has settled.
      queued = reason;
      appLog.info({ reason }, `${reason}: reload queued until the workers starting now listen`);
      return;
    }
    generation++;
    const fresh = Array.from({ length: options.workers }, (_, i) => newSlot(i + 1));
    const timer = setTimeout(() => {
      if (pending?.generation === generation) abandon(pending, `the new workers were not all listening within ${RELOAD_READY_MS} ms`);
    }, RELOAD_READY_MS);
    pending = { generation, slots: fresh, reason, started: performance.now(), timer };
    appLog.info({ reason, generation, workers: options.workers, bundle: exec }, `${reason}: reloading, starting ${options.workers} worker${options.workers === 1 ? "" : "s"} from ${exec}`);
    for (const slot of fresh) fork(slot);
  }

  /** Every new worker listens: they serve from now on, and the previous generation is retired. */
  function promote(next: Pending): void {
    clearTimeout(next.timer);
    pending = null;
    const previous = slots;
    slots = next.slots;
    reloads++;
    let draining = 0;
    for (const slot of previous) {
      if (slot.restart !== null) clearTimeout(slot.restart);
      if (slot.worker !== null) {
        retire(slot.worker);
        draining++;
      }
    }
    appLog.info(
      { generation: next.generation, workers: options.workers, url, reload_ms: Math.round(performance.now() - next.started) },
      `reloaded (${next.reason}): generation ${next.generation} serving ${url} with ${options.workers} worker${options.workers === 1 ? "" : "s"}; draining ${draining} of the previous one`,
    );
    startQueued();
  }

  /** The new generation cannot serve: stop what started of it; the one serving stays. */
  function abandon(failed: Pending, why: string): void {
    clearTimeout(failed.timer);
    pending = null;
    for (const slot of failed.slots) {
      if (slot.restart !== null) clearTimeout(slot.restart);
      if (slot.worker !== null) retire(slot.worker);
    }
    appLog.error({ reason: failed.reason, generation: failed.generation }, `reload failed (${failed.reason}): ${why}; still serving the previous bundle`);
    startQueued();
  }

  function startQueued(): void {
    if (queued === null) return;
    const reason = queued;
    queued = null;
    reload(reason);
  }

  /** Drains `worker` for good: one that listens drains with linger (server.ts); one still starting holds no requests. */
  function retire(worker: Worker): void {
    retiring.add(worker);
    const slot = bySlot.get(worker);
    const kill = setTimeout(() => {
      appLog.error({ pid: worker.process.pid }, `worker pid ${worker.process.pid} did not drain within ${options.shutdownTimeoutMs + STOP_GRACE_MS} ms; killing it`);
      worker.process.kill("SIGKILL");
    }, options.shutdownTimeoutMs + STOP_GRACE_MS);
    worker.once("exit", () => clearTimeout(kill));
    if (slot !== undefined && slot.readyAt > 0 && worker.isConnected()) worker.send({ type: "switchyard:retire" } satisfies RetireRequest);
    else worker.process.kill("SIGTERM");
  }

  /** Drains every worker (SIGTERM: each runs the single-process shutdown), then exits. */
  function stop(signal: string | null): Promise<void> {
    stopping ??= (async () => {
      const started = performance.now();
      if (signal !== null) appLog.info({ signal, workers: bySlot.size }, `${signal}: draining ${bySlot.size} workers`);
      for (const slot of [...slots, ...(pending?.slots ?? [])]) if (slot.restart !== null) clearTimeout(slot.restart);
      if (pending !== null) clearTimeout(pending.timer);
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
  process.on("SIGHUP", () => reload("SIGHUP"));
  if (options.watch === true) watchBundle(exec, () => reload("the bundle changed"));
  for (const slot of slots) fork(slot);
}

/**
 * Calls `changed` once `file` has changed and then stayed the same for WATCH_SETTLE_MS: a build writes the
 * bundle in one rename (generator/bundle.ts), but a copy or another tool may write it in pieces. Polling
 * (fs.watchFile) follows the path across renames, which an inode watch would lose.
 */
function watchBundle(file: string, changed: () => void): void {
  const version = (stats: { mtimeMs: number; size: number; ino: number }) => `${stats.mtimeMs}:${stats.size}:${stats.ino}`;
  let seen = version(statSync(file));
  let settle: NodeJS.Timeout | null = null;
  watchFile(file, { interval: WATCH_INTERVAL_MS }, (current) => {
    // A bundle removed (mtime 0) or not yet written again is not a reload; its next version is.
    if (current.mtimeMs === 0 || version(current) === seen) return;
    seen = version(current);
    if (settle !== null) clearTimeout(settle);
    settle = setTimeout(() => {
      settle = null;
      changed();
    }, WATCH_SETTLE_MS);
  });
}

/** The supervisor's own series, merged into every aggregated scrape. */
function ownMetrics(ready: () => number, restarts: () => number, reloads: () => number): Registry {
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
  new Counter({
    name: "switchyard_reloads_total",
    help: "Reloads completed: a new bundle's workers took the port and the previous ones were retired.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(reloads());
    },
  });
  return registry;
}
