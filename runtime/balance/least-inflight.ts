// Least in-flight: the target with the fewest attempts under way relative to its weight goes first (a
// target of weight 2 takes twice the concurrency before it looks as busy). Ties, the usual case at low
// load, are broken by a rotating start so idle targets share the traffic instead of the first taking all.
import type { Slot, Strategy } from "./balancer.ts";

export function leastInflight(): Strategy {
  let turn = 0;
  return (group) => {
    const n = group.length;
    const start = turn++ % n;
    const rank = new Map<Slot, number>(group.map((slot, i) => [slot, (i - start + n) % n]));
    group.sort((a, b) => a.inflight / a.weight - b.inflight / b.weight || rank.get(a)! - rank.get(b)!);
  };
}
