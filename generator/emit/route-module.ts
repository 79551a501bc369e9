// Emits generated/<env>/routes/<route-id>.ts: the route's ordered targets as a literal, every constant
// inlined (upstream, label, renamed model and its pre-encoded JSON), so a request picks its target list
// by reference and renames the model with a byte splice, without consulting anything at run time.
import type { ConfigIR, RouteIR, TargetIR } from "../ir.ts";
import { code, comment, identifier, literal, name, ts, type Code } from "../code.ts";
import { type EmitContext, header, posText } from "./context.ts";
import { providerVar } from "./providers.ts";

export function routeFactoryName(route: RouteIR): string {
  return identifier("route", route.id);
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
  const [first, ...rest] = route.targets.map((t) => targetLabel(route, t));
  const fallback = rest.length ? `, fallback ${rest.join(", ")}` : "";
  return comment(`@route ${route.id}  ${posText(route.pos)}  ${route.apis.join("+")} ${route.model} → ${first}${fallback}`);
}

export function emitRouteModule(ir: ConfigIR, route: RouteIR, ctx: EmitContext): string {
  const targets = route.targets.map(
    (t) =>
      ts`{ upstream: upstreams.${name(providerVar({ name: t.provider }))}, label: ${targetLabel(route, t)}, model: ${t.model === null ? code("null") : literal(t.model)}, modelJson: ${t.model === null ? code("null") : literal(JSON.stringify(t.model))} },`,
  );
  return ts`${header(ir)}
${provenance(route)}
import type { Route } from ${ctx.runtime("contract.ts")};
import type { Upstreams } from "../providers.ts";

export function ${name(routeFactoryName(route))}(upstreams: Upstreams): Route {
  return {
    id: ${route.id},
    targets: [
      ${targets}
    ],
  };
}
`.text;
}
