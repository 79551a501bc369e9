// A worker's side of `--workers N` (supervisor.ts is the other): which slot it fills, telling the supervisor
// once it listens, and /metrics for the whole pool. A scrape lands on whichever worker the kernel picked for
// the connection, so that worker asks the supervisor, which collects every ready worker's registry as
// prom-client JSON over IPC and aggregates them (counters and histograms summed). None of this is on the
// request path: it runs at start, at stop and per scrape.
import cluster from "node:cluster";
import type { Registry } from "prom-client";
import { isMessage, QUIET_VARIABLE, SLOT_VARIABLE, type CollectReply, type CollectRequest, type ReadyMessage, type RetireRequest, type ScrapeReply, type ScrapeRequest } from "./messages.ts";

/** A scrape that the supervisor does not answer within this is a 500, not a hung request. */
const SCRAPE_TIMEOUT_MS = 5000;

interface PendingScrape {
  resolve(text: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class WorkerLink {
  private registry: Registry | null = null;
  private readonly scrapes = new Map<number, PendingScrape>();
  private nextId = 1;
  private retire: (() => void) | null = null;

  constructor(
    /** 1..N: stable across restarts of the worker filling it (cluster's own ids are not). */
    readonly slot: number,
    /** Whether to leave the configuration lines to slot 1's first start. */
    readonly quiet: boolean,
  ) {
    process.on("message", (message: unknown) => {
      if (isMessage<CollectRequest>(message, "switchyard:collect")) void this.collect(message.id);
      else if (isMessage<ScrapeReply>(message, "switchyard:scraped")) this.answered(message);
      else if (isMessage<RetireRequest>(message, "switchyard:retire")) this.retire?.();
    });
  }

  /** The registry this worker reports; until set (or with metrics off) it reports nothing. */
  serveMetrics(registry: Registry | null): void {
    this.registry = registry;
  }

  /** What to do when a reload retires this worker (the new bundle's workers are listening). */
  onRetire(retire: () => void): void {
    this.retire = retire;
  }

  ready(port: number): void {
    process.send?.({ type: "switchyard:ready", port } satisfies ReadyMessage);
  }

  /** Every worker's metrics, aggregated by the supervisor, as exposition text. */
  scrape(): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.scrapes.delete(id);
        reject(new Error(`the supervisor did not answer within ${SCRAPE_TIMEOUT_MS} ms`));
      }, SCRAPE_TIMEOUT_MS);
      this.scrapes.set(id, { resolve, reject, timer });
      process.send?.({ type: "switchyard:scrape", id } satisfies ScrapeRequest);
    });
  }

  private answered(reply: ScrapeReply): void {
    const pending = this.scrapes.get(reply.id);
    if (pending === undefined) return;
    this.scrapes.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.text !== undefined) pending.resolve(reply.text);
    else pending.reject(new Error(reply.error ?? "no metrics"));
  }

  private async collect(id: number): Promise<void> {
    let metrics: unknown[] = [];
    try {
      if (this.registry !== null) metrics = await this.registry.getMetricsAsJSON();
    } catch {
      // A collector that throws is a bug that the single-process scrape would show as a 500; here the
      // worker's share is left out rather than failing every worker's scrape.
    }
    process.send?.({ type: "switchyard:collected", id, metrics } satisfies CollectReply);
  }
}

/** This process's link when the supervisor forked it, else null (a single-process gateway). */
export function workerLink(env: NodeJS.ProcessEnv = process.env): WorkerLink | null {
  const slot = Number(env[SLOT_VARIABLE]);
  if (!cluster.isWorker || !Number.isInteger(slot) || slot < 1) return null;
  return new WorkerLink(slot, env[QUIET_VARIABLE] === "1");
}
