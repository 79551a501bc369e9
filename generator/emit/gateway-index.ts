// Emits generated/<env>/index.ts (the environment's Gateway: server and log settings as literals, the
// router and validators) and main.ts (the bundle entry). index.ts has no side effects, so tests can import it.
import type { ConfigIR, CorsIR } from "../ir.ts";
import { code, join, literal, ts, type Code } from "../code.ts";
import { type EmitContext, header, posText } from "./context.ts";
import { routerReadsEnv } from "./router-table.ts";

/** `, cors: {…}` only when configured: without it the server adds no CORS headers and answers no preflight. */
function cors(settings: CorsIR | undefined): Code {
  if (settings === undefined) return code("");
  const fields = [ts`origins: ${literal(settings.origins)}`];
  if (settings.headers !== null) fields.push(ts`headers: ${literal(settings.headers)}`);
  if (settings.maxAgeS !== null) fields.push(ts`maxAgeS: ${literal(settings.maxAgeS)}`);
  return ts`, cors: { ${join(fields, ", ")} }`;
}

export function emitGatewayIndex(ir: ConfigIR, ctx: EmitContext): string {
  const { server, logs, redis } = ir;
  // The Redis url may name a variable (REDIS_URL): resolved at start like provider keys; empty means local.
  const redisResolve = redis
    ? ts`
const env = createEnvReader(processEnv);
const redisUrl = env.resolve(${literal(redis.url.parts)}, ${`redis (${posText(redis.pos)})`});
env.finish();`
    : code("");
  return ts`${header(ir)}
import type { Gateway } from ${ctx.runtime("contract.ts")};${redis ? ts`
import { createEnvReader } from ${ctx.runtime("env.ts")};` : code("")}
import { startUpstreams } from "./providers.ts";
import { createRouter } from "./router.ts";
import { validators } from "./validators.ts";

export function buildGateway(processEnv: NodeJS.ProcessEnv = process.env): Gateway {
  const upstreams = startUpstreams(processEnv);${redisResolve}
  return {
    env: ${ir.env},
    server: { host: ${server.host}, port: ${literal(server.port)}, bodyLimitBytes: ${literal(server.bodyLimitBytes)}, shutdownTimeoutMs: ${literal(server.shutdownTimeoutMs)}${cors(server.cors)} },
    logs: { dir: ${logs.dir}, maxSizeBytes: ${literal(logs.maxSizeBytes)}, bodies: ${literal(logs.bodies)} },
    router: createRouter(${code(routerReadsEnv(ir) ? "upstreams, processEnv" : "upstreams")}),
    validators,
    redis: ${redis ? ts`redisUrl === "" ? null : { url: redisUrl, keyPrefix: ${redis.keyPrefix} }` : code("null")},
    upstreams: Object.values(upstreams),
  };
}
`.text;
}

export function emitMain(ir: ConfigIR, ctx: EmitContext): string {
  return ts`${header(ir)}
import { main } from ${ctx.runtime("start.ts")};
import { buildGateway } from "./index.ts";

void main(() => buildGateway());
`.text;
}
