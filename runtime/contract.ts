// The shapes generated code fills in and the runtime serves. Generated modules build these objects once,
// at start; the request path only reads them (no config lookups, no parsing of routes.yaml).
import type { Dispatcher } from "undici";
import type { CompiledScenario, ToolsProfileSetting } from "./scenario/types.ts";
import type { CommandUpstream } from "./command/types.ts";
import type { AnyTranslator, TranslationOptions, UpstreamApi } from "./translate/translator.ts";
import type { UpstreamPaths } from "./upstream/paths.ts";
import type { AnyEmbeddingsTranslator } from "./translate/embeddings.ts";
import type { TargetTransforms } from "./transforms/types.ts";
import type { RedisSettings } from "./redis/connection.ts";
import type { RetryPolicy } from "./resilience/backoff.ts";
import type { BreakerPolicy } from "./resilience/circuit-breaker.ts";
import type { ClientIdentity } from "./access/client-identity.ts";
import type { PriceLookup } from "./spend/price.ts";
import type { LogRedaction } from "./log/redact.ts";
import type { PassthroughTable } from "./passthrough/table.ts";
import type { ConnectionQueue } from "./upstream/connection-queue.ts";
import type { ConversationRecorder } from "./scenario/record/recorder.ts";

/** The APIs clients speak: OpenAI chat completions, Anthropic messages, and OpenAI's Responses API. */
export type ClientApi = "openai" | "anthropic" | "responses";

/**
 * The two API families, as far as model lists and paths go: a Responses client is an OpenAI client there (it
 * lists models with OpenAI's GET /v1/models, and OpenAI's paths are its paths).
 */
export type ApiFamily = Exclude<ClientApi, "responses">;

/** An HTTP provider after start-up: secrets resolved from the environment, connection pool open. */
export interface HttpUpstream {
  readonly kind: "http";
  readonly name: string;
  /** The API this provider answers in. */
  readonly api: UpstreamApi;
  /** scheme://host:port, the pool's origin. */
  readonly origin: string;
  /** The base URL's path without a trailing slash ("/v1", "" for a bare host): pass-through paths go below it. */
  readonly basePath: string;
  /** Request paths, base path included, per endpoint (some kinds put the model in the path). */
  readonly paths: UpstreamPaths;
  /** Translates OpenAI embeddings requests for a provider-native embeddings API; null for OpenAI-format ones. */
  readonly embeddings: AnyEmbeddingsTranslator | null;
  /** Headers that change over time (Vertex AI's OAuth token); null when `headers` is all there is. */
  readonly auth: DynamicAuth | null;
  /** Auth and extra headers, lower-cased names; never logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** Requests with a larger body (as the client sent it) skip this provider's targets; Infinity: no limit. */
  readonly bodyLimitBytes: number;
  /**
   * A response the gateway must hold whole (translated, or rewritten by body rules) fails the attempt once
   * its upstream body passes this many bytes; streams relayed as they arrive are not bounded.
   */
  readonly responseLimitBytes: number;
  /** False when the key resolved to an empty string: targets on this provider are skipped. */
  readonly enabled: boolean;
  /** Why it is disabled, naming the key's variables (the skip reason clients read); null when enabled. */
  readonly disabledReason: string | null;
  readonly dispatcher: Dispatcher;
  /** The bounded wait for one of the pool's max_connections (runtime/upstream/connection-queue.ts). */
  readonly queue: ConnectionQueue;
  readonly connectTimeoutMs: number;
  readonly firstByteTimeoutMs: number;
  /** Longest gap between body chunks once the response started (undici's bodyTimeout). */
  readonly idleTimeoutMs: number;
  /** Bound on a whole attempt, headers to last byte; 0 = none. */
  readonly totalTimeoutMs: number;
}

/** Credentials fetched and refreshed at run time, e.g. an OAuth access token. */
export interface DynamicAuth {
  /** The current headers when a valid token is cached: the common case, no await. */
  cached(): Readonly<Record<string, string>> | null;
  /** Fetches (or joins the fetch of) a fresh token. */
  headers(): Promise<Readonly<Record<string, string>>>;
}

/** The offline `scenario` provider: answers from a script compiled into the bundle. */
export interface ScenarioUpstream {
  readonly kind: "scenario";
  readonly name: string;
  readonly scenario: CompiledScenario;
  /** 1 = real time, 0 = instant. */
  readonly speed: number;
  /** routes.yaml `tools_profile` (default auto); the scenario's `server.toolsProfile` wins. */
  readonly toolsProfile?: ToolsProfileSetting;
  /** routes.yaml `strict` (default false); the scenario's `server.strict` wins. */
  readonly strict?: boolean;
}

export type Upstream = HttpUpstream | ScenarioUpstream | CommandUpstream;

export interface Target {
  readonly upstream: Upstream;
  /** "provider:model" for logs and error messages; model is "*" when the client's model is forwarded. */
  readonly label: string;
  /** Upstream model, or null to forward the client's model unchanged. */
  readonly model: string | null;
  /** JSON.stringify(model), precomputed so a rename is a byte splice, not a re-serialisation. */
  readonly modelJson: string | null;
  /** How the client's API is spoken to this target; null passes the request through untouched. */
  readonly translation: Translation | null;
  /**
   * The price of the upstream model requested through this target (runtime/spend/price.ts): a constant for a
   * fixed model or a configured price, a compiled dataset lookup when the client's model is forwarded,
   * `() => null` when unknown.
   */
  readonly price: PriceLookup;
  /** Header and body rules (provider's, then route's) and bring-your-own-key; absent when there are none. */
  readonly transforms?: TargetTransforms;
  /**
   * The route forwards the client's own provider key (forward_client_key): a 401, 403 or 429 then speaks of
   * that client's key, not of the provider, and no breaker counts it.
   */
  readonly forwardsClientKey?: true;
}

/** A translator bound to a route's options, chosen at build time for one (client API, target API) pair. */
export interface Translation {
  readonly translator: AnyTranslator;
  readonly options: TranslationOptions;
}

export interface Route {
  readonly id: string;
  /** Sorted by priority. Without a balancer, tried in this order. */
  readonly targets: readonly Target[];
  /** The route's compiled limits (its own or the defaults); null when nothing limits it. */
  readonly rateLimits: RateLimits | null;
  readonly retry: RetryPolicy;
  /** null: breakers off for this route's targets. */
  readonly breaker: BreakerPolicy | null;
  /** Present on routes with `balance:`; orders the targets per request (runtime/balance/). */
  readonly balancer?: Balancer;
  /** The route's own `body_limit`; absent means the server's. */
  readonly bodyLimitBytes?: number;
  /** `record:`: writes each conversation on the route to a scenario file (runtime/scenario/record/); absent: off. */
  readonly record?: ConversationRecorder;
}

/** Orders a balanced route's targets for one request and learns from every attempt on them. */
export interface Balancer {
  /** Every target once, in the order to try them. */
  order(client: ClientIdentity): readonly Target[];
  /** An attempt on `target` starts. */
  begin(target: Target): void;
  /** It ended: `ms` is its latency sample (runtime/balance/sample.ts), null when it says nothing. */
  end(target: Target, ms: number | null, failed: boolean): void;
  /** Each target's current state, for /health. */
  snapshot(): readonly BalancerTargetState[];
}

export interface BalancerTargetState {
  readonly target: string;
  readonly weight: number;
  readonly inflight: number;
  /** Moving average of attempt latency (ttfb for streams); null before the first sample. */
  readonly latencyMs: number | null;
  readonly samples: number;
}

/** What a route condition (`when:`) may look at besides the parsed body: satisfied by AttemptRequest. */
export interface ConditionRequest {
  /** Client headers, lower-case names (without the client's key, which is `client.keyId`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly client: ClientIdentity;
}

/** Per-minute limits for one kind of client (per key or per IP); null: no limit of that kind. */
export interface RateLimitRule {
  readonly requestsPerMinute: number | null;
  readonly tokensPerMinute: number | null;
}

/** Limits as generated constants. Routes with the same `scope` draw from the same buckets. */
export interface RateLimits {
  /** "global" for routes on the top-level defaults, "route/<id>" for a route with its own `rate_limits`. */
  readonly scope: string;
  /** Applies to requests that present a key (by its hashed id); null: none. */
  readonly perKey: RateLimitRule | null;
  /** Applies to every request, by peer address; null: none. */
  readonly perIp: RateLimitRule | null;
}

export interface Router {
  /**
   * Route for a model requested through the OpenAI chat completions API. Models with conditional routes
   * look at the request and its body; without them (endpoints other than chat) only unconditional routes serve.
   */
  openai(model: string, request?: ConditionRequest, body?: unknown): Route | undefined;
  /** Route for a model requested through the Anthropic messages API. */
  anthropic(model: string, request?: ConditionRequest, body?: unknown): Route | undefined;
  /** Route for a model requested through the Responses API: the models the OpenAI chat routes serve. */
  responses(model: string, request?: ConditionRequest, body?: unknown): Route | undefined;
  /** The largest route `body_limit` above the server's, when some route has one: bodies are read up to it. */
  readonly maxBodyLimitBytes?: number;
  /** Exact public model names and glob routes' `list_models.examples`, per client API, for GET /v1/models. */
  readonly models: { readonly openai: readonly string[]; readonly anthropic: readonly string[] };
  /**
   * Ids of glob routes with `list_models.upstream`: GET /v1/models also lists what their targets' providers
   * list and this route serves (runtime/endpoints/upstream-models.ts). Absent: none.
   */
  readonly upstreamListed?: readonly string[];
  /** Every route object (one per client API it serves), for /health. */
  readonly routes: readonly Route[];
}

/** Validation failure of a request body, reported to the client as a 400. */
export interface RequestProblem {
  /** JSON pointer into the request body, "" for the root. */
  readonly path: string;
  readonly message: string;
}

/** A build-time compiled request validator (ajv standalone): null when the body is acceptable. */
export type RequestValidator = (body: unknown) => RequestProblem | null;

export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly bodyLimitBytes: number;
  readonly shutdownTimeoutMs: number;
  /** Absent: no CORS headers and no preflight answers. */
  readonly cors?: CorsSettings;
  /** Reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client; absent: none. */
  readonly trustProxy?: readonly string[];
  /**
   * routes.yaml's `server.tls`, its paths resolved (either may be empty); runtime/tls/ decides what the listener
   * serves, with SWITCHYARD_TLS_CERT/KEY first. Absent: plain HTTP unless those variables are set.
   */
  readonly tls?: ServerTlsSettings;
}

export interface ServerTlsSettings {
  /** PEM certificate chain file. */
  readonly cert: string;
  /** PEM private key file. */
  readonly key: string;
  /** Where it is configured, for start-up errors: `server.tls (routes.yaml:LINE:COL)`. */
  readonly origin: string;
}

/** Who may use the gateway and what they may spend (runtime/access/, runtime/spend/). */
export interface AccessSettings {
  /** "auto": keys are required unless the listener is loopback-only (decided with the host it listens on). */
  readonly auth: "auto" | "required" | "off";
  /** sqlite:PATH or postgres://…, resolved at start (SWITCHYARD_STORE first). */
  readonly store: string;
  /** Output tokens a budget reserves for a request that names no max_tokens. */
  readonly budgetMaxTokens: number;
}

export interface CorsSettings {
  /** "*" or the allowed origins, exactly as browsers send them. */
  readonly origins: "*" | readonly string[];
  /** Allowed request headers; absent echoes the preflight's Access-Control-Request-Headers. */
  readonly headers?: readonly string[];
  readonly maxAgeS?: number;
}

/** OpenTelemetry traces over OTLP/HTTP (runtime/observe/tracing.ts), resolved at start like provider keys. */
export interface TelemetrySettings {
  /** Where batches of spans are POSTed as OTLP/HTTP JSON, used as is: e.g. http://collector:4318/v1/traces. */
  readonly endpoint: string;
  /** Sent with every export (a hosted collector's key); never logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** The resource's service.name. */
  readonly serviceName: string;
  /** Share of new traces recorded, 0..1; a continued trace follows its traceparent's sampled flag. */
  readonly sampleRatio: number;
}

export interface LogSettings {
  /** JSONL files' folder (the jsonl sink). */
  readonly dir: string;
  readonly maxSizeBytes: number;
  /** False: request/response bodies and assembled response text are left out. */
  readonly bodies: boolean;
  /** Where records go (runtime/log/sinks/): jsonl (absent), sqlite:PATH or postgres://…, resolved at start. */
  readonly sink?: string;
  /** Records older than this many days are deleted, at start and hourly; absent: kept. */
  readonly retentionDays?: number;
  /** Records held in memory for a slow or absent sink before new ones are dropped (default 10000). */
  readonly queueSize?: number;
  /**
   * The compiled `logs.redact`, `redact_emails` and `redact_cards` rules for persisted bodies (sinks, traces:
   * runtime/log/redact.ts redactBody); absent when there are none.
   */
  readonly redact?: LogRedaction;
}

/** The dashboard at /_switchyard/ (runtime/endpoints/dashboard.ts). */
export interface DashboardSettings {
  readonly enabled: boolean;
  /** Finished requests the live view keeps for the latest-requests page. */
  readonly recentRequests: number;
  /** Hours of per-minute aggregates kept for the charts. */
  readonly historyHours: number;
}

/** Prometheus metrics (runtime/observe/metrics.ts); the Gateway's `metrics` is null when they are off. */
export interface MetricsSettings {
  /**
   * Each glob route's id and model pattern: a model the config does not name (one a client chose and the
   * route forwards) is labelled with its route's pattern, so label values stay a set the config bounds.
   */
  readonly globs: ReadonlyArray<readonly [routeId: string, glob: string]>;
}

/** Everything one environment's bundle hands the runtime. */
export interface Gateway {
  readonly env: string;
  readonly server: ServerSettings;
  readonly logs: LogSettings;
  readonly dashboard: DashboardSettings;
  /** null: metrics off (no observer on the request path, GET /metrics is a 404). */
  readonly metrics: MetricsSettings | null;
  readonly access: AccessSettings;
  readonly router: Router;
  readonly validators: { readonly openai: RequestValidator; readonly anthropic: RequestValidator; readonly responses: RequestValidator };
  /** Where rate-limit state is shared with other instances; null: in this process only. */
  readonly redis: RedisSettings | null;
  /** Every upstream, so the runtime can close pools on shutdown. */
  readonly upstreams: readonly Upstream[];
  /** Absent: tracing off (routes.yaml has no `telemetry:`, or its endpoint resolved empty). */
  readonly telemetry?: TelemetrySettings;
  /** `passthrough:` paths and the providers serving them (runtime/passthrough/); absent: none, unknown paths are 404s. */
  readonly passthrough?: PassthroughTable;
}
