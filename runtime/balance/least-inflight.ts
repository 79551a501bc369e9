// Least in-flight: the target with the fewest attempts under way relative to its weight goes first (a
// target of weight 2 takes twice the concurrency before it looks as busy). Ties, the usual case at low
// load, are broken by a rotating start so idle targets share the traffic instead of the first taking all.
import type { Slot, Strategy } from "./balancer.ts";

export function leastInflight(): Strategy {
  let turn = 0;
  return (group) => {
    const n = group.length;
    // A group is a contiguous run of the route's targets, so a slot's place in it is index - first index.
    const first = group[0]!.index;
    const start = turn++ % n;
    const rank = (slot: Slot) => (slot.index - first - start + n) % n;
    group.sort((a, b) => a.inflight / a.weight - b.inflight / b.weight || rank(a) - rank(b));
  };
}
