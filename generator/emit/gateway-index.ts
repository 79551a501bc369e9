// Emits generated/<env>/index.ts (the environment's Gateway: server and log settings as literals, the
// router and validators) and main.ts (the bundle entry). index.ts has no side effects, so tests can import it.
import type { ConfigIR, CorsIR, EnvStringIR, SourcePos, TelemetryIR } from "../ir.ts";
import { code, join, literal, ts, type Code } from "../code.ts";
import { type EmitContext, header, posText } from "./context.ts";
import { routerReadsEnv } from "./router-table.ts";
import { needsLogRedaction } from "./log-redaction.ts";
import { needsPassthroughModule, passthroughReadsEnv } from "./passthrough.ts";

/** `, cors: {…}` only when configured: without it the server adds no CORS headers and answers no preflight. */
function cors(settings: CorsIR | undefined): Code {
  if (settings === undefined) return code("");
  const fields = [ts`origins: ${literal(settings.origins)}`];
  if (settings.headers !== null) fields.push(ts`headers: ${literal(settings.headers)}`);
  if (settings.maxAgeS !== null) fields.push(ts`maxAgeS: ${literal(settings.maxAgeS)}`);
  return ts`, cors: { ${join(fields, ", ")} }`;
}

/** `, trustProxy: […]` only when configured: without it the peer address is the client's. */
function trustProxy(list: readonly string[]): Code {
  return list.length === 0 ? code("") : ts`, trustProxy: ${literal(list)}`;
}

/**
 * `, tls: {…}` when routes.yaml has `server.tls`: the two file paths (never the PEM contents), each a literal or
 * a `${VAR}` resolved at start; runtime/tls/ reads the files, lets SWITCHYARD_TLS_CERT/KEY override them, and
 * treats two empty paths as plain HTTP.
 */
function serverTls(ir: ConfigIR): { resolve: Code; field: Code; readsEnv: boolean } {
  const tls = ir.server.tls;
  if (tls === null) return { resolve: code(""), field: code(""), readsEnv: false };
  const readsEnv = [tls.cert, tls.key].some((value) => value.parts.some((part) => "env" in part));
  const where = `server.tls (${posText(tls.certPos)})`;
  const value = (name: string, file: EnvStringIR, pos: SourcePos): Code =>
    readsEnv ? ts`env.resolve(${literal(file.parts)}, ${`server.tls.${name} (${posText(pos)})`})` : ts`${literal(file.parts.map((part) => ("text" in part ? part.text : "")).join(""))}`;
  return {
    resolve: readsEnv ? ts`
const tlsCert = ${value("cert", tls.cert, tls.certPos)};
const tlsKey = ${value("key", tls.key, tls.keyPos)};` : code(""),
    field: readsEnv ? ts`, tls: { cert: tlsCert, key: tlsKey, origin: ${where} }` : ts`, tls: { cert: ${value("cert", tls.cert, tls.certPos)}, key: ${value("key", tls.key, tls.keyPos)}, origin: ${where} }`,
    readsEnv,
  };
}

/**
 * The OTLP endpoint and headers, resolved at start like provider keys (a collector's key never sits in
 * generated code), and the `telemetry` field they make: absent when the endpoint resolves empty.
 */
function telemetry(settings: TelemetryIR | null): { resolve: Code; field: Code } {
  if (settings === null) return { resolve: code(""), field: code("") };
  const owner = `telemetry (${posText(settings.pos)})`;
  const headers = settings.headers.map((header, i) => ts`
const otlpHeader${code(String(i))} = env.resolve(${literal(header.value.parts)}, ${owner});`);
  const headerFields = settings.headers.map((header, i) => ts`${header.name}: otlpHeader${code(String(i))}`);
  return {
    resolve: ts`
const otlpEndpoint = env.resolve(${literal(settings.endpoint.parts)}, ${owner});${join(headers, "")}`,
    field: ts`
...(otlpEndpoint === "" ? {} : { telemetry: { endpoint: otlpEndpoint, headers: { ${join(headerFields, ", ")} }, serviceName: ${settings.serviceName}, sampleRatio: ${literal(settings.sampleRatio)} } }),`,
  };
}

/**
 * The request log's optional settings, each only when routes.yaml sets it (so a config without them emits
 * what it always did): the sink (a literal, or a `${VAR}` resolved at start), retention, queue size, and the
 * compiled redaction from ./log-redaction.ts.
 */
function logExtras(ir: ConfigIR, sinkReadsEnv: boolean): Code {
  const { logs } = ir;
  const fields: Code[] = [];
  if (logs.sink !== null) fields.push(sinkReadsEnv ? code("sink: logSink") : ts`sink: ${literal(logs.sink.parts.map((part) => ("text" in part ? part.text : "")).join(""))}`);
  if (logs.retentionDays !== null) fields.push(ts`retentionDays: ${literal(logs.retentionDays)}`);
  if (logs.queueSize !== null) fields.push(ts`queueSize: ${literal(logs.queueSize)}`);
  if (needsLogRedaction(ir)) fields.push(code("redact: logRedaction"));
  return fields.length === 0 ? code("") : ts`, ${join(fields, ", ")}`;
}

export function emitGatewayIndex(ir: ConfigIR, ctx: EmitContext): string {
  const { server, logs, metrics, redis, access, dashboard } = ir;
  const storeReadsEnv = access.store.parts.some((part) => "env" in part);
  const traces = telemetry(ir.telemetry);
  const sinkReadsEnv = logs.sink !== null && logs.sink.parts.some((part) => "env" in part);
  const tls = serverTls(ir);
  const readsEnv = redis !== null || storeReadsEnv || sinkReadsEnv || ir.telemetry !== null || tls.readsEnv;
  // The Redis url may name a variable (REDIS_URL): resolved at start like provider keys; empty means local.
  const redisResolve = redis ? ts`
const redisUrl = env.resolve(${literal(redis.url.parts)}, ${`redis (${posText(redis.pos)})`});` : code("");
  // SWITCHYARD_STORE wins over routes.yaml's store, so one bundle can run against another database; a
  // store that names a variable is only resolved when it does not.
  const storeValue = storeReadsEnv
    ? ts`processEnv.SWITCHYARD_STORE || env.resolve(${literal(access.store.parts)}, ${`store (${posText(access.storePos)})`})`
    : ts`processEnv.SWITCHYARD_STORE || ${literal(access.store.parts.map((part) => ("text" in part ? part.text : "")).join(""))}`;
  const sinkResolve = sinkReadsEnv ? ts`
const logSink = env.resolve(${literal(logs.sink!.parts)}, ${`logs.sink (${posText(logs.sinkPos)})`});` : code("");
  const envReader = readsEnv
    ? ts`
const env = createEnvReader(processEnv);${redisResolve}${sinkResolve}${traces.resolve}${tls.resolve}
const store = ${storeValue};
env.finish();`
    : ts`
const store = ${storeValue};`;
  return ts`${header(ir)}
import type { Gateway } from ${ctx.runtime("contract.ts")};${readsEnv ? ts`
import { createEnvReader } from ${ctx.runtime("env.ts")};` : code("")}
import { startUpstreams } from "./providers.ts";
import { createRouter } from "./router.ts";
import { validators } from "./validators.ts";${needsPassthroughModule(ir) ? ts`
import { createPassthrough } from "./passthrough.ts";` : code("")}${needsLogRedaction(ir) ? ts`
import { logRedaction } from "./log-redaction.ts";` : code("")}

export function buildGateway(processEnv: NodeJS.ProcessEnv = process.env): Gateway {
  const upstreams = startUpstreams(processEnv);${envReader}
  return {
    env: ${ir.env},
    server: { host: ${server.host}, port: ${literal(server.port)}, bodyLimitBytes: ${literal(server.bodyLimitBytes)}, shutdownTimeoutMs: ${literal(server.shutdownTimeoutMs)}${cors(server.cors)}${trustProxy(server.trustProxy)}${tls.field} },
    logs: { dir: ${logs.dir}, maxSizeBytes: ${literal(logs.maxSizeBytes)}, bodies: ${literal(logs.bodies)}${logExtras(ir, sinkReadsEnv)} },
    dashboard: { enabled: ${literal(dashboard.enabled)}, recentRequests: ${literal(dashboard.recentRequests)}, historyHours: ${literal(dashboard.historyHours)} },
    metrics: ${metrics === null ? code("null") : ts`{ globs: [${join(metrics.globs.map(([id, glob]) => ts`[${id}, ${glob}]`), ", ")}] }`},
    access: { auth: ${access.auth}, store, budgetMaxTokens: ${literal(access.budgetMaxTokens)} },
    router: createRouter(${code(routerReadsEnv(ir) ? "upstreams, processEnv" : "upstreams")}),
    validators,
    redis: ${redis ? ts`redisUrl === "" ? null : { url: redisUrl, keyPrefix: ${redis.keyPrefix}, rateLimitLease: ${literal(redis.rateLimitLease)}, commandTimeoutMs: ${literal(redis.commandTimeoutMs)} }` : code("null")},
    upstreams: Object.values(upstreams),${traces.field}${needsPassthroughModule(ir) ? ts`
passthrough: createPassthrough(${code(passthroughReadsEnv(ir) ? "upstreams, processEnv" : "upstreams")}),` : code("")}
  };
}
`.text;
}

export function emitMain(ir: ConfigIR, ctx: EmitContext): string {
  // createGateway (lib/) imports the bundle with ?switchyard-embed and calls openEmbedded; run as a program
  // (node server.mjs, switchyard serve), it starts serving. Only a bundle with `telemetry:` imports the
  // tracing module, and with it OpenTelemetry.
  if (ir.telemetry !== null) {
    return ts`${header(ir)}
import { main } from ${ctx.runtime("start.ts")};
import { embeddable, isEmbedded } from ${ctx.runtime("library/entry.ts")};
import { openTracing } from ${ctx.runtime("observe/tracing.ts")};
import { buildGateway } from "./index.ts";

export const openEmbedded = embeddable(buildGateway, { openTracing });
if (!isEmbedded(import.meta.url)) void main(() => buildGateway(), process.argv.slice(2), { openTracing });
`.text;
  }
  return ts`${header(ir)}
import { main } from ${ctx.runtime("start.ts")};
import { embeddable, isEmbedded } from ${ctx.runtime("library/entry.ts")};
import { buildGateway } from "./index.ts";

export const openEmbedded = embeddable(buildGateway);
if (!isEmbedded(import.meta.url)) void main(() => buildGateway());
`.text;
}
