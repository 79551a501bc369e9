// Emits generated/<env>/router.ts. Model → route selection, per client API, in two steps decided at
// build time:
//   1. exact names: one static Map lookup (a hash probe, whatever the number of routes);
//   2. globs: all of them folded into one anchored RegExp, in declaration order, each alternative ending in
//      an empty group `()`; runtime/routing/glob-match.ts reads which group matched (Hono's RegExpRouter).
// Exact names win over globs; among globs the first declared wins (validate.ts rejects shadowed globs).
// A name with conditional routes (`when:`) is not in the static Map but in a second one, whose value is a
// selector: the routes' predicates in declaration order as one `?:` chain ending in the unconditional route
// (or undefined, which falls through to the globs). Names without conditions keep the single Map probe.
// Globs with `when:` keep the folded RegExp; each conditional glob adds the fold of the globs after it, where
// the search resumes when its condition fails, so the first glob that matches and holds wins. An API without
// conditional globs is emitted exactly as before.
import type { ClientApi, ConfigIR, EndpointApi, RouteIR } from "../ir.ts";
import { code, join, literal, name, ts, type Code } from "../code.ts";
import { globToRegExpSource } from "../glob.ts";
import { type EmitContext, header } from "./context.ts";
import { endpointApis, routeFactoryName, routeFile, routeReadsEnv } from "./route-module.ts";
import { whenName } from "./route-conditions.ts";

/** Responses clients are routed like OpenAI chat clients: by the same models, to the route's Responses objects. */
const APIS: readonly EndpointApi[] = ["openai", "anthropic", "responses"];

function serves(route: RouteIR, api: EndpointApi): boolean {
  return route.apis.includes(api === "responses" ? "openai" : (api as ClientApi));
}

function routeVar(route: RouteIR, api: EndpointApi): Code {
  return name(routeFactoryName(route, api).replace(/^route/, "r"));
}

/** `(request, body) => request === undefined ? d : whenA(request, body) ? a : … : d`, d the unconditional route or undefined. */
function selector(api: EndpointApi, routes: readonly RouteIR[]): Code {
  const fallback = routes.find((r) => r.when === null);
  const otherwise = fallback === undefined ? code("undefined") : routeVar(fallback, api);
  const chain = routes
    .filter((r) => r.when !== null)
    .map((r) => ts`${name(whenName(r))}(request, body) ? ${routeVar(r, api)} : `);
  return ts`(request, body) => request === undefined ? ${otherwise} : ${join(chain, "")}${otherwise}`;
}

function emitApiMatcher(api: EndpointApi, routes: readonly RouteIR[]): { decls: Code; method: Code } {
  const served = routes.filter((r) => serves(r, api));
  const conditionalNames = new Set(served.filter((r) => r.when !== null && !r.glob).map((r) => r.model));
  const exact = served.filter((r) => !r.glob && !conditionalNames.has(r.model));
  const globs = served.filter((r) => r.glob);
  const exactName = name(`${api}Exact`);
  const entries = exact.map((r) => ts`[${r.model}, ${routeVar(r, api)}],`);
  const decls: Code[] = [
    entries.length
      ? ts`const ${exactName} = new Map<string, Route>([
  ${entries}
]);`
      : ts`const ${exactName} = new Map<string, Route>();`,
  ];
  let lookup = ts`${exactName}.get(model)`;
  if (conditionalNames.size > 0) {
    const whenMap = name(`${api}Conditional`);
    const selectors = [...conditionalNames].map((model) => ts`[${model}, ${selector(api, served.filter((r) => r.model === model))}],`);
    decls.push(ts`const ${whenMap} = new Map<string, SelectRoute>([
  ${selectors}
]);`);
    lookup = ts`${lookup} ?? ${whenMap}.get(model)?.(request, body)`;
  }
  const params = code(conditionalNames.size > 0 ? "(model, request, body)" : "(model)");
  if (globs.length === 0) {
    return { decls: join(decls, "\n"), method: ts`${name(api)}: ${params} => ${lookup},` };
  }
  const fold = (from: number) => `^(?:${globs.slice(from).map((r) => `${globToRegExpSource(r.model)}()`).join("|")})$`;
  const globName = name(`${api}Globs`);
  const globRoutes = name(`${api}GlobRoutes`);
  decls.push(ts`const ${globRoutes}: readonly Route[] = [${join(globs.map((r) => routeVar(r, api)), ", ")}];`);
  if (!globs.some((r) => r.when !== null)) {
    decls.splice(decls.length - 1, 0, ts`const ${globName} = new RegExp(${fold(0)});`);
    return {
      decls: join(decls, "\n"),
      method: ts`${name(api)}: ${params} => ${lookup} ?? matchGlob(${globName}, ${globRoutes}, model),`,
    };
  }
  // Conditional globs: the fold of every glob, plus one of the globs after each conditional one, where the
  // search resumes when its condition fails (runtime/routing/glob-match.ts matchGlobWhen).
  const patterns = globs.map((_, i) => (i === 0 || globs[i - 1]!.when !== null ? ts`new RegExp(${fold(i)})` : code("null")));
  const conditions = name(`${api}GlobConditions`);
  decls.splice(decls.length - 1, 0, ts`const ${globName}: readonly (RegExp | null)[] = [
  ${join(patterns, ",\n")},
];`);
  decls.push(ts`const ${conditions}: readonly GlobCondition[] = [${join(globs.map((r) => (r.when === null ? code("null") : name(whenName(r)))), ", ")}];`);
  return {
    decls: join(decls, "\n"),
    method: ts`${name(api)}: (model, request, body) => ${lookup} ?? matchGlobWhen(${globName}, ${globRoutes}, ${conditions}, model, request, body),`,
  };
}

/** matchGlob, matchGlobWhen and its GlobCondition type, as the APIs' globs need them. */
function globImport(ir: ConfigIR, ctx: EmitContext): Code {
  const globsOf = (api: EndpointApi) => ir.routes.filter((r) => r.glob && serves(r, api));
  const conditional = APIS.map((api) => globsOf(api).some((r) => r.when !== null));
  const plain = APIS.map((api, i) => globsOf(api).length > 0 && !conditional[i]);
  const names = [
    ...(plain.some(Boolean) ? ["matchGlob"] : []),
    ...(conditional.some(Boolean) ? ["matchGlobWhen", "type GlobCondition"] : []),
  ];
  return ts`import { ${code(names.join(", "))} } from ${ctx.runtime("routing/glob-match.ts")};`;
}

/** createRouter takes the gateway's environment when some route's transforms read `${VAR}`. */
export function routerReadsEnv(ir: ConfigIR): boolean {
  return ir.routes.some((r) => routeReadsEnv(ir, r));
}

export function emitRouterTable(ir: ConfigIR, ctx: EmitContext): string {
  const imports = ir.routes.map(
    (r) =>
      ts`import { ${code([...endpointApis(r).map((api) => routeFactoryName(r, api)), ...(r.when ? [whenName(r)] : [])].join(", "))} } from ${`./${routeFile(r)}`};`,
  );
  const conditional = ir.routes.some((r) => r.when !== null);
  // Bodies are read up to the largest limit any route allows; each route then holds its own (runtime/endpoints/chat.ts).
  const largest = Math.max(ir.server.bodyLimitBytes, ...ir.routes.map((r) => r.bodyLimitBytes ?? 0));
  // Routes whose transforms resolve `${VAR}` get the gateway's environment, the one provider keys came from.
  const readsEnv = new Set(ir.routes.filter((r) => routeReadsEnv(ir, r)));
  const built = ir.routes.flatMap((r) =>
    endpointApis(r).map((api) => ts`const ${routeVar(r, api)} = ${name(routeFactoryName(r, api))}(${code(readsEnv.has(r) ? "upstreams, processEnv" : "upstreams")});`),
  );
  const matchers = APIS.map((api) => emitApiMatcher(api, ir.routes));
  const usesGlobs = ir.routes.some((r) => r.glob);
  // Exact names, then the examples glob routes declare (list_models.examples), each name once.
  const listed = (api: ClientApi) =>
    literal([...new Set(ir.routes.filter((r) => r.apis.includes(api)).flatMap((r) => (r.glob ? (r.listModels?.examples ?? []) : [r.model])))]);
  // Routes whose targets' own model lists are read at run time (runtime/endpoints/upstream-models.ts).
  const upstreamListed = ir.routes.filter((r) => r.glob && r.listModels?.upstream).map((r) => r.id);
  return ts`${header(ir)}
import type { Route, Router } from ${ctx.runtime("contract.ts")};
${[
  ...(usesGlobs ? [globImport(ir, ctx)] : []),
  ...(conditional ? [ts`import type { SelectRoute } from ${ctx.runtime("routing/route-conditions.ts")};`] : []),
]}
import type { Upstreams } from "./providers.ts";
${imports}

export function createRouter(${code(readsEnv.size > 0 ? "upstreams: Upstreams, processEnv: NodeJS.ProcessEnv" : "upstreams: Upstreams")}): Router {
  ${built}
  ${matchers.map((m) => m.decls)}
  return {
    ${matchers.map((m) => m.method)}
    models: { openai: ${listed("openai")}, anthropic: ${listed("anthropic")} },${upstreamListed.length > 0 ? ts`
upstreamListed: ${literal(upstreamListed)},` : code("")}${largest > ir.server.bodyLimitBytes ? ts`
maxBodyLimitBytes: ${literal(largest)},` : code("")}
    routes: [${join(ir.routes.flatMap((r) => endpointApis(r).map((api) => routeVar(r, api))), ", ")}],
  };
}
`.text;
}
