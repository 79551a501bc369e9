// Smooth weighted round robin, nginx's algorithm (ngx_http_upstream_get_peer): every pick adds each
// target's weight to its counter, takes the largest counter and subtracts the group's total from it. Over
// any run of sum(weights) picks each target is chosen exactly `weight` times, and picks of a heavy target
// are interleaved with the others instead of coming in a burst.
// @see https://github.com/nginx/nginx/commit/52327e0627f49dbda1e8db695e63a4b0af4448b1
import type { Slot, Strategy } from "./balancer.ts";

export function weighted(): Strategy {
  return (group) => {
    let total = 0;
    let best: Slot | null = null;
    for (const slot of group) {
      slot.current += slot.weight;
      total += slot.weight;
      if (best === null || slot.current > best.current) best = slot;
    }
    best!.current -= total;
    // The pick first; the rest of the group keeps declaration order as its fallbacks.
    const at = group.indexOf(best!);
    if (at > 0) {
      group.splice(at, 1);
      group.unshift(best!);
    }
  };
}
