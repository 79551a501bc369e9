// Emits generated/<env>/passthrough.ts for `passthrough:` (runtime/passthrough/): one entry object per
// routes.yaml entry, with its upstream, limits and the provider's header rules inlined, and per client API
// every path glob of that API's entries folded into one anchored RegExp, compiled once when the module
// loads. Each alternative ends in an empty group `()`; the runtime reads which one matched (as the router
// does for model globs), so a request costs one exec whatever the number of globs, and validate.ts has made
// sure no two globs of one API share a path, so the first match is the only one.
//
// Only a config with `passthrough:` gets the file; without it the gateway has no `passthrough` field and
// every unknown path stays the 404 it was.
import type { ClientApi, ConfigIR, EnvStringIR, HttpProviderIR, PassthroughIR, RateLimitRuleIR, RateLimitsIR } from "../ir.ts";
import { code, comment, join, literal, name, ts, type Code } from "../code.ts";
import { type EmitContext, header, posText } from "./context.ts";
import { upstreamProperty } from "./providers.ts";
import { emitRequestHeaders, emitResponseHeaders } from "./transforms.ts";
import { pathGlobSource } from "../passthrough-paths.ts";

export const PASSTHROUGH_FILE = "passthrough.ts";

const APIS: readonly ClientApi[] = ["openai", "anthropic"];

export function needsPassthroughModule(ir: ConfigIR): boolean {
  return ir.passthrough.length > 0;
}

function rateLimits(limits: RateLimitsIR | null): Code {
  if (limits === null) return code("null");
  const rule = (r: RateLimitRuleIR | null): Code =>
    r === null ? code("null") : ts`{ requestsPerMinute: ${literal(r.requestsPerMinute)}, tokensPerMinute: ${literal(r.tokensPerMinute)} }`;
  return ts`{ scope: ${limits.scope}, perKey: ${rule(limits.perKey)}, perIp: ${rule(limits.perIp)} }`;
}

/** The entry's local in createPassthrough: `passthroughOpenai` for id passthrough-openai. */
function entryVar(entry: PassthroughIR): Code {
  return name(entry.ident);
}

/** The provider's header rules (body rules never apply to bytes passed through), and the `${VAR}` lines they need. */
function headerRules(entry: PassthroughIR, provider: HttpProviderIR, envLines: Code[]): Code {
  const rules = provider.transforms;
  const request = rules?.request.headers ?? null;
  const response = rules?.response.headers ?? null;
  if (request === null && response === null) return code("null");
  const owner = `passthrough ${entry.id} (${posText(entry.pos)})`;
  const value = (v: EnvStringIR): Code => {
    if (v.parts.every((p) => "text" in p)) return literal(v.parts.map((p) => ("text" in p ? p.text : "")).join(""));
    const variable = name(`${entry.ident}Value${envLines.length}`);
    envLines.push(ts`const ${variable} = env.resolve(${literal(v.parts)}, ${owner});`);
    return variable;
  };
  return ts`{
  request: ${request === null ? code("null") : emitRequestHeaders([request], null, value)},
  response: ${response === null ? code("null") : emitResponseHeaders([response], value)},
}`;
}

export function emitPassthroughModule(ir: ConfigIR, ctx: EmitContext): string {
  const providers = new Map(ir.providers.map((p) => [p.name, p]));
  const envLines: Code[] = [];
  const entries = ir.passthrough.map((entry) => {
    const provider = providers.get(entry.provider) as HttpProviderIR;
    return ts`${comment(`@passthrough ${entry.id}  ${posText(entry.pos)}  ${entry.api} ${entry.paths.join(", ")} → ${entry.provider}`)}
const ${entryVar(entry)}: PassthroughEntry = {
  id: ${entry.id},
  api: ${entry.api},
  upstream: upstreams.${name(upstreamProperty(provider))},
  strip: ${literal(provider.api === "openai" ? "/v1".length : 0)},
  bodyLimitBytes: ${literal(entry.bodyLimitBytes)},
  rateLimits: ${rateLimits(entry.rateLimits)},
  headers: ${headerRules(entry, provider, envLines)},
};`;
  });
  const patterns = APIS.map((api) => {
    const globs = ir.passthrough.flatMap((entry) => (entry.api === api ? entry.paths.map((glob) => ({ entry, glob })) : []));
    if (globs.length === 0) return { decl: code(""), table: ts`${name(api)}: { pattern: null, entries: [] },` };
    const constName = name(`${api}Paths`);
    const source = `^(?:${globs.map(({ glob }) => `${pathGlobSource(glob)}()`).join("|")})$`;
    return {
      decl: ts`const ${constName} = new RegExp(${source});`,
      table: ts`${name(api)}: { pattern: ${constName}, entries: [${join(globs.map(({ entry }) => entryVar(entry)), ", ")}] },`,
    };
  });
  const readsEnv = envLines.length > 0;
  return ts`${header(ir)}
import type { PassthroughEntry, PassthroughTable } from ${ctx.runtime("passthrough/table.ts")};${readsEnv ? ts`
import { createEnvReader } from ${ctx.runtime("env.ts")};` : code("")}
import type { Upstreams } from "./providers.ts";

${patterns.map((p) => p.decl)}

export function createPassthrough(upstreams: Upstreams${code(readsEnv ? ", processEnv: NodeJS.ProcessEnv" : "")}): PassthroughTable {
  ${readsEnv ? ts`const env = createEnvReader(processEnv);` : code("")}
  ${envLines}
  ${readsEnv ? ts`env.finish();` : code("")}
  ${join(entries, "\n")}
  return {
    ${patterns.map((p) => p.table)}
  };
}
`.text;
}

/** createPassthrough takes the gateway's environment when a provider's header rules resolve `${VAR}`. */
export function passthroughReadsEnv(ir: ConfigIR): boolean {
  const providers = new Map(ir.providers.map((p) => [p.name, p]));
  const reads = (v: EnvStringIR) => v.parts.some((p) => "env" in p);
  return ir.passthrough.some((entry) => {
    const rules = (providers.get(entry.provider) as HttpProviderIR).transforms;
    const sides = [rules?.request.headers, rules?.response.headers].filter((h) => h != null);
    return sides.some((h) => [...h.set, ...h.add].some((s) => reads(s.value)));
  });
}
