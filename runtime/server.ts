// The HTTP server: fixed paths on the backend's router (uWS's native one, or node:http's through
// runtime/http-backend/ when uWS has no binary for this Node), each bound once to its handler, plus the
// lifecycle (open the store and load the keyring, listen over HTTP or HTTPS (listener/tls.ts), then on
// SIGTERM/SIGINT stop accepting, let in-flight requests finish within a bound, flush the request log and the
// spend ledger, exit 0). Routes are recorded once in a RouteTable so a listener re-opened with a new
// certificate serves the same handlers.
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import { selectHttpBackend } from "./http-backend/select.ts";
import type { HttpBackend, HttpListener, HttpServer } from "./http-backend/types.ts";
import type { ClientApi, Gateway, TelemetrySettings } from "./contract.ts";
import { createChatEndpoint } from "./endpoints/chat.ts";
import { createCountTokensEndpoint } from "./endpoints/count-tokens.ts";
import { createOpenAIExtraEndpoint } from "./endpoints/openai-extra.ts";
import { createPassthroughEndpoint } from "./passthrough/endpoint.ts";
import { errorBody, JSON_HEADERS } from "./client/errors.ts";
import { createModelsEndpoint } from "./endpoints/models.ts";
import { UpstreamModels } from "./endpoints/upstream-models.ts";
import { registerAdminKeys } from "./endpoints/admin-keys.ts";
import { registerScenariosApi } from "./endpoints/scenarios-api.ts";
import { ScenarioRegistry } from "./scenario/session/registry.ts";
import { openRequestLog, type RequestLog } from "./log/writer.ts";
import { openWorkerRequestLog } from "./log/log-worker.ts";
import { SharedRedis } from "./redis/connection.ts";
import { createRateLimiter } from "./rate-limit/limiter.ts";
import { createResilience, type ResilienceOptions } from "./resilience/resilience.ts";
import { RedisBreakerStore } from "./resilience/redis-breaker-store.ts";
import { withCors } from "./listener/cors.ts";
import { withHead } from "./listener/head.ts";
import { withHeaderLimit } from "./listener/header-limit.ts";
import { balancerHealth } from "./balance/health.ts";
import { connectionHealth } from "./upstream/connection-queue.ts";
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
import { RouteTable } from "./listener/route-table.ts";
import { Closing, withClosing } from "./listener/closing.ts";
import { listenerTls, readTls, uwsTlsOptions, type TlsFiles, type TlsPair } from "./listener/tls.ts";
import { reservePort } from "./listener/reserve-port.ts";

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** The certificate served (its files and facts), or null for plain HTTP. */
  readonly tls: TlsPair | null;
  /** http://HOST:PORT or https://HOST:PORT. */
  readonly url: string;
  /** False once a failed reloadTls could not get the port back: nothing new can connect. */
  readonly listening: boolean;
  /** Whether model requests need a Switchyard key (auth: auto resolved against the listen host). */
  readonly authRequired: boolean;
  readonly store: Store;
  /** Keys in the store when the server started. */
  readonly keyCount: number;
  /**
   * Stop accepting, drain in-flight requests (bounded), flush logs, close upstream pools. With `linger` (a
   * worker retired by a reload), also wait until no request has arrived for LINGER_QUIET_MS, within the
   * same bound, so clients leave their kept-alive connections before the process exits.
   */
  shutdown(options?: { linger?: boolean }): Promise<void>;
  /**
   * Reads the certificate and key again and serves them to new connections (open connections keep theirs).
   * Throws, still serving the previous pair, when the files are unreadable or do not match.
   */
  reloadTls(): Promise<TlsPair>;
  /** The HTTP server it runs on, and why that one. */
  readonly backend: HttpBackend;
}

/**
 * How long a retiring worker waits without a new request before it exits: longer than the idle time after
 * which common clients drop a kept-alive connection (undici 4 s, Node's agent and httpx 5 s), so none sends
 * a request on a connection as it closes. uWS itself closes connections idle for 10 s.
 */
const LINGER_QUIET_MS = 5500;

const OPENAI_CHAT_PATHS = ["/v1/chat/completions", "/openai/chat/completions", "/openai/v1/chat/completions"];
const ANTHROPIC_CHAT_PATHS = ["/v1/messages", "/anthropic/v1/messages"];
const RESPONSES_PATHS = ["/v1/responses", "/openai/v1/responses", "/openai/responses"];
const COUNT_TOKENS_PATHS = ["/v1/messages/count_tokens", "/anthropic/v1/messages/count_tokens"];
const EMBEDDINGS_PATHS = ["/v1/embeddings", "/openai/embeddings", "/openai/v1/embeddings"];
const COMPLETIONS_PATHS = ["/v1/completions", "/openai/completions", "/openai/v1/completions"];

const KNOWN_POST_PATHS = new Set([...OPENAI_CHAT_PATHS, ...ANTHROPIC_CHAT_PATHS, ...RESPONSES_PATHS, ...COUNT_TOKENS_PATHS, ...EMBEDDINGS_PATHS, ...COMPLETIONS_PATHS]);

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
  /** The HTTP server to run on (default: runtime/http-backend/select.ts's choice for this Node and env). */
  backend?: HttpBackend;
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
  // A listener that cannot serve its certificate fails before anything else opens.
  const tlsFiles = listenerTls(gateway.server, env);
  let tls = tlsFiles === null ? null : readTls(tlsFiles);
  const backend = options.backend ?? selectHttpBackend(env);
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
  const app = new RouteTable();
  const resilience = createResilience(gateway.router.routes, breakers === null ? options.resilience : { ...options.resilience, store: breakers });
  // The first requests already see the fleet's breakers (a no-op when Redis did not answer in time).
  await breakers?.flush();
  // Metrics off: no observer, nothing on the request path, and /metrics falls through to the 404.
  const metrics =
    gateway.metrics === null
      ? null
      : new GatewayMetrics(gateway.metrics, { router: gateway.router, inflight, resilience, upstreams: connectionHealth.bind(null, gateway.upstreams), droppedRecords: () => ({ [log.health().sink]: log.dropped() }) });
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
    // Every scenario provider's bundled script, prepared now (its checks' regexes compiled once).
    scenarios: new ScenarioRegistry(gateway.router.routes.flatMap((route) => route.targets.map((target) => target.upstream)).filter((upstream) => upstream.kind === "scenario")),
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
  registerScenariosApi(app, admin, services.scenarios);
  if (live !== null) {
    const { recentRequests, historyHours } = dashboard;
    registerDashboard(app, { env: gateway.env, admin, store, keys, view: live, assets: DASHBOARD_ASSETS, recentRequests, historyHours, bodies: gateway.logs.bodies });
  }
  const worker = options.worker;
  worker?.serveMetrics(metrics?.registry ?? null);
  if (metrics !== null) registerMetricsEndpoint(app, metrics.contentType, worker === undefined ? () => metrics.scrape() : () => worker.scrape(), services.gate, admin);
  // Built per call: breaker and balancer states change; /health is not on the request path.
  app.get("/health", (res) =>
    sendJson(res, "200 OK", JSON.stringify({ status: "ok", env: gateway.env, breakers: resilience.scope(), targets: resilience.health(), balancers: balancerHealth(gateway.router.routes), upstreams: connectionHealth(gateway.upstreams), log: log.health() })),
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

  // Responses say Connection: close once the listener is closed (listener/closing.ts).
  const closing = new Closing();
  // HEAD mirrors every GET without its body (runtime/listener/head.ts); CORS wraps both; then every recorded route.
  // Innermost, every handler runs only for requests within the header limit (runtime/listener/header-limit.ts).
  const openServer = (files: TlsFiles | null): HttpServer => {
    const server = backend.createServer(files === null ? undefined : uwsTlsOptions(files));
    app.applyTo(withClosing(withCors(withHead(withHeaderLimit(server.app)), gateway.server.cors), closing));
    return server;
  };

  // A lone gateway must not quietly share a port another process holds (traffic would split between them),
  // while workers share theirs on purpose.
  const shared = worker !== undefined;
  let current = openServer(tlsFiles);
  // Port 0 with HTTPS in a single process: a concrete port, so reloadTls can bind it again (reserve-port.ts).
  const asked = listen.port === 0 && tlsFiles !== null && !shared ? await reservePort(listen.host, 0) : listen.port;
  const first = await current.listen(listen.host, asked, shared);
  if (first === null) {
    keys.stop();
    budgets.stop();
    void tracing?.shutdown();
    void log.close(Date.now());
    void ledger.close().then(() => store.close());
    // uWS says only that it failed (no errno): an exclusive bind of the same address tells a port another
    // process holds ("… is already in use") from any other reason.
    throw new Error(await reservePort(listen.host, listen.port).then(() => `cannot listen on ${listen.host}:${listen.port}`, (error: Error) => error.message));
  }
  let listener: HttpListener = first;
  const port = listener.port;
  // Servers replaced by reloadTls keep serving the connections they accepted; held here so nothing collects them.
  const retired: HttpServer[] = [];
  let stopping: Promise<void> | null = null;
  let listening = true;
  return {
    host: listen.host,
    port,
    get listening() {
      return listening;
    },
    get tls() {
      return tls;
    },
    url: `${tlsFiles === null ? "http" : "https"}://${listen.host}:${port}`,
    authRequired,
    store,
    keyCount: keys.size,
    backend,
    async reloadTls() {
      if (tlsFiles === null) throw new Error("this listener serves plain HTTP: there is no certificate to re-read");
      if (stopping !== null) throw new Error("the server is stopping");
      const pair = readTls(tlsFiles);
      const next = openServer(tlsFiles);
      // A shared port (a worker) can take the new listener first; an exclusive one must be let go of first,
      // which refuses connections for the moment between the two calls.
      if (shared) {
        const opened = await next.listen(listen.host, port, shared);
        if (opened === null) throw new Error(`cannot listen on ${listen.host}:${port} again`);
        listener.close();
        listener = opened;
      } else {
        listener.close();
        const opened = await next.listen(listen.host, port, shared);
        if (opened === null) {
          const back = await current.listen(listen.host, port, shared);
          if (back !== null) listener = back;
          else listening = false;
          throw new Error(`cannot listen on ${listen.host}:${port} again${back === null ? ", nor with the previous certificate" : ""}`);
        }
        listener = opened;
      }
      retired.push(current);
      current = next;
      tls = pair;
      return pair;
    },
    shutdown(options = {}) {
      stopping ??= drain(() => listener.close(), closing, options.linger === true, inflight, gateway, log).finally(async () => {
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
  };
}

function openTracingFor(gateway: Gateway, options: StartOptions): Tracing | null {
  if (gateway.telemetry === undefined) return null;
  if (options.openTracing === undefined) throw new Error("routes.yaml configures telemetry but this bundle was built without tracing");
  return options.openTracing(gateway.telemetry, gateway);
}

async function drain(
  closeListener: () => void,
  closing: Closing,
  linger: boolean,
  inflight: Set<Promise<void>>,
  gateway: Gateway,
  log: RequestLog,
): Promise<void> {
  // Closed in the check phase, after this turn's poll phase: connections already queued on the listener are
  // accepted by uWS's poll callback first rather than reset with it (the kernel resets what is still queued).
  await new Promise((resolve) => setImmediate(resolve));
  closeListener();
  // Only now: a client told to close reconnects, and must not land on the listener being closed.
  closing.begin();
  const started = Date.now();
  const deadline = started + gateway.server.shutdownTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, gateway.server.shutdownTimeoutMs);
  });
  await Promise.race([Promise.allSettled([...inflight]), bound]);
  // Requests that arrived on open connections meanwhile are in `inflight` too: wait for quiet, then for them.
  while (linger && Date.now() < deadline) {
    const quietFor = Date.now() - closing.lastRequestAt;
    if (quietFor >= LINGER_QUIET_MS && inflight.size === 0) break;
    await Promise.race([inflight.size > 0 ? Promise.allSettled([...inflight]) : new Promise((r) => setTimeout(r, Math.max(LINGER_QUIET_MS - quietFor, 10))), bound]);
  }
  clearTimeout(timer);
  // The log flushes within what is left of the shutdown bound, but gets at least a second after the requests.
  await log.close(Math.max(started + gateway.server.shutdownTimeoutMs, Date.now() + 1000));
  await Promise.allSettled(gateway.upstreams.map((u) => (u.kind === "http" ? u.dispatcher.close() : undefined)));
}
