// The bundle's entry: `node dist/<env>/server.mjs [--host H] [--port N] [--workers N|auto] [--watch]`. Generated index.ts
// calls this with the environment's compiled Gateway; start-up errors (a missing environment variable, a port
// in use) are logged as fatal and exit 1 before anything listens. What it says goes to the application log
// (runtime/log/app-log.ts): the configuration in force, warnings, and last the listening line, which is
// what scripts and tests wait for (`listening on http://HOST:PORT`, or https://). With more than one worker,
// or with `--watch`, this process supervises N forked copies of itself (runtime/cluster/), which listen on the
// port together, and SIGHUP (or, with --watch, a new bundle file) reloads them; alone, it listens exclusively
// and SIGHUP re-reads its TLS certificate (docs/operating.md).
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Gateway } from "./contract.ts";
import { StartupError } from "./env.ts";
import { isLoopback, startServer, type RunningServer, type StartOptions } from "./server.ts";
import { endpointText } from "./observe/endpoint-text.ts";
import { appLog } from "./log/app-log.ts";
import { parseSink } from "./log/sinks/open.ts";
import { usageText, VERSION } from "./bundle-help.ts";
import { superviseWorkers } from "./cluster/supervisor.ts";
import { workerLink } from "./cluster/worker-link.ts";
import { describeTls, listenerTls, readTls } from "./listener/tls.ts";
import { selectHttpBackend } from "./http-backend/select.ts";
import type { HttpBackend } from "./http-backend/types.ts";

/** More processes than this on one port is a typo, not a machine. */
const MAX_WORKERS = 1024;

/** `--workers` / SWITCHYARD_WORKERS: a count, or `auto` for the number of cores; absent: 1 (this process serves). */
export function parseWorkers(text: string | undefined): number {
  if (text === undefined || text === "") return 1;
  if (text === "auto") return availableParallelism();
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) throw new StartupError(`cannot start: --workers ${JSON.stringify(text)} is not a number of processes from 1 to ${MAX_WORKERS}, or auto`);
  return count;
}
import { isRequestLogWorker, runRequestLogWorker } from "./log/log-worker.ts";

export async function main(build: () => Gateway, argv = process.argv.slice(2), options: StartOptions = {}): Promise<void> {
  // The bundle started again as the request log's thread (log/log-worker.ts): the log, nothing else.
  if (isRequestLogWorker()) return runRequestLogWorker(build().logs);
  // Only a bundle can be started as that thread: run from source (tsx), the log writes on the event loop.
  if (options.logWorker === undefined && import.meta.url.endsWith(".mjs")) options = { ...options, logWorker: new URL(import.meta.url) };
  let gateway: Gateway;
  let host: string;
  let port: number;
  let workers: number;
  let supervised: boolean;
  let watch: boolean;
  let https: boolean;
  let backend: HttpBackend;
  try {
    const { values } = parseArgs({ args: argv, options: { host: { type: "string" }, port: { type: "string" }, workers: { type: "string" }, watch: { type: "boolean" }, help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" } } });
    // Before build(): neither needs the environment's keys.
    if (values.help || values.version) return void process.stdout.write(values.help ? usageText(process.argv[1]) : `switchyard ${VERSION}\n`);
    gateway = build();
    host = values.host ?? process.env.SWITCHYARD_HOST ?? gateway.server.host;
    port = Number(values.port ?? process.env.SWITCHYARD_PORT ?? gateway.server.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StartupError(`cannot start: bad port ${JSON.stringify(values.port ?? process.env.SWITCHYARD_PORT)}`);
    workers = parseWorkers(values.workers ?? process.env.SWITCHYARD_WORKERS);
    // --watch (what `switchyard serve` runs) means a supervisor even for one worker: it owns the port, so a
    // reload can overlap two bundles' workers on it, which one exclusive listener could not.
    watch = values.watch === true;
    supervised = workers > 1 || watch;
    // The supervisor checks the certificate too, so a bad one is one clear error rather than N workers failing.
    const tlsFiles = !cluster.isWorker && supervised ? listenerTls(gateway.server) : null;
    if (tlsFiles !== null) readTls(tlsFiles);
    https = tlsFiles !== null;
    // Chosen here, before anything listens: a forced backend that cannot load is a start-up error.
    backend = options.backend ?? selectHttpBackend(options.env ?? process.env);
  } catch (error) {
    const badArgument = String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS");
    appLog.fatal(error instanceof StartupError ? error.message : `cannot start: ${(error as Error).message}${badArgument ? "; --help lists the options" : ""}`);
    process.exit(1);
  }
  // Once: a link listens for the supervisor's messages, and a second one would answer them too.
  const link = workerLink();
  if (link === null && supervised) {
    warnPerProcessState(gateway, workers);
    await superviseWorkers({ workers, host, port, env: gateway.env, shutdownTimeoutMs: gateway.server.shutdownTimeoutMs, metrics: gateway.metrics !== null, https, watch });
    return;
  }
  // Workers other than slot 1's first start leave the configuration lines to it.
  if (link === null || !link.quiet) sayConfiguration(gateway);
  let server: RunningServer;
  try {
    server = await startServer(gateway, { host, port }, link === null ? { ...options, backend } : { ...options, backend, worker: link });
  } catch (error) {
    appLog.fatal(`cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  if (link === null || !link.quiet) sayServer(gateway, server);
  let stopping = false;
  const stop = (signal: string) => {
    // A terminal's Ctrl-C reaches the workers and their supervisor, which sends SIGTERM too: drain once.
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    appLog.info({ signal }, `${signal}: draining in-flight requests`);
    void server.shutdown().then(() => {
      appLog.info({ drain_ms: Math.round(performance.now() - started) }, "stopped");
      process.exit(0);
    });
  };
  // Before the line that says it listens: whoever waits for that line may signal at once (a supervisor
  // under load can even do so before this process runs its next statement).
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  // A worker's SIGHUP is its supervisor's to act on (it reloads every worker); one from a closing terminal
  // reaches the whole process group and must not stop the workers. Alone, SIGHUP re-reads the certificate.
  process.on("SIGHUP", () => (link === null ? void reloadCertificate(server) : appLog.debug("SIGHUP: left to the supervisor")));
  // A reload retires this worker: drain, and wait for its clients to leave their connections (server.ts).
  link?.onRetire(() => {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    appLog.info({ worker: link.slot }, `worker ${link.slot} (pid ${process.pid}) retiring: draining for the new bundle`);
    void server.shutdown({ linger: true }).then(() => {
      appLog.info({ worker: link.slot, drain_ms: Math.round(performance.now() - started) }, `worker ${link.slot} (pid ${process.pid}) retired`);
      process.exit(0);
    });
  });
  const url = server.url;
  if (link === null) appLog.info({ env: gateway.env, url }, `switchyard (${gateway.env}) listening on ${url}`);
  else {
    // Not "listening on": that line is the supervisor's, once every worker is up.
    appLog.info({ env: gateway.env, url, worker: link.slot }, `worker ${link.slot} (pid ${process.pid}) serving ${url}`);
    link.ready(server.port);
  }
}

/** SIGHUP in a single process: serve the certificate's files as they are now to new connections. */
async function reloadCertificate(server: RunningServer): Promise<void> {
  if (server.tls === null) {
    appLog.info("SIGHUP: plain HTTP in a single process, nothing to re-read (a reload needs a supervisor: switchyard serve, --watch or --workers N)");
    return;
  }
  try {
    const pair = await server.reloadTls();
    appLog.info(describeTls(pair), `SIGHUP: serving the certificate in ${pair.files.cert} (${pair.subject}, valid to ${pair.validTo.toISOString()}) to new connections`);
  } catch (error) {
    appLog.error(`SIGHUP: kept the previous certificate: ${(error as Error).message}`);
    // Without its port the process serves nobody new: exit non-zero for whatever runs it to start it again.
    if (!server.listening) {
      appLog.fatal("the listener could not be opened again; stopping");
      void server.shutdown().then(() => process.exit(1));
    }
  }
}

/** What stays per process with N workers and cannot be fixed here: limits without Redis are N times the allowance. */
function warnPerProcessState(gateway: Gateway, workers: number): void {
  if (gateway.redis !== null) return;
  const passthrough = gateway.passthrough === undefined ? [] : [...gateway.passthrough.openai.entries, ...gateway.passthrough.anthropic.entries];
  if (gateway.router.routes.some((route) => route.rateLimits !== null) || passthrough.some((entry) => entry.rateLimits !== null)) {
    appLog.warn(
      { workers },
      `routes.yaml has rate limits but no redis: each of the ${workers} workers keeps its own buckets, so clients get up to ${workers} times each limit; set redis: { url: … } to share them`,
    );
  }
}

function sayConfiguration(gateway: Gateway): void {
  for (const upstream of gateway.upstreams) {
    if (upstream.kind === "http" && !upstream.enabled) {
      appLog.warn({ provider: upstream.name }, `provider ${upstream.name} has an empty api key; its targets are skipped`);
    }
  }
}

function sayServer(gateway: Gateway, server: RunningServer): void {
  logConfiguration(gateway, server);
  appLog.info({ http_backend: server.backend.name }, `http server: ${server.backend.description}`);
  const requestLog = requestLogWhere(gateway);
  appLog.info({ request_log: requestLog }, `request log: ${requestLog}; \`switchyard logs tail\` reads it, \`switchyard usage\` sums it`);
  const keyCount = `${server.keyCount} key${server.keyCount === 1 ? "" : "s"} in ${server.store.where}`;
  if (server.authRequired) {
    appLog.info({ auth: "required", keys: server.keyCount, store: server.store.where }, `client keys required (${keyCount})`);
    if (server.keyCount === 0) appLog.warn("no client keys exist yet, so every model request gets 401: create one with `switchyard keys create --name NAME`");
  } else {
    appLog.info({ auth: "off", keys: server.keyCount, store: server.store.where }, `client keys not required${gateway.access.auth === "auto" ? " on a loopback listener" : ""} (${keyCount})`);
    if (!isLoopback(server.host)) appLog.warn(`auth.required is false and ${server.host} is not loopback-only: anyone who reaches this port can spend your provider keys`);
  }
  if (server.tls !== null) {
    const { tls } = server;
    appLog.info(describeTls(tls), `HTTPS with the certificate in ${tls.files.cert} (${tls.subject}, valid to ${tls.validTo.toISOString()}, from ${tls.files.origin}); SIGHUP re-reads it`);
    const days = (tls.validTo.getTime() - Date.now()) / 86_400_000;
    if (days < 14) appLog.warn(describeTls(tls), days < 0 ? `the certificate in ${tls.files.cert} expired on ${tls.validTo.toISOString()}: clients will refuse it` : `the certificate in ${tls.files.cert} expires in ${Math.floor(days)} days`);
  }
  if (gateway.telemetry !== undefined) {
    appLog.info({ traces: endpointText(gateway.telemetry.endpoint), sample_ratio: gateway.telemetry.sampleRatio }, `traces to ${endpointText(gateway.telemetry.endpoint)} (OTLP/HTTP, sample ratio ${gateway.telemetry.sampleRatio})`);
  }
}

/** Where request records go, as an absolute path (relative ones are the working directory's), never a password. */
function requestLogWhere(gateway: Gateway): string {
  try {
    const target = parseSink(gateway.logs.sink ?? "", gateway.logs.dir);
    if (target.kind === "jsonl") return `${resolve(target.dir)}/*.jsonl`;
    return target.kind === "sqlite" ? `sqlite:${target.file}` : target.where;
  } catch {
    return gateway.logs.dir;
  }
}

/** One line with what this bundle serves and how it is set up (never a key: providers by name only). */
function logConfiguration(gateway: Gateway, server: RunningServer): void {
  const routes = new Set(gateway.router.routes.map((route) => route.id)).size;
  const providers = gateway.upstreams.map((upstream) => upstream.name);
  const models = new Set([...gateway.router.models.openai, ...gateway.router.models.anthropic]).size;
  appLog.info(
    {
      env: gateway.env,
      routes,
      models,
      providers,
      auth: server.authRequired ? "required" : "off",
      store: server.store.where,
      request_log: gateway.logs.dir,
      request_bodies: gateway.logs.bodies,
      metrics: gateway.metrics !== null,
      redis: gateway.redis !== null,
    },
    `switchyard (${gateway.env}): ${routes} route${routes === 1 ? "" : "s"}, ${providers.length} provider${providers.length === 1 ? "" : "s"} (${providers.join(", ")}), metrics ${gateway.metrics === null ? "off" : "at /metrics"}`,
  );
}
