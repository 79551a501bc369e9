// A gateway opened inside another program (createGateway, lib/): the same startServer as `switchyard serve`,
// run on the in-process backend (http-backend/web/), so every route, key check, limit, log record and metric
// is the served gateway's own. `handle` answers a web-standard Request; `listen` opens ordinary listeners
// (uWS, or node:http where uWS has no binary) that serve the same handlers, as many as asked for.
// Nothing here is module state: each createGateway imports its own copy of the bundle (lib/index.mjs), so
// two gateways in one process share no registry, cache or timer.
import { randomBytes } from "node:crypto";
import type { Gateway } from "../contract.ts";
import { ADMIN_KEY_VARIABLE } from "../access/admin-key.ts";
import { StartupError } from "../env.ts";
import { isLoopback, startServer, type StartOptions } from "../server.ts";
import { createWebApp, webBackend } from "../http-backend/web/app.ts";
import { selectHttpBackend } from "../http-backend/select.ts";
import type { HttpListener } from "../http-backend/types.ts";
import { reservePort } from "../listener/reserve-port.ts";
import { appLog } from "../log/app-log.ts";
import type { Gateway as PublicGateway } from "./api.ts";
import { openScenario } from "./scenarios.ts";

/** The origin of requests the gateway makes to itself (metrics, the scenario control API). */
const SELF = "http://switchyard.embedded";

/** What a bundle's openEmbedded returns: the public Gateway but its build warnings, which lib/index.mjs adds. */
export type EmbeddedGateway = Omit<PublicGateway, "warnings">;

/** Bundle-side options: what generated main.ts passes (tracing, for bundles built with `telemetry:`). */
export type EmbedStartOptions = Pick<StartOptions, "openTracing">;

export async function openEmbeddedGateway(build: (env: NodeJS.ProcessEnv) => Gateway, environment: NodeJS.ProcessEnv, startOptions: EmbedStartOptions = {}): Promise<EmbeddedGateway> {
  // The program's own admin key when it has one; else one for this gateway alone, which only metrics() and
  // playScenario() ever present (the admin API stays closed to everyone else: nobody else knows it).
  const env: NodeJS.ProcessEnv = { ...environment };
  if (!env[ADMIN_KEY_VARIABLE]) env[ADMIN_KEY_VARIABLE] = `sk-sy-admin-${randomBytes(24).toString("base64url")}`;
  const adminKey = env[ADMIN_KEY_VARIABLE]!;
  const gateway = build(env);
  // What `serve` says at start about keys the environment lacks (start.ts), so an embedding program hears it too.
  for (const upstream of gateway.upstreams) {
    if (upstream.kind === "http" && !upstream.enabled) appLog.warn({ provider: upstream.name }, `provider ${upstream.name} has an empty api key; its targets are skipped`);
  }
  // auth: auto decides by the address served; in-process, that is the config's own (SWITCHYARD_HOST, as for serve).
  const host = env.SWITCHYARD_HOST || gateway.server.host;
  const web = createWebApp();
  const server = await startServer(gateway, { host, port: 0 }, { ...startOptions, backend: webBackend(web), env });
  const listeners = new Set<HttpListener>();
  let closed: Promise<void> | null = null;

  const handle = (request: Request, options?: { remoteAddress?: string }): Promise<Response> => {
    if (closed !== null) return Promise.reject(new Error("this gateway is closed: createGateway opens a new one"));
    return web.handle(request, options?.remoteAddress);
  };
  const admin = (path: string, init: RequestInit = {}): Promise<Response> =>
    handle(new Request(`${SELF}${path}`, { ...init, headers: { authorization: `Bearer ${adminKey}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) } }));

  return {
    env: gateway.env,
    authRequired: server.authRequired,
    handle,

    async listen(port, listenHost) {
      if (closed !== null) throw new Error("this gateway is closed: createGateway opens a new one");
      const where = listenHost ?? (env.SWITCHYARD_HOST || gateway.server.host);
      const asked = port ?? Number(env.SWITCHYARD_PORT || gateway.server.port);
      if (!Number.isInteger(asked) || asked < 0 || asked > 65535) throw new StartupError(`cannot listen: bad port ${JSON.stringify(port ?? env.SWITCHYARD_PORT)}`);
      // Opened for a loopback address, auth: auto let requests in without keys: not on a public one.
      if (!server.authRequired && gateway.access.auth === "auto" && !isLoopback(where)) {
        throw new StartupError(
          `cannot listen on ${where}: this gateway was opened for ${host}, where client keys are not required (auth: auto); set SWITCHYARD_HOST=${where} in createGateway's environment, or auth: { required: true } in routes.yaml`,
        );
      }
      const tls = web.serverOptions?.key_file_name !== undefined;
      const httpServer = selectHttpBackend(env).createServer(web.serverOptions);
      web.applyTo(httpServer.app);
      // Port 0 with HTTPS: a concrete port first, as server.ts does, so uWS binds it with SO_REUSEADDR.
      const bind = asked === 0 && tls ? await reservePort(where, 0) : asked;
      const listener = await httpServer.listen(where, bind, false);
      if (listener === null) throw new Error(await reservePort(where, bind).then(() => `cannot listen on ${where}:${bind}`, (error: Error) => error.message));
      listeners.add(listener);
      const hostInUrl = where.includes(":") ? `[${where}]` : where;
      return {
        port: listener.port,
        url: `${tls ? "https" : "http"}://${hostInUrl}:${listener.port}`,
        close() {
          if (listeners.delete(listener)) listener.close();
        },
      };
    },

    async metrics() {
      const response = await admin("/metrics");
      if (response.status === 404) {
        await response.body?.cancel();
        throw new Error("metrics are off in this gateway's routes.yaml (metrics: { enabled: false })");
      }
      const text = await response.text();
      if (!response.ok) throw new Error(`metrics: ${response.status} ${text}`);
      return text;
    },

    playScenario(source) {
      return openScenario(source, admin);
    },

    close() {
      closed ??= (async () => {
        for (const listener of listeners) listener.close();
        listeners.clear();
        // Drains in-flight requests (within server.shutdown_timeout_ms), flushes the request log and the
        // spend ledger, closes upstream pools and the store.
        await server.shutdown();
      })();
      return closed;
    },
  };
}
