// What the supervisor (supervisor.ts) and its workers (worker-link.ts) say to each other over node:cluster's
// IPC channel. Kept in one small file both import, so neither reaches into the other.

/** Environment variables the supervisor sets on each worker it forks; never read outside runtime/cluster/. */
export const SLOT_VARIABLE = "SWITCHYARD_WORKER_SLOT";
/** Set on every worker but the first start of slot 1: the configuration lines are said once, not N times. */
export const QUIET_VARIABLE = "SWITCHYARD_WORKER_QUIET";

/** Worker → supervisor: listening on `port`, taking requests. */
export interface ReadyMessage {
  readonly type: "switchyard:ready";
  readonly port: number;
}

/** Worker → supervisor: a /metrics scrape arrived here; answer with every worker's metrics aggregated. */
export interface ScrapeRequest {
  readonly type: "switchyard:scrape";
  readonly id: number;
}

/** Supervisor → worker: the aggregated exposition text, or why there is none. */
export interface ScrapeReply {
  readonly type: "switchyard:scraped";
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

/** Supervisor → worker: send your registry as prom-client JSON (getMetricsAsJSON). */
export interface CollectRequest {
  readonly type: "switchyard:collect";
  readonly id: number;
}

/** Worker → supervisor: one registry's metrics as JSON (an empty list when metrics are off). */
export interface CollectReply {
  readonly type: "switchyard:collected";
  readonly id: number;
  readonly metrics: readonly unknown[];
}

/** Supervisor → worker: a reload has started the new bundle's workers; drain and exit (server.ts shutdown({ linger })). */
export interface RetireRequest {
  readonly type: "switchyard:retire";
}

export type WorkerMessage = ReadyMessage | ScrapeRequest | CollectReply;
export type SupervisorMessage = ScrapeReply | CollectRequest | RetireRequest;

/** Whether `value` is one of ours (the IPC channel also carries node:cluster's internal messages). */
export function isMessage<T extends { type: string }>(value: unknown, type: T["type"]): value is T {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === type;
}
