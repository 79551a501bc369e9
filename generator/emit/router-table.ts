// Emits generated/<env>/router.ts. Model → route selection, per client API, in two steps decided at
// build time:
//   1. exact names: one static Map lookup (a hash probe, whatever the number of routes);
//   2. globs: all of them folded into one anchored RegExp, in declaration order, each alternative ending in
//      an empty group `()`; runtime/glob-match.ts reads which group matched (Hono's RegExpRouter).
// Exact names win over globs; among globs the first declared wins (validate.ts rejects shadowed globs).
import type { ClientApi, ConfigIR, RouteIR } from "../ir.ts";
import { code, join, literal, name, ts, type Code } from "../code.ts";
import { globToRegExpSource } from "../glob.ts";
import { type EmitContext, header } from "./context.ts";
import { routeFactoryName, routeFile } from "./route-module.ts";

const APIS: readonly ClientApi[] = ["openai", "anthropic"];

function routeVar(route: RouteIR, api: ClientApi): Code {
  return name(routeFactoryName(route, api).replace(/^route/, "r"));
}

function emitApiMatcher(api: ClientApi, routes: readonly RouteIR[]): { decls: Code; method: Code } {
  const served = routes.filter((r) => r.apis.includes(api));
  const exact = served.filter((r) => !r.glob);
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
  if (globs.length === 0) {
    return { decls: join(decls, "\n"), method: ts`${name(api)}: (model) => ${exactName}.get(model),` };
  }
  const source = `^(?:${globs.map((r) => `${globToRegExpSource(r.model)}()`).join("|")})$`;
  const globName = name(`${api}Globs`);
  const globRoutes = name(`${api}GlobRoutes`);
  decls.push(ts`const ${globName} = new RegExp(${source});`);
  decls.push(ts`const ${globRoutes}: readonly Route[] = [${join(globs.map((r) => routeVar(r, api)), ", ")}];`);
  return {
    decls: join(decls, "\n"),
    method: ts`${name(api)}: (model) => ${exactName}.get(model) ?? matchGlob(${globName}, ${globRoutes}, model),`,
  };
}

export function emitRouterTable(ir: ConfigIR, ctx: EmitContext): string {
  const imports = ir.routes.map(
    (r) => ts`import { ${code(r.apis.map((api) => routeFactoryName(r, api)).join(", "))} } from ${`./${routeFile(r)}`};`,
  );
  const built = ir.routes.flatMap((r) => r.apis.map((api) => ts`const ${routeVar(r, api)} = ${name(routeFactoryName(r, api))}(upstreams);`));
  const matchers = APIS.map((api) => emitApiMatcher(api, ir.routes));
  const usesGlobs = ir.routes.some((r) => r.glob);
  const listed = (api: ClientApi) => literal(ir.routes.filter((r) => r.apis.includes(api) && !r.glob).map((r) => r.model));
  return ts`${header(ir)}
import type { Route, Router } from ${ctx.runtime("contract.ts")};
${usesGlobs ? ts`import { matchGlob } from ${ctx.runtime("glob-match.ts")};` : code("")}
import type { Upstreams } from "./providers.ts";
${imports}

export function createRouter(upstreams: Upstreams): Router {
  ${built}
  ${matchers.map((m) => m.decls)}
  return {
    ${matchers.map((m) => m.method)}
    models: { openai: ${listed("openai")}, anthropic: ${listed("anthropic")} },
    routes: [${join(ir.routes.flatMap((r) => r.apis.map((api) => routeVar(r, api))), ", ")}],
  };
}
`.text;
}
