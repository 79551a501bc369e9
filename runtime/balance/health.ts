// The balancers' state for GET /health, one entry per balanced route. A route serving both client APIs has
// one balancer per API (each generated factory builds its own); /health shows them as one, like breakers:
// in-flight counts and samples add up, and the latency is the sample-weighted mean of the two averages.
import type { Route } from "../contract.ts";
import { roundMs } from "../log/request-log.ts";

export interface BalancedRouteHealth {
  route: string;
  targets: Array<{ target: string; weight: number; inflight: number; latency_ms: number | null; samples: number }>;
}

export function balancerHealth(routes: readonly Route[]): BalancedRouteHealth[] {
  const byRoute = new Map<string, Map<string, { weight: number; inflight: number; samples: number; latencyTotal: number }>>();
  for (const route of routes) {
    if (route.balancer === undefined) continue;
    let targets = byRoute.get(route.id);
    if (targets === undefined) byRoute.set(route.id, (targets = new Map()));
    for (const s of route.balancer.snapshot()) {
      const t = targets.get(s.target) ?? { weight: s.weight, inflight: 0, samples: 0, latencyTotal: 0 };
      t.inflight += s.inflight;
      t.samples += s.samples;
      if (s.latencyMs !== null) t.latencyTotal += s.latencyMs * s.samples;
      targets.set(s.target, t);
    }
  }
  return [...byRoute].map(([route, targets]) => ({
    route,
    targets: [...targets].map(([target, t]) => ({
      target,
      weight: t.weight,
      inflight: t.inflight,
      latency_ms: t.samples === 0 ? null : roundMs(t.latencyTotal / t.samples),
      samples: t.samples,
    })),
  }));
}
