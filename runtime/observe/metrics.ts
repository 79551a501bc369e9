// Prometheus metrics, derived from each finished request's record (a RecordObserver) plus a few gauges
// read when /metrics is scraped (in-flight requests, breaker states, request-log drops). The registry is
// prom-client's, one per gateway, never the global one.
//
// Label values come only from sets the config bounds: route ids, provider names, model names the config
// spells out, key ids (never keys), status classes. A model a client chose and a glob route forwarded is
// labelled with the route's pattern ("claude-*"); a key Switchyard does not know is anonymous ("").
//
// The request path pays a handful of Map lookups and additions: series objects are made on a label set's
// first use and found again through nested Maps keyed by route, provider and model (no label strings are
// built per request), and prom-client only sees them at scrape time (runtime/observe/metric-series.ts).
import { Counter, Gauge, Registry } from "prom-client";
import type { MetricsSettings, Router } from "../contract.ts";
import type { AttemptRecord, RequestLogRecord } from "../log/request-log.ts";
import type { TargetHealth } from "../resilience/resilience.ts";
import type { ConnectionHealth } from "../upstream/connection-queue.ts";
import type { RecordObserver } from "./hooks.ts";
import { CounterFamily, HistogramFamily, type CounterSeries, type HistogramSeries } from "./metric-series.ts";
import { appLog } from "../log/app-log.ts";

/** What the gauges read at scrape time. */
export interface MetricsSources {
  readonly router: Router;
  /** The server's in-flight request promises. */
  readonly inflight: { readonly size: number };
  readonly resilience: { health(): readonly TargetHealth[] };
  /** Each HTTP provider's connections in use, queue depth and refusals (runtime/upstream/connection-queue.ts). */
  readonly upstreams?: () => readonly ConnectionHealth[];
  /** Records each request-log sink has lost so far, by sink name (the JSONL files are "file"). */
  readonly droppedRecords: () => Readonly<Record<string, number>>;
}

/**
 * Seconds. The OpenTelemetry GenAI buckets for gen_ai.client.operation.duration (0.01 s doubling to
 * 81.92 s), extended by two doublings: agent and reasoning calls often run for minutes.
 */
export const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68];
/** Seconds. The GenAI buckets for gen_ai.server.time_to_first_token, extended to 40 s for reasoning models. */
export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40];

/** The label value for "no such thing": no route matched, no target served. */
export const NONE = "none";
/** A model that is neither named in the config nor forwarded by a glob route (not expected; bounded anyway). */
const OTHER = "other";

const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"];
/** An attempt's: the HTTP status classes, and "error" when no status came back (connection failure, timeout). */
const ATTEMPT_CLASSES = [...STATUS_CLASSES, "error"];
const ATTEMPT_ERROR = 5;
const APIS = ["openai", "anthropic", "responses"] as const;
const BREAKER_STATES: Readonly<Record<string, number>> = { closed: 0, half_open: 1, open: 2 };

function statusClass(status: number): number {
  const index = Math.trunc(status / 100) - 1;
  return index >= 0 && index < 5 ? index : 4;
}

/** Series labelled with one (route, provider, model). */
class ServedSeries {
  /** requests_total by api × status class. */
  readonly requests: Array<CounterSeries | undefined> = new Array(APIS.length * STATUS_CLASSES.length).fill(undefined);
  readonly duration: Array<HistogramSeries | undefined> = new Array(STATUS_CLASSES.length).fill(undefined);
  readonly upstream: Array<HistogramSeries | undefined> = new Array(ATTEMPT_CLASSES.length).fill(undefined);
  ttft: HistogramSeries | undefined;

  constructor(
    readonly route: string,
    readonly provider: string,
    readonly model: string,
  ) {}
}

/** Series labelled with one (route, provider). */
class ProviderSeries {
  readonly models = new Map<string, ServedSeries>();
  retries: CounterSeries | undefined;
  fallbacks: CounterSeries | undefined;

  constructor(readonly provider: string) {}
}

class RouteSeries {
  readonly providers = new Map<string, ProviderSeries>();
  /** Requests no target served (refused, or every target failed). */
  readonly unserved: ServedSeries;
  readonly rateLimited = new Map<string, CounterSeries>();

  constructor(
    readonly id: string,
    /** The route's model pattern when it is a glob route. */
    readonly glob: string | null,
  ) {
    this.unserved = new ServedSeries(id, NONE, NONE);
  }
}

/** Series labelled with one (model, key). */
interface UsageSeries {
  readonly input: CounterSeries;
  readonly output: CounterSeries;
  readonly cacheRead: CounterSeries;
  readonly cacheWrite: CounterSeries;
  readonly cost: CounterSeries;
}

export class GatewayMetrics implements RecordObserver {
  readonly registry = new Registry();
  private readonly requests: CounterFamily;
  private readonly duration: HistogramFamily;
  private readonly upstream: HistogramFamily;
  private readonly ttft: HistogramFamily;
  private readonly tokens: CounterFamily;
  private readonly cost: CounterFamily;
  private readonly retries: CounterFamily;
  private readonly fallbacks: CounterFamily;
  private readonly rateLimited: CounterFamily;
  private readonly budgetExceeded: CounterFamily;

  /** By route id; the null key holds requests that matched no route. */
  private readonly routes = new Map<string | null, RouteSeries>();
  private readonly globs: ReadonlyMap<string, string>;
  /** Every model name the config spells out: public exact names and targets' upstream models. */
  private readonly named = new Set<string>();
  private readonly usage = new Map<string, Map<string, UsageSeries>>();
  private readonly budgets = new Map<string, CounterSeries>();
  private failed = false;

  constructor(
    settings: MetricsSettings,
    sources: MetricsSources,
    /** Told once if observing a record ever throws (a bug): metrics must never break a request. */
    private readonly onError: (error: unknown) => void = (error) =>
      appLog.error({ err: error }, "metrics: a request could not be counted; the metrics may be incomplete from here on (a bug)"),
  ) {
    const registry = this.registry;
    this.globs = new Map(settings.globs);
    const models = sources.router.models;
    for (const name of [...models.openai, ...models.anthropic]) this.named.add(name);
    for (const route of sources.router.routes) for (const target of route.targets) if (target.model !== null) this.named.add(target.model);
    // Pass-through attempts name no model (runtime/passthrough/endpoint.ts NO_MODEL).
    this.named.add(NONE);

    const served = ["route", "provider", "model"];
    this.requests = new CounterFamily(registry, "switchyard_requests_total", "Requests answered, by route, the provider and model that served them (\"none\": no target did), status class and client API.", [...served, "status_class", "api"]);
    this.duration = new HistogramFamily(registry, "switchyard_request_duration_seconds", "Time from a request's arrival to its last byte (gen_ai.client.operation.duration as the client sees it).", [...served, "status_class"], DURATION_BUCKETS);
    this.upstream = new HistogramFamily(registry, "switchyard_upstream_duration_seconds", "Duration of each upstream attempt, retries and failed tries included; status_class \"error\" when no status came back.", [...served, "status_class"], DURATION_BUCKETS);
    this.ttft = new HistogramFamily(registry, "switchyard_time_to_first_token_seconds", "Time from a streamed request's arrival to the first byte of its response (gen_ai.server.time_to_first_token).", served, TTFT_BUCKETS);
    this.tokens = new CounterFamily(registry, "switchyard_tokens_total", "Tokens used, by direction (input excludes cache reads and writes), serving model and key id.", ["direction", "model", "key"]);
    this.cost = new CounterFamily(registry, "switchyard_cost_usd_total", "Cost in USD at the serving target's price, by serving model and key id.", ["model", "key"]);
    this.retries = new CounterFamily(registry, "switchyard_retries_total", "Upstream attempts that retried the same target, by route and provider.", ["route", "provider"]);
    this.fallbacks = new CounterFamily(registry, "switchyard_fallbacks_total", "Upstream attempts on a target other than the first one the request considered, by route and the provider fallen back to.", ["route", "provider"]);
    this.rateLimited = new CounterFamily(registry, "switchyard_rate_limited_total", "Requests refused by the gateway's own rate limits, by route and key id.", ["route", "key"]);
    this.budgetExceeded = new CounterFamily(registry, "switchyard_budget_exceeded_total", "Requests refused because the key's budget was spent, by key id.", ["key"]);

    new Gauge({
      name: "switchyard_in_flight",
      help: "Requests being handled right now.",
      registers: [registry],
      collect() {
        this.set(sources.inflight.size);
      },
    });
    new Gauge({
      name: "switchyard_breaker_state",
      help: "Circuit breaker state per route and target: 0 closed, 1 half-open, 2 open (routes with breakers only).",
      labelNames: ["route", "target"],
      registers: [registry],
      // With --workers N each worker has its own breakers (shared through Redis, or not): the pool shows the worst.
      aggregator: "max",
      collect() {
        this.reset();
        for (const target of sources.resilience.health()) {
          const state = BREAKER_STATES[target.state];
          if (state !== undefined) this.set({ route: target.route, target: target.target }, state);
        }
      },
    });
    // Read at scrape time from each provider's queue; with --workers N they add up across workers (each has
    // its own pool of max_connections), as the default "sum" aggregator does.
    const upstreams = sources.upstreams ?? (() => []);
    new Gauge({
      name: "switchyard_upstream_in_flight",
      help: "Requests holding one of a provider's connections (at most max_connections per worker), by provider.",
      labelNames: ["provider"],
      registers: [registry],
      collect() {
        this.reset();
        for (const upstream of upstreams()) this.set({ provider: upstream.provider }, upstream.in_flight);
      },
    });
    new Gauge({
      name: "switchyard_upstream_queue_depth",
      help: "Requests waiting for one of a provider's connections (at most queue.max per worker), by provider.",
      labelNames: ["provider"],
      registers: [registry],
      collect() {
        this.reset();
        for (const upstream of upstreams()) this.set({ provider: upstream.provider }, upstream.queued);
      },
    });
    new Counter({
      name: "switchyard_upstream_queue_rejected_total",
      help: "Requests a provider's connection queue turned away, by provider and reason (full: queue.max were waiting; timeout: no connection within queue.timeout_ms).",
      labelNames: ["provider", "reason"],
      registers: [registry],
      collect() {
        this.reset();
        for (const upstream of upstreams()) {
          this.inc({ provider: upstream.provider, reason: "full" }, upstream.rejected_full);
          this.inc({ provider: upstream.provider, reason: "timeout" }, upstream.rejected_timeout);
        }
      },
    });
    // The sinks keep their own counts; the counter reports them as they stand.
    new Counter({
      name: "switchyard_log_records_dropped_total",
      help: "Request-log records lost because a sink could not keep up or could not be written, by sink.",
      labelNames: ["sink"],
      registers: [registry],
      collect() {
        this.reset();
        const dropped = sources.droppedRecords();
        for (const sink in dropped) this.inc({ sink }, dropped[sink]!);
      },
    });

    for (const route of sources.router.routes) this.routeSeries(route.id);
    this.routeSeries(null);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  observe(record: RequestLogRecord): void {
    try {
      this.count(record);
    } catch (error) {
      if (!this.failed) this.onError(error);
      this.failed = true;
    }
  }

  private count(record: RequestLogRecord): void {
    const route = this.routes.get(record.route) ?? this.routeSeries(record.route);
    const attempts = record.attempts;
    let served: AttemptRecord | null = null;
    let first = true;
    for (let i = 0; i < attempts.length; i++) {
      const attempt = attempts[i]!;
      // A skipped target counts as considered: the next one tried is a fallback from it.
      if (attempt.skipped !== undefined) {
        first = false;
        continue;
      }
      const provider = this.providerSeries(route, attempt.provider);
      const series = this.servedSeries(route, provider, attempt.model);
      const cls = attempt.status === null ? ATTEMPT_ERROR : statusClass(attempt.status);
      (series.upstream[cls] ??= this.upstream.series({ route: series.route, provider: series.provider, model: series.model, status_class: ATTEMPT_CLASSES[cls]! })).observe(attempt.latency_ms / 1000);
      if (attempt.retry !== undefined) (provider.retries ??= this.retries.series({ route: route.id, provider: provider.provider })).value++;
      else if (!first) (provider.fallbacks ??= this.fallbacks.series({ route: route.id, provider: provider.provider })).value++;
      first = false;
      served = attempt;
    }
    // The last try served the response unless it failed.
    if (served !== null && served.error !== undefined) served = null;
    const series = served === null ? route.unserved : this.servedSeries(route, this.providerSeries(route, served.provider), served.model);
    const cls = statusClass(record.status);
    const api = record.api === "openai" ? 0 : record.api === "anthropic" ? 1 : 2;
    const slot = api * STATUS_CLASSES.length + cls;
    (series.requests[slot] ??= this.requests.series({ route: series.route, provider: series.provider, model: series.model, status_class: STATUS_CLASSES[cls]!, api: APIS[api] })).value++;
    (series.duration[cls] ??= this.duration.series({ route: series.route, provider: series.provider, model: series.model, status_class: STATUS_CLASSES[cls]! })).observe(record.latency_ms / 1000);
    if (record.stream && served !== null && record.ttfb_ms !== null && cls === 1) {
      (series.ttft ??= this.ttft.series({ route: series.route, provider: series.provider, model: series.model })).observe(record.ttfb_ms / 1000);
    }

    // Known keys only: an unknown key's id is a hash of whatever the client sent, an unbounded set.
    const key = record.key_name !== undefined && record.key_id !== null ? record.key_id : "";
    const usage = record.usage;
    if (usage !== null || record.cost_usd !== undefined) {
      const spent = this.usageSeries(series.model, key);
      if (usage !== null) {
        spent.input.value += usage.input_tokens;
        spent.output.value += usage.output_tokens;
        spent.cacheRead.value += usage.cache_read_input_tokens;
        spent.cacheWrite.value += usage.cache_creation_input_tokens;
      }
      if (record.cost_usd !== undefined) spent.cost.value += record.cost_usd;
    }
    const code = record.error_code;
    if (code === "rate_limit_exceeded") {
      let limited = route.rateLimited.get(key);
      if (limited === undefined) route.rateLimited.set(key, (limited = this.rateLimited.series({ route: route.id, key })));
      limited.value++;
    } else if (code === "budget_exceeded") {
      let exceeded = this.budgets.get(key);
      if (exceeded === undefined) this.budgets.set(key, (exceeded = this.budgetExceeded.series({ key })));
      exceeded.value++;
    }
  }

  private routeSeries(id: string | null): RouteSeries {
    const route = new RouteSeries(id ?? NONE, id === null ? null : (this.globs.get(id) ?? null));
    this.routes.set(id, route);
    return route;
  }

  private providerSeries(route: RouteSeries, name: string): ProviderSeries {
    let provider = route.providers.get(name);
    if (provider === undefined) route.providers.set(name, (provider = new ProviderSeries(name)));
    return provider;
  }

  /** `model` as the upstream was asked for it: a name the config spells out, else the route's pattern. */
  private servedSeries(route: RouteSeries, provider: ProviderSeries, model: string): ServedSeries {
    const label = this.named.has(model) ? model : (route.glob ?? OTHER);
    let series = provider.models.get(label);
    if (series === undefined) provider.models.set(label, (series = new ServedSeries(route.id, provider.provider, label)));
    return series;
  }

  private usageSeries(model: string, key: string): UsageSeries {
    let byKey = this.usage.get(model);
    if (byKey === undefined) this.usage.set(model, (byKey = new Map()));
    let series = byKey.get(key);
    if (series === undefined) {
      const tokens = (direction: string) => this.tokens.series({ direction, model, key });
      series = { input: tokens("input"), output: tokens("output"), cacheRead: tokens("cache_read"), cacheWrite: tokens("cache_write"), cost: this.cost.series({ model, key }) };
      byKey.set(key, series);
    }
    return series;
  }
}
