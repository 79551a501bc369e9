// The balancer of a route with `balance:`, as one constructor call with constants: the sizes of its groups
// of equal priority (targets are already sorted by priority, generator/resolve.ts), one weight per target,
// and the strategy as a function from runtime/balance/, wrapped in `sticky(…)` for `sticky: client_key`.
// The request path then calls `balancer.order(client)` once and walks the result; nothing interprets
// the route's configuration per request.
import type { RouteIR } from "../ir.ts";
import { code, name, ts, type Code } from "../code.ts";
import type { EmitContext } from "./context.ts";

const STRATEGY: Record<NonNullable<RouteIR["balance"]>["strategy"], { fn: string; module: string }> = {
  weighted: { fn: "weighted", module: "balance/weighted.ts" },
  least_inflight: { fn: "leastInflight", module: "balance/least-inflight.ts" },
  latency: { fn: "latency", module: "balance/latency.ts" },
};

export function emitBalancer(route: RouteIR, ctx: EmitContext): { imports: Code; construct: Code } | null {
  if (route.balance === null) return null;
  const runtime = ctx.runtime;
  const strategy = STRATEGY[route.balance.strategy];
  const groups: number[] = [];
  route.targets.forEach((t, i) => {
    if (i === 0 || t.priority !== route.targets[i - 1]!.priority) groups.push(0);
    groups[groups.length - 1]!++;
  });
  const list = (numbers: number[]) => code(`[${numbers.join(", ")}]`);
  const layout = ts`{ groups: ${list(groups)}, weights: ${list(route.targets.map((t) => t.weight))} }`;
  const balanced = ts`createBalancer(targets, ${layout}, ${name(strategy.fn)}())`;
  const imports = [
    ts`import { createBalancer } from ${runtime("balance/balancer.ts")};`,
    ts`import { ${name(strategy.fn)} } from ${runtime(strategy.module)};`,
    ...(route.balance.sticky ? [ts`import { sticky } from ${runtime("balance/sticky.ts")};`] : []),
  ];
  return { imports: ts`${imports}`, construct: route.balance.sticky ? ts`sticky(${balanced})` : balanced };
}
