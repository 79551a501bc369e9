// Emits generated/<env>/routes/<route-id>.ts: for each client API the route serves, its ordered targets
// as a literal with every constant inlined (upstream, label, renamed model and its pre-encoded JSON, the
// translator and the route's translation options), so a request picks its target list by reference and
// renames the model with a byte splice, without consulting anything at run time.
//
// The route's retry and circuit-breaker settings are module constants shared by both APIs' route objects:
// the target loop reads plain properties of one frozen shape, never a config lookup.
//
// A target that answers in another API than the client speaks gets a translator, bound to a constant typed
// with both sides' wire types: tsc checks the pair here, and a type error maps back to this route's line.
//
// A route with `balance:` also gets its balancer, constructed here with its group sizes and weights as
// literals and its strategy as a function; a route with `when:` exports its conditions as one predicate
// (generator/emit/route-conditions.ts) that the router calls. Routes without either are emitted as before.
import type { ConfigIR, EndpointApi, ProviderIR, RateLimitRuleIR, RateLimitsIR, RouteIR, TargetIR, UpstreamApi } from "../ir.ts";
import { code, comment, join, literal, name, prefixed, ts, type Code } from "../code.ts";
import { type EmitContext, header, posText } from "./context.ts";
import { upstreamProperty } from "./providers.ts";
import { translatorFor, type TranslatorSpec } from "./translators.ts";
import { emitRouteTransforms } from "./transforms.ts";
import { emitBalancer } from "./balancer.ts";
import { emitWhen } from "./route-conditions.ts";
import { emitRoutePrices } from "./prices.ts";

/**
 * The APIs a route's module builds route objects for: its client APIs, and the Responses API alongside
 * OpenAI chat (the same public models, reached by Responses clients such as Codex).
 */
export function endpointApis(route: RouteIR): EndpointApi[] {
  return route.apis.includes("openai") ? [...route.apis, "responses"] : [...route.apis];
}

export function routeFactoryName(route: RouteIR, api: EndpointApi): string {
  return prefixed("route", `${route.ident}For${api[0]!.toUpperCase()}${api.slice(1)}`);
}

/** The route's factories take the gateway's environment when its transforms resolve `${VAR}` header values. */
export function routeReadsEnv(ir: ConfigIR, route: RouteIR): boolean {
  return emitRouteTransforms(ir, route).readsEnv;
}

export function routeFile(route: RouteIR): string {
  return `routes/${route.id}.ts`;
}

/** "provider:model" as the upstream sees it; "*" only where a glob forwards whatever the client asked for. */
function targetLabel(route: RouteIR, target: TargetIR): string {
  return `${target.provider}:${target.model ?? (route.glob ? "*" : route.model)}`;
}

/** `// @route <id>  routes.yaml:L:C  openai → a:x, fallback b:y`: ties type errors back to the config line. */
export function provenance(route: RouteIR): Code {
  const condition = route.when ? " when …" : "";
  return comment(`@route ${route.id}  ${posText(route.pos)}  ${route.apis.join("+")} ${route.model}${condition} → ${targetSummary(route)}`);
}

/** "a:x, fallback b:y" in order; balanced groups as "weighted[a:x×3 | b:y], fallback c:z". */
function targetSummary(route: RouteIR): string {
  const labels = route.targets.map((t) => targetLabel(route, t) + (route.balance && t.weight !== 1 ? `×${t.weight}` : ""));
  if (route.balance === null) {
    const [first, ...rest] = labels;
    return `${first}${rest.length ? `, fallback ${rest.join(", ")}` : ""}`;
  }
  const strategy = `${route.balance.strategy}${route.balance.sticky ? "+sticky" : ""}`;
  const groups: string[][] = [];
  route.targets.forEach((t, i) => {
    if (i === 0 || t.priority !== route.targets[i - 1]!.priority) groups.push([]);
    groups[groups.length - 1]!.push(labels[i]!);
  });
  const shown = groups.map((g) => (g.length > 1 ? `${strategy}[${g.join(" | ")}]` : g[0]!));
  return `${shown[0]}${shown.length > 1 ? `, fallback ${shown.slice(1).join(", ")}` : ""}`;
}

/**
 * The API a target answers `api` in; null for scenario and command targets, which answer whichever API the
 * client speaks. A Responses request to a provider that speaks the Responses API natively is passed through.
 */
function targetApi(provider: ProviderIR | undefined, api: EndpointApi): UpstreamApi | null {
  if (provider === undefined || provider.kind === "scenario" || provider.kind === "command") return null;
  return api === "responses" && provider.responses === "native" ? "responses" : provider.api;
}


export function emitRouteModule(ir: ConfigIR, route: RouteIR, ctx: EmitContext): string {
  const providers = new Map(ir.providers.map((p) => [p.name, p]));
  const specs = new Map<string, TranslatorSpec>();
  const translationOf = (api: EndpointApi, target: TargetIR): Code => {
    const upstreamApi = targetApi(providers.get(target.provider), api);
    const spec = upstreamApi === null ? undefined : translatorFor(api, upstreamApi);
    if (!spec) return code("null");
    specs.set(spec.binding, spec);
    return ts`{ translator: ${name(spec.binding)}, options }`;
  };
  const transforms = emitRouteTransforms(ir, route);
  const transformsOf = (t: TargetIR): Code => {
    const call = transforms.callFor(t.provider);
    return call === null ? code("") : ts`, transforms: ${call}`;
  };
  const balancer = emitBalancer(route, ctx);
  const when = emitWhen(route, ctx);
  const prices = emitRoutePrices(ir, route, ctx);
  const bodyLimit = route.bodyLimitBytes === null ? code("") : ts`
bodyLimitBytes: ${literal(route.bodyLimitBytes)},`;
  // One recorder per route, shared by its per-API route objects: a conversation is one file whatever API it uses.
  const record = route.record === null ? code("") : code(`
record: recorder,`);
  const recordImport = route.record === null ? code("") : ts`
import { createRecorder } from ${ctx.runtime("scenario/record/recorder.ts")};`;
  const recordDecl = route.record === null ? code("") : ts`
const recorder = createRecorder({ dir: ${route.record.dir}, route: ${route.id} });`;
  const params = code(transforms.readsEnv ? ", processEnv: NodeJS.ProcessEnv" : "");
  const factories = endpointApis(route).map((api) => {
    const targets = route.targets.map(
      (t) =>
        ts`{ upstream: upstreams.${name(upstreamProperty(providers.get(t.provider)!))}, label: ${targetLabel(route, t)}, model: ${t.model === null ? code("null") : literal(t.model)}, modelJson: ${t.model === null ? code("null") : literal(JSON.stringify(t.model))}, translation: ${translationOf(api, t)}, price: ${prices.of(t)}${transformsOf(t)}${route.forwardClientKey ? code(", forwardsClientKey: true") : code("")} },`,
    );
    if (balancer !== null) {
      // The balancer needs the target objects themselves (it keys its per-target state on them).
      return ts`export function ${name(routeFactoryName(route, api))}(upstreams: Upstreams${params}): Route {
  const targets: readonly Target[] = [
    ${targets}
  ];
  return {
    id: ${route.id},
    targets,
    balancer: ${balancer.construct},${bodyLimit}${record}
    rateLimits: ${route.rateLimits === null ? code("null") : code("rateLimits")},
    retry,
    breaker,
  };
}`;
    }
    return ts`export function ${name(routeFactoryName(route, api))}(upstreams: Upstreams${params}): Route {
  return {
    id: ${route.id},
    targets: [
      ${targets}
    ],${bodyLimit}${record}
    rateLimits: ${route.rateLimits === null ? code("null") : code("rateLimits")},
    retry,
    breaker,
  };
}`;
  });
  const translators = [...specs.values()].sort((a, b) => a.binding.localeCompare(b.binding));
  const imported = new Map(translators.flatMap((s) => s.imports).map((i) => [i.name, i]));
  const imports = [...imported.values()].sort((a, b) => a.name.localeCompare(b.name));
  const typeNames = [...new Set(translators.flatMap((s) => s.typeArgs))].sort();
  const options = route.translation;
  const translationDecls = translators.length
    ? ts`
const options: TranslationOptions = { defaultMaxTokens: ${code(String(options.maxTokens))}, unsupported: ${options.unsupported}, keepCacheControl: ${code(String(options.keepCacheControl))} };
${translators.map((s) => ts`const ${name(s.binding)}: Translator<${code(s.typeArgs.join(", "))}> = ${code(s.expression)};`)}
`
    : code("");
  const { retry, breaker } = route;
  const resilienceDecls = ts`const retry: RetryPolicy = { maxAttempts: ${literal(retry.maxAttempts)}, baseMs: ${literal(retry.baseMs)}, maxMs: ${literal(retry.maxMs)}, patienceMs: ${literal(retry.patienceMs)}, budget: ${literal(retry.budget)} };
${
  breaker === null
    ? code("const breaker = null;")
    : ts`const breaker: BreakerPolicy = { failures: ${literal(breaker.failures)}, errorRate: ${literal(breaker.errorRate)}, windowMs: ${literal(breaker.windowMs)}, minRequests: ${literal(breaker.minRequests)}, openMs: ${literal(breaker.openMs)} };`
}`;
  return ts`${header(ir)}
${provenance(route)}
import type { ${code(["Route", ...(route.rateLimits === null ? [] : ["RateLimits"]), ...(balancer ? ["Target"] : []), ...(when ? ["ConditionRequest"] : [])].join(", "))} } from ${ctx.runtime("contract.ts")};
${breaker === null ? ts`import type { RetryPolicy } from ${ctx.runtime("resilience/backoff.ts")};` : ts`import type { RetryPolicy } from ${ctx.runtime("resilience/backoff.ts")};
import type { BreakerPolicy } from ${ctx.runtime("resilience/circuit-breaker.ts")};`}
import type { Upstreams } from "../providers.ts";${recordImport}
${prices.imports}
${translators.length ? ts`import type { Translator, TranslationOptions } from ${ctx.runtime("translate/translator.ts")};` : code("")}
${translators.length ? ts`import type { ${code(typeNames.join(", "))} } from ${ctx.types()};` : code("")}
${[...imports.map((i) => ts`import { ${name(i.name)} } from ${ctx.runtime(i.module)};`), ...(balancer ? [balancer.imports] : []), ...(when?.imports ?? [])]}
${transforms.imports.map(([names, m]) => ts`import ${code(m.endsWith("types.ts") ? "type " : "")}{ ${code(names.join(", "))} } from ${ctx.runtime(m)};`)}
${translationDecls}
${when ? when.decls : code("")}
${transforms.declarations}

${route.rateLimits === null ? code("") : rateLimitsDecl(route.rateLimits)}
${resilienceDecls}${recordDecl}

${prices.decls}

${join(factories, "\n\n")}
`.text;
}

/**
 * The route's limits as one module constant shared by its per-API factories: the request path reads
 * `route.rateLimits.perKey.requestsPerMinute` and friends directly, with nothing to look up or merge.
 */
function rateLimitsDecl(limits: RateLimitsIR): Code {
  const rule = (r: RateLimitRuleIR | null): Code =>
    r === null ? code("null") : ts`{ requestsPerMinute: ${literal(r.requestsPerMinute)}, tokensPerMinute: ${literal(r.tokensPerMinute)} }`;
  return ts`
const rateLimits: RateLimits = { scope: ${limits.scope}, perKey: ${rule(limits.perKey)}, perIp: ${rule(limits.perIp)} };
`;
}
