// The uWebSockets.js server: fixed paths on uWS's native router, each bound once to its handler, plus the
// lifecycle (open the store and load the keyring, listen, then on SIGTERM/SIGINT stop accepting, let
// in-flight requests finish within a bound, flush the request log and the spend ledger, exit 0).
import uWS from "uWebSockets.js";
import type { HttpRequest, HttpResponse, us_listen_socket } from "uWebSockets.js";
import type { ClientApi, Gateway, TelemetrySettings } from "./contract.ts";
import { createChatEndpoint } from "./chat-endpoint.ts";
import { createCountTokensEndpoint } from "./count-tokens-endpoint.ts";
import { createOpenAIExtraEndpoint } from "./openai-extra-endpoint.ts";
import { createPassthroughEndpoint } from "./passthrough/endpoint.ts";
import { errorBody, JSON_HEADERS } from "./client-errors.ts";
import { createModelsEndpoint } from "./endpoints/models.ts";
import { UpstreamModels } from "./endpoints/upstream-models.ts";
import { registerAdminKeys } from "./endpoints/admin-keys.ts";
import { openRequestLog, type RequestLog } from "./log/writer.ts";
import { openWorkerRequestLog } from "./log/log-worker.ts";
import { SharedRedis } from "./redis/connection.ts";
import { createRateLimiter } from "./rate-limit/limiter.ts";
import { createResilience, type ResilienceOptions } from "./resilience/resilience.ts";
import { RedisBreakerStore } from "./resilience/redis-breaker-store.ts";
import { withCors } from "./cors.ts";
import { withHead } from "./head.ts";
import { withHeaderLimit } from "./header-limit.ts";
import { balancerHealth } from "./balance/health.ts";
import { openStore } from "./store/open.ts";
import type { Store } from "./store/types.ts";
import { KeyCache } from "./access/keyring.ts";
import { AccessGate } from "./access/gate.ts";
import { AdminKey, ADMIN_KEY_VARIABLE } from "./access/admin-key.ts";
import { TrustedProxies } from "./access/client-identity.ts";
import { Budgets } from "./spend/budget.ts";
import { SpendLedger } from "./spend/ledger.ts";
import { Accounting } from "./spend/accounting.ts";
import type { EndpointServices } from "./services.ts";
import type { RecordObserver, Tracing } from "./observe/hooks.ts";
import { LiveView } from "./observe/live-view.ts";
import { registerDashboard } from "./endpoints/dashboard.ts";
import { DASHBOARD_ASSETS } from "./endpoints/dashboard-assets.ts";
import { GatewayMetrics } from "./observe/metrics.ts";
import { registerMetricsEndpoint } from "./endpoints/metrics.ts";
import type { WorkerLink } from "./cluster/worker-link.ts";

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** Whether model requests need a Switchyard key (auth: auto resolved against the listen host). */
  readonly authRequired: boolean;
  readonly store: Store;
  /** Keys in the store when the server started. */
  readonly keyCount: number;
  /** Stop accepting, drain in-flight requests (bounded), flush logs, close upstream pools. */
  shutdown(): Promise<void>;
}

const OPENAI_CHAT_PATHS = ["/v1/chat/completions", "/openai/chat/completions", "/openai/v1/chat/completions"];
const ANTHROPIC_CHAT_PATHS = ["/v1/messages", "/anthropic/v1/messages"];
const RESPONSES_PATHS = ["/v1/responses", "/openai/v1/responses", "/openai/responses"];
const COUNT_TOKENS_PATHS = ["/v1/messages/count_tokens", "/anthropic/v1/messages/count_tokens"];
const EMBEDDINGS_PATHS = ["/v1/embeddings", "/openai/embeddings", "/openai/v1/embeddings"];
const COMPLETIONS_PATHS = ["/v1/completions", "/openai/completions", "/openai/v1/completions"];

const KNOWN_POST_PATHS = new Set([...OPENAI_CHAT_PATHS, ...ANTHROPIC_CHAT_PATHS, ...RESPONSES_PATHS, ...COUNT_TOKENS_PATHS, ...EMBEDDINGS_PATHS, ...COMPLETIONS_PATHS]);

/** uWS's ListenOptions value (its typings declare the enum but the module exports only the number). */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

/** Which API a request that matched no route speaks, so even a 404 comes back in the client's format. */
function guessApi(req: HttpRequest): ClientApi {
  return req.getUrl().startsWith("/anthropic") || req.getHeader("anthropic-version") !== "" ? "anthropic" : "openai";
}

function sendJson(res: HttpResponse, status: string, body: string): void {
  res.cork(() => {
    res.writeStatus(status);
    for (const name in JSON_HEADERS) res.writeHeader(name, JSON_HEADERS[name]!);
    res.end(body);
  });
}

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface StartOptions {
  /** Replaces the breaker store (default: Redis-backed with `redis:`, else in-process). */
  resilience?: ResilienceOptions;
  /** The process environment, for SWITCHYARD_ADMIN_KEY (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Opens tracing for `gateway.telemetry`: runtime/observe/tracing.ts's openTracing, passed in by the generated
   * main.ts of bundles with `telemetry:` only, so the others carry no OpenTelemetry code.
   */
  openTracing?: (settings: TelemetrySettings, gateway: Gateway) => Tracing;
  /**
   * Set in a worker of `--workers N` (runtime/cluster/): the port is shared with the other workers, /metrics
   * answers for all of them, and each request-log record names the worker's slot.
   */
  worker?: WorkerLink;
  /**
   * The bundle to start as the request log's thread (log/log-worker.ts), so records are serialised,
   * redacted and written off the event loop; absent (tests running from source), the log writes in this thread.
   */
  logWorker?: string | URL;
}

export async function startServer(gateway: Gateway, listen: { host: string; port: number }, options: StartOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  // The store first: a gateway that cannot read its keys must not start open.
  const store = await openStore(gateway.access.store);
  const keys = new KeyCache(store);
  await keys.start();
  const authRequired = gateway.access.auth === "required" || (gateway.access.auth === "auto" && !isLoopback(listen.host));
  const budgets = new Budgets(store, gateway.access.budgetMaxTokens);
  budgets.startSweeping();
  const ledger = new SpendLedger(store);
  ledger.start();
  const admin = new AdminKey(env[ADMIN_KEY_VARIABLE]);
  const redis = gateway.redis === null ? null : new SharedRedis(gateway.redis);
  const log = options.logWorker === undefined ? openRequestLog(gateway.logs) : openWorkerRequestLog(gateway.logs, options.logWorker);
  // Migrations before the first request; a sink that does not answer in time is retried in the background.
  await log.start(2000);
  const limiter = createRateLimiter(redis, gateway.redis?.rateLimitLease);
  // Registered before the connection is ready, so its script is loaded with the rate limits' on connect.
  const breakers = redis === null || options.resilience?.store !== undefined ? null : new RedisBreakerStore(redis);
  // Give Redis a moment so the first requests already share limits; an unreachable one is not waited for.
  await redis?.whenReady(1000);
  const inflight = new Set<Promise<void>>();
  // HEAD mirrors every GET without its body (runtime/head.ts); CORS wraps both. Innermost, every handler
  // runs only for requests within the header limit (runtime/header-limit.ts).
  const app = withCors(withHead(withHeaderLimit(uWS.App())), gateway.server.cors);
  const resilience = createResilience(gateway.router.routes, breakers === null ? options.resilience : { ...options.resilience, store: breakers });
  // The first requests already see the fleet's breakers (a no-op when Redis did not answer in time).
  await breakers?.flush();
  // Metrics off: no observer, nothing on the request path, and /metrics falls through to the 404.
  const metrics =
    gateway.metrics === null
      ? null
      : new GatewayMetrics(gateway.metrics, { router: gateway.router, inflight, resilience, droppedRecords: () => ({ [log.health().sink]: log.dropped() }) });
  const observers: RecordObserver[] = metrics === null ? [] : [metrics];
  const { dashboard } = gateway;
  const live = dashboard.enabled ? new LiveView({ recentRequests: dashboard.recentRequests, historyHours: dashboard.historyHours, bodies: gateway.logs.bodies, redact: gateway.logs.redact }) : null;
  // Only the admin key can read the live view: without one it would record for nobody.
  if (live !== null && admin.configured) observers.push(live);
  const tracing = openTracingFor(gateway, options);
  const slot = options.worker?.slot;
  const services: EndpointServices = {
    // Two closures rather than a test per request: a single process's records carry no worker field.
    record:
      slot === undefined
        ? (request, record, hints) => {
            for (const observer of observers) observer.observe(record);
            request.span?.end(record);
            log.write(record, hints);
          }
        : (request, record, hints) => {
            record.worker = slot;
            for (const observer of observers) observer.observe(record);
            request.span?.end(record);
            log.write(record, hints);
          },
    tracing,
    inflight,
    limiter,
    resilience,
    gate: new AccessGate(keys, authRequired),
    accounting: new Accounting(budgets, ledger),
    proxies: gateway.server.trustProxy === undefined ? null : new TrustedProxies(gateway.server.trustProxy),
  };

  // The Responses API goes through the chat endpoint too: same auth, limits, budgets, target walk and log.
  for (const [api, paths] of [["openai", OPENAI_CHAT_PATHS], ["anthropic", ANTHROPIC_CHAT_PATHS], ["responses", RESPONSES_PATHS]] as const) {
    const endpoint = createChatEndpoint(api, gateway, services);
    for (const path of paths) app.post(path, endpoint);
  }
  const countTokens = createCountTokensEndpoint(gateway, services);
  for (const path of COUNT_TOKENS_PATHS) app.post(path, countTokens);
  const embeddings = createOpenAIExtraEndpoint("embeddings", gateway, services);
  for (const path of EMBEDDINGS_PATHS) app.post(path, embeddings);
  const completions = createOpenAIExtraEndpoint("completions", gateway, services);
  for (const path of COMPLETIONS_PATHS) app.post(path, completions);

  // Glob routes with list_models.upstream: their providers' lists are read now, in the background.
  const upstreamModels = new UpstreamModels(gateway.router);
  if (upstreamModels.active) void upstreamModels.refresh();
  const models = createModelsEndpoint(gateway.router, services, upstreamModels);
  // Both SDKs call GET /v1/models; only Anthropic's sends anthropic-version.
  app.get("/v1/models", models("auto"));
  app.get("/openai/models", models("openai"));
  app.get("/openai/v1/models", models("openai"));
  app.get("/anthropic/v1/models", models("anthropic"));
  registerAdminKeys(app, admin, store, keys);
  if (live !== null) {
    const { recentRequests, historyHours } = dashboard;
    registerDashboard(app, { env: gateway.env, admin, store, keys, view: live, assets: DASHBOARD_ASSETS, recentRequests, historyHours, bodies: gateway.logs.bodies });
  }
  const worker = options.worker;
  worker?.serveMetrics(metrics?.registry ?? null);
  if (metrics !== null) registerMetricsEndpoint(app, metrics.contentType, worker === undefined ? () => metrics.scrape() : () => worker.scrape(), services.gate, admin);
  // Built per call: breaker and balancer states change; /health is not on the request path.
  app.get("/health", (res) =>
    sendJson(res, "200 OK", JSON.stringify({ status: "ok", env: gateway.env, breakers: resilience.scope(), targets: resilience.health(), balancers: balancerHealth(gateway.router.routes), log: log.health() })),
  );

  // The root says which gateway answers here: clients probe it (Claude Code sends HEAD / at every start) and a
  // person with curl learns where to look next. Nothing in it is secret: /health shows the env too.
  const rootBody = JSON.stringify({ service: "switchyard", env: gateway.env, health: "/health", models: "/v1/models" });
  app.get("/", (res) => sendJson(res, "200 OK", rootBody));

  const passthrough = gateway.passthrough === undefined ? null : createPassthroughEndpoint(gateway.passthrough, services);
  app.any("/*", (res, req) => {
    // Configured pass-through paths first; anything else is a 404 (or a 405 on a translated path).
    if (passthrough !== null && passthrough(res, req)) return;
    const api = guessApi(req);
    const known = KNOWN_POST_PATHS.has(req.getUrl());
    const status = known ? 405 : 404;
    const message = known
      ? `${req.getCaseSensitiveMethod()} is not allowed on ${req.getUrl()}; use POST`
      : `no such endpoint: ${req.getCaseSensitiveMethod()} ${req.getUrl()}`;
    sendJson(res, known ? "405 Method Not Allowed" : "404 Not Found", errorBody(api, { status, message }));
  });

  // uWS sets SO_REUSEPORT unless told the port is exclusive: a lone gateway must not quietly share a port
  // another process holds (traffic would split between them), while workers share theirs on purpose.
  const listenOptions = worker === undefined ? LIBUS_LISTEN_EXCLUSIVE_PORT : 0;
  return new Promise((resolve, reject) => {
    /* uWS: listen(host, port, options, cb) is in the native module though its typings list only (port, options, cb). */
    (app as unknown as { listen(host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void): void }).listen(listen.host, listen.port, listenOptions, (socket: us_listen_socket | false) => {
      if (!socket) {
        keys.stop();
        budgets.stop();
        void tracing?.shutdown();
        void log.close(Date.now());
        void ledger.close().then(() => store.close());
        reject(new Error(`cannot listen on ${listen.host}:${listen.port}`));
        return;
      }
      const port = uWS.us_socket_local_port(socket as unknown as uWS.us_socket);
      let stopping: Promise<void> | null = null;
      resolve({
        host: listen.host,
        port,
        authRequired,
        store,
        keyCount: keys.size,
        shutdown() {
          stopping ??= drain(socket, inflight, gateway, log).finally(async () => {
            // Leased rate-limit units go back to the shared buckets while the connection is still open.
            await limiter.close();
            breakers?.close();
            redis?.close();
            keys.stop();
            budgets.stop();
            // Every request has ended (or the drain bound passed): export their spans before exiting.
            await Promise.all([tracing?.shutdown(), ledger.close()]);
            await store.close();
          });
          return stopping;
        },
      });
    });
  });
}

function openTracingFor(gateway: Gateway, options: StartOptions): Tracing | null {
  if (gateway.telemetry === undefined) return null;
  if (options.openTracing === undefined) throw new Error("routes.yaml configures telemetry but this bundle was built without tracing");
  return options.openTracing(gateway.telemetry, gateway);
}

async function drain(
  socket: us_listen_socket,
  inflight: Set<Promise<void>>,
  gateway: Gateway,
  log: RequestLog,
): Promise<void> {
  uWS.us_listen_socket_close(socket);
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, gateway.server.shutdownTimeoutMs);
  });
  await Promise.race([Promise.allSettled([...inflight]), bound]);
  clearTimeout(timer);
  // The log flushes within what is left of the shutdown bound, but gets at least a second after the requests.
  await log.close(Math.max(started + gateway.server.shutdownTimeoutMs, Date.now() + 1000));
  await Promise.allSettled(gateway.upstreams.map((u) => (u.kind === "http" ? u.dispatcher.close() : undefined)));
}
