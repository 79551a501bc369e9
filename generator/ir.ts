// The resolved intermediate representation of routes.yaml for one environment.
// Emitters see only these types, never raw YAML: defaults, environment overlays, globs and
// provider references are resolved once, here, so each emitter is a plain function of the IR.
import type { JsonPath } from "./transforms/jsonpath.ts";

/** Where a config value came from, for `// @route` provenance lines and diagnostics. */
export interface SourcePos {
  file: string; // as given on the command line, e.g. "routes.yaml"
  line: number; // 1-based
  col: number; // 1-based
}

/** The wire format a client speaks (or a provider answers in). */
export type ClientApi = "openai" | "anthropic";

/**
 * The APIs a route's generated objects serve: its client APIs, plus the Responses API for every route that
 * serves OpenAI chat (a Responses client names the same models).
 */
export type EndpointApi = ClientApi | "responses";

/** Provider kinds this build understands. `scenario` answers offline from a compiled script; `command` runs a local CLI. */
export type ProviderKind = "openai" | "anthropic" | "azure-openai" | "gemini" | "ollama" | "scenario" | "command";

/** The wire format an HTTP provider answers in: a client API, or a provider-native one reached by translation. */
export type UpstreamApi = ClientApi | "gemini" | "ollama" | "responses";

/**
 * A string that may reference environment variables: `${VAR}` or `${VAR:-default}`.
 * It is resolved when the bundle starts, never at build time, so secrets never reach generated files.
 */
export type EnvStringIR = { parts: EnvPartIR[] };
export type EnvPartIR =
  | { text: string }
  | { env: string; fallback?: string }; // fallback present (possibly "") when written as ${VAR:-...}

export interface ServerIR {
  host: string;
  port: number;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  /** Cross-origin access for browser clients; absent: no preflight answers and no CORS headers. */
  cors?: CorsIR;
  /** Addresses and CIDR ranges of reverse proxies whose X-Forwarded-For names the client; empty: none. */
  trustProxy: string[];
  /** `server.tls`: HTTPS from PEM files named here (never their contents), resolved and read at start; null: plain HTTP. */
  tls: ServerTlsIR | null;
}

export interface ServerTlsIR {
  cert: EnvStringIR;
  key: EnvStringIR;
  /** Where each path is written (the environment's overlay when it sets `server.tls`), for diagnostics and start-up errors. */
  certPos: SourcePos;
  keyPos: SourcePos;
  /** JSON pointer of `tls` in force, e.g. /server/tls or /environments/prod/server/tls. */
  pointer: string;
}

/** Who may use the gateway and what they may spend (runtime/access/, runtime/spend/, runtime/store/). */
export interface AccessIR {
  /** "auto": keys required unless the listener is loopback-only (decided at start, with the real host). */
  auth: "auto" | "required" | "off";
  /** sqlite:PATH or postgres://…, resolved at start; SWITCHYARD_STORE overrides it. */
  store: EnvStringIR;
  storePos: SourcePos;
  /** Output tokens a budget reserves for a request that names no max_tokens. */
  budgetMaxTokens: number;
  /** Where `auth.required` is set (the environment's overlay when it sets it), for the auth-off warning. */
  pos: SourcePos;
  pointer: string;
}

export interface CorsIR {
  /** Allowed Origin values exactly as browsers send them, or "*" for any origin. */
  origins: "*" | string[];
  /** Request headers a preflight allows; null echoes what the browser asks for. */
  headers: string[] | null;
  /** Access-Control-Max-Age; null leaves it to the browser. */
  maxAgeS: number | null;
}

export interface LogsIR {
  dir: string;
  maxSizeBytes: number;
  /** Whether full request/response bodies are written to the request log. */
  bodies: boolean;
  /** `logs.sink` (sqlite:PATH, postgres://…, may reference ${VAR}, resolved at start); null: JSONL files in `dir`. */
  sink: EnvStringIR | null;
  /** Where the sink in force is set, for start-up errors about its variables. */
  sinkPos: SourcePos;
  /** Records older than this many days are deleted; null: kept. */
  retentionDays: number | null;
  /** Records held for a slow or absent sink; null: the runtime's default. */
  queueSize: number | null;
  /** `logs.redact`, in order: every string of a persisted body (path null) or the strings at a JSONPath. */
  redact: RedactRuleIR[];
  redactEmails: boolean;
  redactCards: boolean;
}

/** The dashboard at /_switchyard/ (runtime/endpoints/dashboard.ts, runtime/observe/live-view.ts). */
export interface DashboardIR {
  enabled: boolean;
  /** Finished requests the live view keeps. */
  recentRequests: number;
  /** Hours of per-minute aggregates it keeps. */
  historyHours: number;
}
/** A `logs.redact` rule: a body transform's replace, applied to the copy of bodies the log keeps. */
export type RedactRuleIR = Extract<BodyRuleIR, { op: "replace" }>;

/** TLS to an https provider: verification off (lab endpoints) or an extra CA read at start. */
export interface TlsIR {
  verify: boolean;
  /** PEM file trusted in addition to the system CAs; the path may reference ${VAR}. */
  caFile: EnvStringIR | null;
}

export interface TimeoutsIR {
  connectMs: number;
  firstByteMs: number;
  /** Longest gap between body chunks; defaults to firstByteMs. */
  idleMs: number;
  /** Bound on a whole attempt; 0 = none. */
  totalMs: number;
}

export interface HttpProviderIR {
  name: string;
  /** Identifier for generated code: camelCase of the name, never reserved, unique among providers (see resolve.ts). */
  ident: string;
  kind: "openai" | "anthropic" | "azure-openai" | "gemini" | "ollama";
  /** The API this provider answers in: azure-openai answers OpenAI's; the others are named after theirs. */
  api: UpstreamApi;
  baseUrl: EnvStringIR;
  apiKey: EnvStringIR | null;
  /** Extra headers sent on every upstream request, e.g. OpenRouter's HTTP-Referer. Sorted by name. */
  headers: Array<{ name: string; value: EnvStringIR }>;
  timeouts: TimeoutsIR;
  maxConnections: number;
  /**
   * Requests beyond maxConnections wait for a connection: at most `max` of them (default maxConnections),
   * each at most `timeoutMs` (default 5000); past either the target is skipped.
   */
  queue: { max: number; timeoutMs: number };
  /** Absent: Node's defaults (verify against the system CAs). */
  tls?: TlsIR;
  /** Requests with a larger body skip this provider's targets; absent: no limit of its own. */
  bodyLimitBytes?: number;
  /** Responses held whole (translated, body rules) fail past this; absent: the runtime's default. */
  responseLimitBytes?: number;
  /** azure-openai: the api-version query parameter. */
  azureApiVersion?: string;
  /** POST /v1/responses: passed through (the provider speaks the Responses API) or translated to its chat API. */
  responses: "native" | "translate";
  /** gemini on Vertex AI: project, region and the service-account key file (path resolved at start). */
  vertex?: { project: string; location: string; credentialsFile: EnvStringIR };
  /** Header and body rules for every route's requests to this provider (applied before the route's). */
  transforms: TransformsIR | null;
  pos: SourcePos;
}

export interface CommandProviderIR {
  name: string;
  /** Identifier for generated code: camelCase of the name, never reserved, unique among providers (see resolve.ts). */
  ident: string;
  kind: "command";
  /** Executable and its arguments; the prompt goes to stdin or is appended as the last argument. */
  command: string;
  /** May reference ${VAR}, resolved at start like keys (paths differ per machine). */
  args: EnvStringIR[];
  prompt: "stdin" | "arg";
  timeoutMs: number;
  maxConcurrent: number;
  /** Extra environment for the process, values may reference ${VAR}. Sorted by name. */
  env: Array<{ name: string; value: EnvStringIR }>;
  pos: SourcePos;
}

export interface ScenarioProviderIR {
  name: string;
  /** Identifier for generated code: camelCase of the name, never reserved, unique among providers (see resolve.ts). */
  ident: string;
  kind: "scenario";
  /** Path of the scenario file as written in routes.yaml (relative to routes.yaml's folder). */
  file: string;
  /** Playback speed: 1 = real time, 0 = instant, 10 = ten times faster. */
  speed: number;
  /** `tools_profile`: which agent's tools named tool events become; absent = auto (the scenario's own setting wins). */
  toolsProfile?: "auto" | "claude-code" | "codex" | "openai-generic";
  /** `strict`: a tool the client did not declare stops playback; absent = false (the scenario's own setting wins). */
  strict?: boolean;
  pos: SourcePos;
}

export type ProviderIR = HttpProviderIR | ScenarioProviderIR | CommandProviderIR;

export interface TargetIR {
  /** Name of a provider in ConfigIR.providers. */
  provider: string;
  /** Upstream model name; null forwards the client's model unchanged (the usual case for glob routes). */
  model: string | null;
  /** Lower is tried first; targets of equal priority form one balanced group. Default 0. */
  priority: number;
  /** Share of its group's traffic under `weighted` balancing. Default 1. */
  weight: number;
  /** What a response through this target costs (generator/prices.ts). */
  price: TargetPriceIR;
  pos: SourcePos;
}

// ---- prices (generator/prices.ts, emitted by generator/emit/prices.ts and route-module.ts) ----

/** USD per million tokens (runtime/spend/price.ts ModelPrice). */
export interface ModelPriceIR {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Rates for prompts larger than `above`, ascending; empty for a flat price. */
  tiers: PriceTierIR[];
}

export interface PriceTierIR {
  above: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * A target's price: fixed when its upstream model is known at build time (or a price is configured, or it is
 * local), a compiled dataset lookup when it forwards the client's model, or unknown.
 */
export type TargetPriceIR =
  | { kind: "fixed"; price: ModelPriceIR; source: PriceSourceIR }
  | { kind: "lookup"; /** Dataset provider id, a key of PricesIR.lookups. */ dataset: string }
  | { kind: "unknown"; /** Why, for the `no-price` warning and ROUTES.md. */ reason: string };

export type PriceSourceIR =
  | { from: "target" | "provider"; pos: SourcePos }
  | { from: "dataset"; /** Dataset provider and model ids, e.g. openrouter, anthropic/claude-sonnet-4.5. */ provider: string; model: string }
  | { from: "local"; kind: "scenario" | "command" | "ollama" };

/** A dataset MatchLogic with every string lower-cased (matching is case-insensitive). */
export type MatchIR =
  | { equals: string }
  | { startsWith: string }
  | { endsWith: string }
  | { contains: string }
  | { regex: string }
  | { and: MatchIR[] }
  | { or: MatchIR[] };

/** One dataset model: how its name matches, and its token price in force at build time (null: not priced by tokens). */
export interface DatasetModelIR {
  id: string;
  match: MatchIR;
  price: ModelPriceIR | null;
}

/** One dataset provider's models, in the dataset's match order. */
export interface PriceTableIR {
  provider: string;
  /** Identifier stem for generated code, unique among tables. */
  ident: string;
  models: DatasetModelIR[];
}

/** The lookup of forwarding targets on one dataset provider: its own table, then its fallback providers'. */
export interface PriceLookupIR {
  provider: string;
  /** Identifier for generated code, unique among lookups. */
  ident: string;
  /** Dataset provider ids of the tables consulted, in order. */
  tables: string[];
}

export interface PricesIR {
  /** The @pydantic/genai-prices version the dataset prices come from. */
  dataset: string;
  /** Lookups used by forwarding targets, sorted by provider id; empty when no target forwards to a priced provider. */
  lookups: PriceLookupIR[];
  /** The tables those lookups consult, sorted by provider id. */
  tables: PriceTableIR[];
}

/** How a route spreads requests over a group of targets of equal priority. */
export interface BalanceIR {
  strategy: "weighted" | "least_inflight" | "latency";
  /** Clients that present a key keep to one target per group (rendezvous hashing on the key id). */
  sticky: boolean;
}

/** A header condition: an exact value, or a pattern written `/…/flags` and compiled once at module load. */
export type HeaderMatchIR = { name: string; equals: string } | { name: string; pattern: string; flags: string };

/** Conditions that must all hold for a conditional route to serve a request (null fields are not checked). */
export interface WhenIR {
  /** Lower-case header names, sorted. */
  headers: HeaderMatchIR[];
  /** Client key ids (runtime/access/client-identity.ts keyIdOf), sorted. */
  clientKeys: string[] | null;
  tools: boolean | null;
  images: boolean | null;
  /** The estimated prompt (runtime/usage/token-estimate.ts) is larger than this many tokens. */
  promptTokensOver: number | null;
  pos: SourcePos;
}

export interface RouteIR {
  /** Unique, stable id (from `id:` or derived from the model), used for file and identifier names. */
  id: string;
  /** Identifier stem for generated code: camelCase of the id, never reserved, unique among routes (see resolve.ts). */
  ident: string;
  /** Public model name, or a glob with `*` and `?` when `glob` is true. */
  model: string;
  glob: boolean;
  /** Client APIs this route serves. Pass-through routes serve the API their targets speak. */
  apis: ClientApi[];
  /** Sorted by priority (stable, so declaration order breaks ties): without `balance` the first is tried first, the rest are fallbacks. */
  targets: TargetIR[];
  /** null: pure fallback in the order of `targets`. */
  balance: BalanceIR | null;
  /** null: the route serves every request for its model (routes with `when` before it are tried first). */
  when: WhenIR | null;
  /** A tighter (or looser) request body limit than the server's; null uses the server's. */
  bodyLimitBytes: number | null;
  /**
   * What GET /v1/models lists for a glob route besides exact names: `examples` as they are, and with `upstream`
   * the target providers' own model lists, read at run time (runtime/endpoints/upstream-models.ts). null: nothing.
   */
  listModels: { upstream: boolean; examples: string[] } | null;
  /**
   * `record:`: every conversation on the route is written to a scenario file in `dir` (relative to the
   * gateway's working directory) by runtime/scenario/record/; null: not recorded.
   */
  record: { dir: string } | null;
  /** Settings for targets reached through a translator (client API ≠ the target's API). */
  translation: TranslationIR;
  /** Header and body rules of this route, applied after its target provider's. */
  transforms: TransformsIR | null;
  /** Bring-your-own-key: the client's key replaces the provider's in the provider's auth header. */
  forwardClientKey: boolean;
  /** The defaults merged with the route's own `rate_limits`; null when no limit applies. */
  rateLimits: RateLimitsIR | null;
  retry: RetryIR;
  /** null when `breaker: false`. */
  breaker: BreakerIR | null;
  pos: SourcePos;
}

/**
 * A `passthrough:` entry: paths Switchyard does not translate, forwarded byte for byte to one OpenAI- or
 * Anthropic-format provider (runtime/passthrough/). Validated by validate.ts: known provider of either kind,
 * well-formed globs (generator/passthrough-paths.ts), none covering a translated endpoint, none sharing a
 * path with another entry of the same API.
 */
export interface PassthroughIR {
  /** Unique among routes and entries: the request log's and metrics' `route`. */
  id: string;
  /** Identifier stem for generated code, unique among entries. */
  ident: string;
  provider: string;
  /** The API the provider speaks, which is the API of the clients whose paths it serves. */
  api: ClientApi;
  /** Path globs as written, in declaration order. */
  paths: string[];
  /** Request bodies above this are refused with a 413 (the server's body_limit unless the entry has its own). */
  bodyLimitBytes: number;
  /** Request-count limits (the defaults merged with the entry's own); tokens are never counted here. */
  rateLimits: RateLimitsIR | null;
  pos: SourcePos;
}

/** Per-minute limits for one kind of client; null: no such limit. */
export interface RateLimitRuleIR {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
}

export interface RateLimitsIR {
  /** Bucket namespace: "global" for routes on the defaults, "route/<id>" for a route with its own `rate_limits`. */
  scope: string;
  perKey: RateLimitRuleIR | null;
  perIp: RateLimitRuleIR | null;
}

export interface RedisIR {
  /** Resolved at start; empty means in-process state only. */
  url: EnvStringIR;
  keyPrefix: string;
  /** Share of a shared bucket's capacity one instance may lease (runtime/rate-limit/leases.ts). */
  rateLimitLease: number;
  /** Longest a command may take before the instance falls back to local state (runtime/redis/connection.ts). */
  commandTimeoutMs: number;
  pos: SourcePos;
}

/** OpenTelemetry traces over OTLP/HTTP (runtime/observe/tracing.ts); endpoint and headers resolved at start. */
export interface TelemetryIR {
  /** Empty once resolved: tracing off. */
  endpoint: EnvStringIR;
  /** Sorted by name. */
  headers: Array<{ name: string; value: EnvStringIR }>;
  serviceName: string;
  sampleRatio: number;
  pos: SourcePos;
}

/** Retries on the same target (runtime/resilience/backoff.ts RetryPolicy). */
export interface RetryIR {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
  patienceMs: number;
  budget: number;
}

/** Circuit breaker per target (runtime/resilience/circuit-breaker.ts BreakerPolicy). */
export interface BreakerIR {
  failures: number;
  errorRate: number;
  windowMs: number;
  minRequests: number;
  openMs: number;
}

export interface TranslationIR {
  /** max_tokens for Anthropic upstreams when an OpenAI client sends none. */
  maxTokens: number;
  /** A field the target API cannot express: dropped and logged, or a 400 naming it. */
  unsupported: "drop" | "reject";
  /** Keep cache_control markers on OpenAI-format upstreams (OpenRouter understands them). */
  keepCacheControl: boolean;
}

/** Prometheus metrics (runtime/observe/metrics.ts); null in ConfigIR when `metrics: { enabled: false }`. */
export interface MetricsIR {
  /** Each glob route's id and model pattern, in declaration order: the model label of the models it forwards. */
  globs: ReadonlyArray<readonly [routeId: string, glob: string]>;
}

export interface ConfigIR {
  file: string;
  env: string;
  server: ServerIR;
  logs: LogsIR;
  dashboard: DashboardIR;
  /** null: metrics off. */
  metrics: MetricsIR | null;
  access: AccessIR;
  /** Where rate-limit state is shared; null when routes.yaml has no `redis:`. */
  redis: RedisIR | null;
  /** Traces; null when routes.yaml has no `telemetry:`. */
  telemetry: TelemetryIR | null;
  /** Sorted by name. */
  providers: ProviderIR[];
  /** In declaration order (glob precedence follows it). */
  routes: RouteIR[];
  /** `passthrough:` entries in declaration order; empty when routes.yaml has none. */
  passthrough: PassthroughIR[];
  /** The dataset tables forwarding targets look prices up in. */
  prices: PricesIR;
}

// ---- transforms (generator/transforms/, emitted by generator/emit/transforms.ts) ----

export interface TransformsIR {
  request: TransformSideIR;
  response: TransformSideIR;
}

export interface TransformSideIR {
  headers: HeaderRulesIR | null;
  /** In declaration order. */
  body: BodyRuleIR[];
}

export interface HeaderRulesIR {
  /** Which of the client's (request) or upstream's (response) headers travel on; names lower-cased. */
  mode: "passthrough" | "allowlist" | "denylist";
  names: string[];
  /** Forced values; `${VAR}` resolved at start. Names lower-cased, in declaration order. */
  set: Array<{ name: string; value: EnvStringIR }>;
  /** Values added only when the header is absent. */
  add: Array<{ name: string; value: EnvStringIR }>;
  remove: string[];
}

export type BodyRuleIR = (
  | { op: "replace"; pattern: string; flags: string; with: string; path: JsonPath | null }
  | { op: "remove"; path: JsonPath }
  | { op: "set"; path: JsonPath; value: unknown }
  | { op: "add"; path: JsonPath; value: unknown }
) & { pos: SourcePos };
