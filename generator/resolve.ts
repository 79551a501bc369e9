// Schema-valid routes.yaml → ConfigIR for one environment. Everything an emitter would otherwise
// have to look up is settled here, once: the environment overlay, defaults (docs/config-reference.md),
// `${VAR}` strings, sizes, route ids and the APIs each route serves.
import type {
  BalanceIR,
  ClientApi,
  CorsIR,
  HeaderMatchIR,
  TlsIR,
  WhenIR,
  ConfigIR,
  EnvPartIR,
  EnvStringIR,
  ProviderIR,
  HttpProviderIR,
  ScenarioProviderIR,
  MetricsIR,
  ProviderKind,
  RateLimitRuleIR,
  RateLimitsIR,
  RouteIR,
  UpstreamApi,
  SourcePos,
  TelemetryIR,
  LogsIR,
  PassthroughIR,
  RedactRuleIR,
  ServerTlsIR,
} from "./ir.ts";
import type { Diagnostic, PathSegment, SourceLocator, Span } from "./diagnostics.ts";
import { toPointer } from "./diagnostics.ts";
import { isGlob } from "./glob.ts";
import { camel, Scope } from "./code.ts";
import { resolveTransforms, type TransformsYaml } from "./transforms/resolve.ts";
import { parseJsonPath } from "./transforms/jsonpath.ts";
import { compilePriceTables, datasetProviderOf, defaultPricesAt, noPriceDiagnostic, resolveTargetPrice, type PriceYaml } from "./prices.ts";

// ---- routes.yaml as written (after schema validation) ----

export interface ServerYaml {
  host?: string;
  port?: number;
  body_limit?: number | string;
  shutdown_timeout_ms?: number;
  cors?: { origins: "*" | string[]; headers?: string[]; max_age_s?: number };
  trust_proxy?: string[];
  tls?: { cert: string; key: string };
}
export interface LogsYaml {
  dir?: string;
  max_size?: number | string;
  bodies?: boolean;
  sink?: string;
  retention_days?: number;
  queue_size?: number;
  redact?: Array<{ pattern: string; flags?: string; with?: string; path?: string }>;
  redact_emails?: boolean;
  redact_cards?: boolean;
}
export interface ProviderOverrideYaml {
  base_url?: string;
  api_key?: string;
  headers?: Record<string, string>;
  timeouts?: { connect_ms?: number; first_byte_ms?: number; idle_ms?: number; total_ms?: number };
  max_connections?: number;
  queue?: { max?: number; timeout_ms?: number };
  tls?: { verify?: boolean; ca_file?: string };
  body_limit?: number | string;
  response_limit?: number | string;
  file?: string;
  speed?: number;
  tools_profile?: "auto" | "claude-code" | "codex" | "openai-generic";
  strict?: boolean;
  api_version?: string;
  responses?: "native" | "translate";
  vertex?: { project: string; location: string; credentials_file: string };
  command?: string;
  args?: string[];
  prompt?: "stdin" | "arg";
  timeout_ms?: number;
  max_concurrent?: number;
  env?: Record<string, string>;
  transforms?: TransformsYaml;
}
export interface ProviderYaml extends ProviderOverrideYaml {
  kind: ProviderKind;
  price?: PriceYaml;
}
export interface TargetYaml {
  provider: string;
  model?: string;
  priority?: number;
  weight?: number;
  price?: PriceYaml;
}
export interface WhenYaml {
  header?: Record<string, string>;
  client_key?: string[];
  tools?: boolean;
  images?: boolean;
  prompt_tokens_over?: number;
}
export interface RouteYaml {
  id?: string;
  model: string;
  api?: ClientApi | ClientApi[];
  targets: TargetYaml[];
  translation?: { max_tokens?: number; unsupported?: "drop" | "reject"; cache_control?: "keep" | "drop" };
  transforms?: TransformsYaml;
  forward_client_key?: boolean;
  rate_limits?: RateLimitsYaml;
  retry?: { max_attempts?: number; base_ms?: number; max_ms?: number; patience_ms?: number; budget?: number };
  breaker?: false | { failures?: number; error_rate?: number; window_ms?: number; min_requests?: number; open_ms?: number };
  balance?: { strategy?: BalanceIR["strategy"]; sticky?: "client_key" };
  when?: WhenYaml;
  body_limit?: number | string;
  list_models?: { upstream?: boolean; examples?: string[] };
  record?: { dir: string };
}
export interface PassthroughYaml {
  id?: string;
  provider: string;
  paths: string[];
  body_limit?: number | string;
  rate_limits?: RateLimitsYaml;
}
export interface RateLimitRuleYaml {
  requests_per_minute?: number | null;
  tokens_per_minute?: number | null;
}
export interface RateLimitsYaml {
  per_key?: RateLimitRuleYaml;
  per_ip?: RateLimitRuleYaml;
}
export interface RedisYaml {
  url: string;
  key_prefix?: string;
  rate_limit_lease?: number;
  command_timeout_ms?: number;
}
export interface TelemetryYaml {
  otlp: { endpoint: string; headers?: Record<string, string>; service_name?: string; sample_ratio?: number };
}
export interface AuthYaml {
  required?: boolean;
}
export interface BudgetsYaml {
  max_tokens?: number;
}
export interface DashboardYaml {
  enabled?: boolean;
  recent_requests?: number;
  history_hours?: number;
}
export interface MetricsYaml {
  enabled?: boolean;
}
export interface EnvironmentYaml {
  server?: ServerYaml;
  logs?: LogsYaml;
  redis?: RedisYaml;
  rate_limits?: RateLimitsYaml;
  auth?: AuthYaml;
  store?: string;
  budgets?: BudgetsYaml;
  telemetry?: TelemetryYaml;
  dashboard?: DashboardYaml;
  metrics?: MetricsYaml;
  providers?: Record<string, ProviderOverrideYaml>;
}
export interface RoutesYaml {
  server?: ServerYaml;
  logs?: LogsYaml;
  redis?: RedisYaml;
  rate_limits?: RateLimitsYaml;
  auth?: AuthYaml;
  store?: string;
  budgets?: BudgetsYaml;
  telemetry?: TelemetryYaml;
  dashboard?: DashboardYaml;
  metrics?: MetricsYaml;
  providers: Record<string, ProviderYaml>;
  routes: RouteYaml[];
  passthrough?: PassthroughYaml[];
  environments?: Record<string, EnvironmentYaml | null>;
}

// ---- defaults ----

/** The environment `build` uses without `--env`; it needs no `environments:` entry. */
export const DEFAULT_ENV = "dev";

export const DEFAULTS = {
  server: { host: "127.0.0.1", port: 8787, bodyLimit: "4mb", shutdownTimeoutMs: 10_000 },
  logs: { dir: "logs", maxSize: "100mb", bodies: true, redactWith: "[REDACTED]" },
  baseUrl: {
    openai: "https://api.openai.com/v1",
    anthropic: "https://api.anthropic.com",
    gemini: "https://generativelanguage.googleapis.com",
    ollama: "http://127.0.0.1:11434",
  } as Record<string, string>,
  azureApiVersion: "2024-10-21",
  command: { prompt: "stdin", timeoutMs: 300_000, maxConcurrent: 4 },
  timeouts: { connectMs: 10_000, firstByteMs: 120_000 },
  maxConnections: 128,
  // runtime/upstream/connection-queue.ts: as many may wait as the pool holds, each for at most 5 s.
  queueTimeoutMs: 5000,
  speed: 1,
  translation: { maxTokens: 4096, unsupported: "drop", cacheControl: "drop" },
  redisKeyPrefix: "switchyard:",
  // runtime/rate-limit/leases.ts: a tenth of a bucket per instance; buckets under 10 a minute stay exact.
  rateLimitLease: 0.1,
  // runtime/redis/connection.ts: a Redis slower than this is treated as down, and each instance goes local.
  redisCommandTimeoutMs: 50,
  store: "sqlite:data/switchyard.db",
  budgets: { maxTokens: 4096 },
  telemetry: { serviceName: "switchyard", sampleRatio: 1 },
  dashboard: { enabled: true, recentRequests: 500, historyHours: 24 },
  metrics: { enabled: true },
  retry: { maxAttempts: 2, baseMs: 250, maxMs: 4000, patienceMs: 5000, budget: 0.2 },
  breaker: { failures: 5, errorRate: 0.5, windowMs: 60_000, minRequests: 20, openMs: 30_000 },
  target: { priority: 0, weight: 1 },
  balance: { strategy: "weighted" },
} as const;

/** Both client APIs, in the canonical order used wherever a list of APIs is produced. */
export const CLIENT_APIS: readonly ClientApi[] = ["openai", "anthropic"];

// ---- small parsers shared with validate.ts ----

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const SIZE = /^([0-9]+(?:\.[0-9]+)?)[ ]*([kmg]?b)$/i;

/** Bytes for `body_limit`/`max_size`: an integer, or "512kb", "4mb", "1gb" (powers of 1024). */
export function parseSize(value: number | string): number {
  if (typeof value === "number") return value;
  const match = SIZE.exec(value);
  if (match === null) throw new Error(`not a size: ${JSON.stringify(value)}`);
  return Math.floor(Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!);
}

export type EnvStringResult =
  | { ok: true; value: EnvStringIR }
  | { ok: false; fragment: string; message: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Splits a string into text and `${NAME}` / `${NAME:-default}` references. Anything else that
 * starts with `${` is an error, since a silently literal "${OPENAI_KEY" would only show up as a 401.
 * A lone `$` is text.
 */
export function parseEnvString(input: string): EnvStringResult {
  const parts: EnvPartIR[] = [];
  const pushText = (text: string) => {
    if (text === "") return;
    const last = parts[parts.length - 1];
    if (last !== undefined && "text" in last) last.text += text;
    else parts.push({ text });
  };
  let at = 0;
  while (at < input.length) {
    const open = input.indexOf("${", at);
    if (open < 0) break;
    pushText(input.slice(at, open));
    const close = input.indexOf("}", open + 2);
    if (close < 0) {
      return { ok: false, fragment: input.slice(open), message: `unterminated reference "${input.slice(open)}": missing "}"` };
    }
    const fragment = input.slice(open, close + 1);
    const body = input.slice(open + 2, close);
    const colon = body.indexOf(":");
    const name = colon < 0 ? body : body.slice(0, colon);
    if (body.includes("${")) {
      return { ok: false, fragment, message: `nested reference in "${fragment}": a default is plain text` };
    }
    if (!ENV_NAME.test(name)) {
      const what = name === "" ? "empty variable name" : `invalid variable name "${name}"`;
      return { ok: false, fragment, message: `${what} in "${fragment}"` };
    }
    if (colon < 0) parts.push({ env: name });
    else if (body.startsWith(":-", colon)) parts.push({ env: name, fallback: body.slice(colon + 2) });
    else return { ok: false, fragment, message: `unsupported reference "${fragment}"` };
    at = close + 1;
  }
  pushText(input.slice(at));
  return { ok: true, value: { parts } };
}

/**
 * A `when.header` value: `/source/flags` is a regular expression, anything else an exact value. Returns the
 * pattern's parts, or null for an exact value. validate.ts compiles the pattern once to report `bad-regex`.
 */
export function headerPattern(value: string): { source: string; flags: string } | null {
  const match = /^\/(.+)\/([a-z]*)$/s.exec(value);
  return match === null ? null : { source: match[1]!, flags: match[2]! };
}

export const ENV_REFERENCE_HINT =
  "write ${NAME} or ${NAME:-default}; NAME is letters, digits and _, not starting with a digit";

/** The API an HTTP provider kind answers in; null for `scenario`, which answers both. */
export function apiOfKind(kind: ProviderKind): ClientApi | null {
  if (kind === "openai" || kind === "azure-openai") return "openai";
  return kind === "anthropic" ? "anthropic" : null;
}

/** The wire format of an HTTP kind. */
export function upstreamApiOfKind(kind: HttpProviderIR["kind"]): UpstreamApi {
  return kind === "azure-openai" ? "openai" : kind;
}

/**
 * The APIs a route serves: its explicit `api`, else what its HTTP targets speak, else (scenario
 * targets only) both. Targets on unknown providers are ignored. A target that answers in another API than
 * a client speaks is reached through a translator (generator/emit/route-module.ts picks it).
 */
export function routeApis(
  api: ClientApi | readonly ClientApi[] | undefined,
  targetKinds: ReadonlyArray<ProviderKind | undefined>,
): ClientApi[] {
  if (api !== undefined) {
    const wanted = new Set(typeof api === "string" ? [api] : api);
    return CLIENT_APIS.filter((a) => wanted.has(a));
  }
  const spoken = new Set<ClientApi>();
  for (const kind of targetKinds) {
    const targetApi = kind === undefined ? null : apiOfKind(kind);
    if (targetApi !== null) spoken.add(targetApi);
  }
  return spoken.size === 0 ? [...CLIENT_APIS] : CLIENT_APIS.filter((a) => spoken.has(a));
}

/** `claude-*` → `claude-star`, `openai/gpt-4o` → `openai-gpt-4o`, `GPT-4o` → `gpt-4o`. */
export function deriveRouteId(model: string): string {
  return model.toLowerCase().replace(/\*/g, "star").replace(/[^a-z0-9-]/g, "-");
}

/**
 * Ids for routes in declaration order. An explicit `id:` always wins; a derived id that collides
 * with an explicit one or an earlier route gets `-2`, `-3`, ... (duplicate explicit ids are a
 * `duplicate-route-id` error, so they are returned unchanged here).
 */
export function assignRouteIds(routes: ReadonlyArray<{ id?: string | undefined; model: string }>): string[] {
  const explicit = new Set(routes.flatMap((route) => (route.id === undefined ? [] : [route.id])));
  const taken = new Set<string>();
  return routes.map((route) => {
    if (route.id !== undefined) return route.id;
    const base = deriveRouteId(route.model);
    let id = base;
    for (let n = 2; taken.has(id) || explicit.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
    return id;
  });
}

// ---- environment overlay ----

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Maps merge key by key (so `headers` and `timeouts` keep keys the override does not mention); anything else is replaced. */
function mergeDeep<T>(base: T, override: unknown): T {
  if (!isPlain(base) || !isPlain(override)) return (override === undefined ? base : override) as T;
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = mergeDeep(out[key], value);
  return out as T;
}

/** routes.yaml with `environments.<env>` applied and `environments` dropped. */
export function applyEnvironment(config: RoutesYaml, env: string): Omit<RoutesYaml, "environments"> {
  const { environments, ...base } = config;
  const overlay = environments?.[env];
  if (overlay === undefined || overlay === null) return base;
  const providers: Record<string, ProviderYaml> = { ...base.providers };
  for (const [name, override] of Object.entries(overlay.providers ?? {})) {
    // validate.ts reports overrides of undefined providers; never invent a provider here.
    if (providers[name] !== undefined) providers[name] = mergeDeep(providers[name], override);
  }
  return {
    ...base,
    server: mergeDeep(base.server ?? {}, overlay.server),
    logs: mergeDeep(base.logs ?? {}, overlay.logs),
    ...(overlay.redis === undefined ? {} : { redis: mergeDeep(base.redis, overlay.redis) }),
    ...(overlay.rate_limits === undefined ? {} : { rate_limits: mergeDeep(base.rate_limits, overlay.rate_limits) }),
    ...(overlay.auth === undefined ? {} : { auth: mergeDeep(base.auth, overlay.auth) }),
    ...(overlay.store === undefined ? {} : { store: overlay.store }),
    ...(overlay.budgets === undefined ? {} : { budgets: mergeDeep(base.budgets, overlay.budgets) }),
    ...(overlay.telemetry === undefined ? {} : { telemetry: mergeDeep(base.telemetry, overlay.telemetry) }),
    ...(overlay.dashboard === undefined ? {} : { dashboard: mergeDeep(base.dashboard, overlay.dashboard) }),
    ...(overlay.metrics === undefined ? {} : { metrics: mergeDeep(base.metrics, overlay.metrics) }),
    providers,
  };
}

// ---- IR ----

export interface ResolveOptions {
  /** The date whose dataset prices apply (generator/prices.ts); default: SOURCE_DATE_EPOCH, else now. */
  pricesAt?: Date;
  /** Receives what resolution itself finds: `no-price` warnings for targets whose cost cannot be known. */
  diagnostics?: Diagnostic[];
}

/**
 * Builds the IR of a schema-valid config free of semantic errors (load.ts only calls it then).
 * Positions always come from the base config: an environment overrides values, not where
 * providers and routes are declared.
 */
export function resolveConfig(config: RoutesYaml, env: string, at: SourceLocator, options: ResolveOptions = {}): ConfigIR {
  const resolved = applyEnvironment(config, env);
  const pos = (span: Span): SourcePos => ({ file: at.file, line: span.line, col: span.col });
  const server = resolved.server ?? {};
  const logs = resolved.logs ?? {};

  const providerNames = Object.keys(resolved.providers).sort(compare);
  // Identifiers: names and ids that differ only in punctuation ("a-b", "a_b") or are reserved words get
  // distinct, usable ones, by sorted provider name and by route declaration order.
  const providerIdents = new Scope();
  const providers = providerNames.map((name) =>
    resolveProvider(name, providerIdents.unique(camel(name)), resolved.providers[name]!, pos(at.key(["providers", name])), at),
  );

  // Prices: each provider's dataset provider once, then each target's price (generator/prices.ts).
  const pricesAt = options.pricesAt ?? defaultPricesAt();
  const datasets = new Map(providers.map((provider) => [provider.name, datasetProviderOf(provider)]));
  const priceOf = (route: RouteYaml, target: TargetYaml, targetPath: PathSegment[]) => {
    const providerPrice = resolved.providers[target.provider]!.price;
    const price = resolveTargetPrice({
      own: target.price === undefined ? null : { price: target.price, pos: pos(at.value([...targetPath, "price"])) },
      provider: providerPrice === undefined ? null : { price: providerPrice, pos: pos(at.value(["providers", target.provider, "price"])) },
      dataset: datasets.get(target.provider)!,
      upstreamModel: target.model ?? (isGlob(route.model) ? null : route.model),
      at: pricesAt,
    });
    if (price.kind === "unknown") {
      const label = `${target.provider}:${target.model ?? (isGlob(route.model) ? "*" : route.model)}`;
      options.diagnostics?.push(noPriceDiagnostic(at, targetPath, label, target.provider, price.reason));
    }
    return price;
  };

  const ids = assignRouteIds(resolved.routes);
  const routeIdents = new Scope();
  const routes = resolved.routes.map((route, index): RouteIR => {
    const path: PathSegment[] = ["routes", index];
    const kinds = route.targets.map((target) => resolved.providers[target.provider]?.kind);
    return {
      id: ids[index]!,
      ident: routeIdents.unique(camel(ids[index]!)),
      model: route.model,
      glob: isGlob(route.model),
      apis: routeApis(route.api, kinds),
      // A stable sort: equal priorities keep declaration order, so a route without priorities is unchanged.
      targets: route.targets
        .map((target, t) => ({
          provider: target.provider,
          model: target.model ?? null,
          priority: target.priority ?? DEFAULTS.target.priority,
          weight: target.weight ?? DEFAULTS.target.weight,
          price: priceOf(route, target, [...path, "targets", t]),
          pos: pos(at.value([...path, "targets", t])),
        }))
        .sort((a, b) => a.priority - b.priority),
      balance:
        route.balance === undefined
          ? null
          : { strategy: route.balance.strategy ?? DEFAULTS.balance.strategy, sticky: route.balance.sticky === "client_key" },
      when: route.when === undefined ? null : resolveWhen(route.when, pos(at.value([...path, "when"]))),
      bodyLimitBytes: route.body_limit === undefined ? null : parseSize(route.body_limit),
      listModels: route.list_models === undefined ? null : { upstream: route.list_models.upstream ?? false, examples: route.list_models.examples ?? [] },
      record: route.record === undefined ? null : { dir: route.record.dir },
      translation: {
        maxTokens: route.translation?.max_tokens ?? DEFAULTS.translation.maxTokens,
        unsupported: route.translation?.unsupported ?? DEFAULTS.translation.unsupported,
        keepCacheControl: (route.translation?.cache_control ?? DEFAULTS.translation.cacheControl) === "keep",
      },
      transforms: resolveTransforms(route.transforms, [...path, "transforms"], at),
      forwardClientKey: route.forward_client_key ?? false,
      rateLimits: resolveRateLimits(resolved.rate_limits, route.rate_limits, ids[index]!),
      retry: {
        maxAttempts: route.retry?.max_attempts ?? DEFAULTS.retry.maxAttempts,
        baseMs: route.retry?.base_ms ?? DEFAULTS.retry.baseMs,
        maxMs: route.retry?.max_ms ?? DEFAULTS.retry.maxMs,
        patienceMs: route.retry?.patience_ms ?? DEFAULTS.retry.patienceMs,
        budget: route.retry?.budget ?? DEFAULTS.retry.budget,
      },
      breaker:
        route.breaker === false
          ? null
          : {
              failures: route.breaker?.failures ?? DEFAULTS.breaker.failures,
              errorRate: route.breaker?.error_rate ?? DEFAULTS.breaker.errorRate,
              windowMs: route.breaker?.window_ms ?? DEFAULTS.breaker.windowMs,
              minRequests: route.breaker?.min_requests ?? DEFAULTS.breaker.minRequests,
              openMs: route.breaker?.open_ms ?? DEFAULTS.breaker.openMs,
            },
      pos: pos(at.value(path)),
    };
  });

  const passthrough = resolvePassthrough(resolved.passthrough ?? [], resolved, routes, parseSize(server.body_limit ?? DEFAULTS.server.bodyLimit), pos, at);

  return {
    file: at.file,
    env,
    server: {
      host: server.host ?? DEFAULTS.server.host,
      port: server.port ?? DEFAULTS.server.port,
      bodyLimitBytes: parseSize(server.body_limit ?? DEFAULTS.server.bodyLimit),
      shutdownTimeoutMs: server.shutdown_timeout_ms ?? DEFAULTS.server.shutdownTimeoutMs,
      ...(server.cors === undefined ? {} : { cors: resolveCors(server.cors) }),
      trustProxy: [...new Set(server.trust_proxy ?? [])],
      tls: resolveServerTls(server.tls, config.environments?.[env]?.server?.tls !== undefined ? ["environments", env, "server", "tls"] : ["server", "tls"], pos, at),
    },
    access: {
      auth: resolved.auth?.required === undefined ? "auto" : resolved.auth.required ? "required" : "off",
      store: envString(resolved.store ?? DEFAULTS.store),
      storePos: pos(at.value(config.environments?.[env]?.store !== undefined ? ["environments", env, "store"] : ["store"])),
      budgetMaxTokens: resolved.budgets?.max_tokens ?? DEFAULTS.budgets.maxTokens,
      // The setting in force: the environment's own when it has one (its line is the one to fix).
      ...(() => {
        const path = config.environments?.[env]?.auth?.required !== undefined ? ["environments", env, "auth", "required"] : ["auth", "required"];
        return { pos: pos(at.value(path)), pointer: "/" + path.join("/") };
      })(),
    },
    logs: {
      dir: logs.dir ?? DEFAULTS.logs.dir,
      maxSizeBytes: parseSize(logs.max_size ?? DEFAULTS.logs.maxSize),
      bodies: logs.bodies ?? DEFAULTS.logs.bodies,
      ...resolveLogSink(logs, config, env, pos, at),
    },
    dashboard: {
      enabled: resolved.dashboard?.enabled ?? DEFAULTS.dashboard.enabled,
      recentRequests: resolved.dashboard?.recent_requests ?? DEFAULTS.dashboard.recentRequests,
      historyHours: resolved.dashboard?.history_hours ?? DEFAULTS.dashboard.historyHours,
    },
    metrics: resolveMetrics(resolved.metrics, routes),
    redis: resolved.redis === undefined
      ? null
      : {
          url: envString(resolved.redis.url),
          keyPrefix: resolved.redis.key_prefix ?? DEFAULTS.redisKeyPrefix,
          rateLimitLease: resolved.redis.rate_limit_lease ?? DEFAULTS.rateLimitLease,
          commandTimeoutMs: resolved.redis.command_timeout_ms ?? DEFAULTS.redisCommandTimeoutMs,
          pos: pos(at.key(["redis"])),
        },
    telemetry: resolved.telemetry === undefined ? null : resolveTelemetry(resolved.telemetry, pos(at.key(config.environments?.[env]?.telemetry !== undefined ? ["environments", env, "telemetry"] : ["telemetry"]))),
    providers,
    routes,
    passthrough,
    prices: compilePriceTables(
      routes.flatMap((route) => route.targets.flatMap((target) => (target.price.kind === "lookup" ? [target.price.dataset] : []))),
      pricesAt,
    ),
  };
}

/**
 * `passthrough:` entries. Ids default to `passthrough-<provider>`, made unique against route ids and each
 * other as derived route ids are (validate.ts reports explicit duplicates). Limits merge like a route's,
 * under their own scope when the entry has `rate_limits`.
 */
function resolvePassthrough(
  entries: readonly PassthroughYaml[],
  config: Omit<RoutesYaml, "environments">,
  routes: readonly RouteIR[],
  serverLimit: number,
  pos: (span: Span) => SourcePos,
  at: SourceLocator,
): PassthroughIR[] {
  const taken = new Set([...routes.map((r) => r.id), ...entries.flatMap((e) => (e.id === undefined ? [] : [e.id]))]);
  const idents = new Scope();
  return entries.map((entry, index): PassthroughIR => {
    let id = entry.id;
    if (id === undefined) {
      const base = `passthrough-${deriveRouteId(entry.provider)}`;
      id = base;
      for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
      taken.add(id);
    }
    const provider = config.providers[entry.provider]!;
    return {
      id,
      ident: idents.unique(camel(id)),
      provider: entry.provider,
      // validate.ts admits only openai and anthropic providers.
      api: apiOfKind(provider.kind)!,
      paths: [...entry.paths],
      bodyLimitBytes: entry.body_limit === undefined ? serverLimit : parseSize(entry.body_limit),
      rateLimits: resolveRateLimits(config.rate_limits, entry.rate_limits, id),
      pos: pos(at.value(["passthrough", index])),
    };
  });
}

function resolveTelemetry(telemetry: TelemetryYaml, at: SourcePos): TelemetryIR {
  const { otlp } = telemetry;
  return {
    endpoint: envString(otlp.endpoint),
    headers: Object.entries(otlp.headers ?? {})
      .sort(([a], [b]) => compare(a, b))
      .map(([name, value]) => ({ name, value: envString(value) })),
    serviceName: otlp.service_name ?? DEFAULTS.telemetry.serviceName,
    sampleRatio: otlp.sample_ratio ?? DEFAULTS.telemetry.sampleRatio,
    pos: at,
  };
}

/**
 * Metrics need, besides the switch, each glob route's pattern: a client-chosen model that the config does
 * not name is labelled with it, so label values stay a set the config bounds.
 */
function resolveMetrics(metrics: MetricsYaml | undefined, routes: readonly RouteIR[]): MetricsIR | null {
  if (!(metrics?.enabled ?? DEFAULTS.metrics.enabled)) return null;
  return { globs: routes.filter((route) => route.glob).map((route) => [route.id, route.model] as const) };
}

/**
 * `logs.sink`, retention and redaction. A setting's position is the environment's when its overlay sets it
 * (that is the line to fix); redact rules come whole from one place (an overlay's list replaces the base's).
 */
function resolveLogSink(
  logs: LogsYaml,
  config: RoutesYaml,
  env: string,
  pos: (span: Span) => SourcePos,
  at: SourceLocator,
): Pick<LogsIR, "sink" | "sinkPos" | "retentionDays" | "queueSize" | "redact" | "redactEmails" | "redactCards"> {
  const own = (key: keyof LogsYaml): PathSegment[] =>
    config.environments?.[env]?.logs?.[key] !== undefined ? ["environments", env, "logs", key] : ["logs", key];
  const redactPath = own("redact");
  return {
    sink: logs.sink === undefined ? null : envString(logs.sink),
    sinkPos: pos(logs.sink === undefined ? at.key(["logs"]) : at.value(own("sink"))),
    retentionDays: logs.retention_days ?? null,
    queueSize: logs.queue_size ?? null,
    redact: (logs.redact ?? []).map((rule, i): RedactRuleIR => {
      const parsed = rule.path === undefined ? null : parseJsonPath(rule.path);
      // validate.ts has reported every bad path before resolve runs.
      if (parsed !== null && !parsed.ok) throw new Error(parsed.message);
      return { op: "replace", pattern: rule.pattern, flags: rule.flags ?? "", with: rule.with ?? DEFAULTS.logs.redactWith, path: parsed === null ? null : parsed.path, pos: pos(at.value([...redactPath, i])) };
    }),
    redactEmails: logs.redact_emails ?? false,
    redactCards: logs.redact_cards ?? false,
  };
}

/**
 * A route's limits: each of its own fields overrides the default's (null removes one). A route with its own
 * `rate_limits` draws from its own buckets ("route/<id>"); the others share the defaults' ("global").
 */
export function resolveRateLimits(defaults: RateLimitsYaml | undefined, own: RateLimitsYaml | undefined, routeId: string): RateLimitsIR | null {
  const rule = (base: RateLimitRuleYaml | undefined, over: RateLimitRuleYaml | undefined): RateLimitRuleIR | null => {
    const pick = (field: keyof RateLimitRuleYaml) => (over?.[field] !== undefined ? over[field] : base?.[field]) ?? null;
    const requestsPerMinute = pick("requests_per_minute");
    const tokensPerMinute = pick("tokens_per_minute");
    return requestsPerMinute === null && tokensPerMinute === null ? null : { requestsPerMinute, tokensPerMinute };
  };
  const perKey = rule(defaults?.per_key, own?.per_key);
  const perIp = rule(defaults?.per_ip, own?.per_ip);
  if (perKey === null && perIp === null) return null;
  return { scope: own === undefined ? "global" : `route/${routeId}`, perKey, perIp };
}

function resolveProvider(name: string, ident: string, provider: ProviderYaml, pos: SourcePos, at: SourceLocator): ProviderIR {
  if (provider.kind === "scenario") {
    if (provider.file === undefined) throw new Error(`scenario provider "${name}" has no file`);
    const scenario: ScenarioProviderIR = { name, ident, kind: "scenario", file: provider.file, speed: provider.speed ?? DEFAULTS.speed, pos };
    if (provider.tools_profile !== undefined) scenario.toolsProfile = provider.tools_profile;
    if (provider.strict !== undefined) scenario.strict = provider.strict;
    return scenario;
  }
  if (provider.kind === "command") {
    if (provider.command === undefined) throw new Error(`command provider "${name}" has no command`);
    return {
      name,
      ident,
      kind: "command",
      command: provider.command,
      args: (provider.args ?? []).map(envString),
      prompt: provider.prompt ?? DEFAULTS.command.prompt,
      timeoutMs: provider.timeout_ms ?? DEFAULTS.command.timeoutMs,
      maxConcurrent: provider.max_concurrent ?? DEFAULTS.command.maxConcurrent,
      env: Object.entries(provider.env ?? {})
        .sort(([a], [b]) => compare(a, b))
        .map(([variable, value]) => ({ name: variable, value: envString(value) })),
      pos,
    };
  }
  const kind = provider.kind;
  const vertex = kind === "gemini" ? provider.vertex : undefined;
  const defaultBaseUrl = vertex ? `https://${vertex.location}-aiplatform.googleapis.com` : DEFAULTS.baseUrl[kind];
  // validate.ts requires base_url where there is no default (azure-openai).
  if (provider.base_url === undefined && defaultBaseUrl === undefined) throw new Error(`provider "${name}" has no base_url`);
  const maxConnections = provider.max_connections ?? DEFAULTS.maxConnections;
  return {
    name,
    ident,
    kind,
    api: upstreamApiOfKind(kind),
    ...(kind === "azure-openai" ? { azureApiVersion: provider.api_version ?? DEFAULTS.azureApiVersion } : {}),
    responses: responsesMode(kind, provider.responses, provider.base_url),
    ...(vertex ? { vertex: { project: vertex.project, location: vertex.location, credentialsFile: envString(vertex.credentials_file) } } : {}),
    baseUrl: envString(provider.base_url ?? defaultBaseUrl!),
    apiKey: provider.api_key === undefined ? null : envString(provider.api_key),
    headers: Object.entries(provider.headers ?? {})
      .sort(([a], [b]) => compare(a, b))
      .map(([header, value]) => ({ name: header, value: envString(value) })),
    timeouts: resolveTimeouts(provider.timeouts),
    maxConnections,
    queue: { max: provider.queue?.max ?? maxConnections, timeoutMs: provider.queue?.timeout_ms ?? DEFAULTS.queueTimeoutMs },
    transforms: resolveTransforms(provider.transforms, ["providers", name, "transforms"], at),
    ...(provider.tls === undefined ? {} : { tls: resolveTls(provider.tls) }),
    ...(provider.body_limit === undefined ? {} : { bodyLimitBytes: parseSize(provider.body_limit) }),
    ...(provider.response_limit === undefined ? {} : { responseLimitBytes: parseSize(provider.response_limit) }),
    pos,
  };
}

/**
 * How a provider serves POST /v1/responses. OpenAI's own API and Azure OpenAI speak it, so they get it
 * passed through; an OpenAI-format provider with another base_url (DeepSeek, OpenRouter, vLLM, Ollama's
 * OpenAI endpoint, …) may not, so it is translated to chat completions unless `responses: native` says
 * otherwise. Other kinds are always translated.
 */
function responsesMode(kind: HttpProviderIR["kind"], set: "native" | "translate" | undefined, baseUrl: string | undefined): "native" | "translate" {
  if (kind !== "openai" && kind !== "azure-openai") return "translate";
  if (set !== undefined) return set;
  return kind === "azure-openai" || baseUrl === undefined || /^https:\/\/api\.openai\.com(\/v1)?\/?$/.test(baseUrl) ? "native" : "translate";
}

function resolveTls(tls: NonNullable<ProviderYaml["tls"]>): TlsIR {
  return { verify: tls.verify ?? true, caFile: tls.ca_file === undefined ? null : envString(tls.ca_file) };
}

/** `server.tls` in force; `path` is where it is written (an environment's overlay replaces both files at once). */
function resolveServerTls(tls: ServerYaml["tls"], path: PathSegment[], pos: (span: Span) => SourcePos, at: SourceLocator): ServerTlsIR | null {
  if (tls === undefined) return null;
  return {
    cert: envString(tls.cert),
    key: envString(tls.key),
    certPos: pos(at.value([...path, "cert"])),
    keyPos: pos(at.value([...path, "key"])),
    pointer: toPointer(path),
  };
}

function resolveCors(cors: NonNullable<ServerYaml["cors"]>): CorsIR {
  return {
    origins: cors.origins === "*" ? "*" : [...new Set(cors.origins)],
    headers: cors.headers === undefined ? null : cors.headers.map((h) => h.toLowerCase()),
    maxAgeS: cors.max_age_s ?? null,
  };
}

function resolveWhen(when: WhenYaml, pos: SourcePos): WhenIR {
  const headers = Object.entries(when.header ?? {})
    .map(([header, value]): HeaderMatchIR => {
      const lower = header.toLowerCase();
      const pattern = headerPattern(value);
      return pattern === null ? { name: lower, equals: value } : { name: lower, pattern: pattern.source, flags: pattern.flags };
    })
    .sort((a, b) => compare(a.name, b.name));
  return {
    headers,
    clientKeys: when.client_key === undefined ? null : [...new Set(when.client_key)].sort(compare),
    tools: when.tools ?? null,
    images: when.images ?? null,
    promptTokensOver: when.prompt_tokens_over ?? null,
    pos,
  };
}

function resolveTimeouts(timeouts: ProviderYaml["timeouts"]): HttpProviderIR["timeouts"] {
  const firstByteMs = timeouts?.first_byte_ms ?? DEFAULTS.timeouts.firstByteMs;
  return {
    connectMs: timeouts?.connect_ms ?? DEFAULTS.timeouts.connectMs,
    firstByteMs,
    // Before idle_ms existed the pool's body timeout was the first-byte timeout; an unset idle_ms keeps that.
    idleMs: timeouts?.idle_ms ?? firstByteMs,
    totalMs: timeouts?.total_ms ?? 0,
  };
}

function envString(text: string): EnvStringIR {
  const parsed = parseEnvString(text);
  // validate.ts has reported every malformed reference before resolve runs.
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

/** Code-unit order, independent of locale, so output is the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
