// Latency-aware: the target with the lowest moving average of attempt latency (time to first byte for
// streams; runtime/balance/balancer.ts keeps the average) goes first. Targets never sampled go first so
// each gets measured. A greedy choice alone would never learn that a slow target has recovered, since it
// would never be tried again; so a small share of requests (`explore`) go to another target of the group,
// whose fresh samples pull its average back down.
import type { Slot, Strategy } from "./balancer.ts";

export interface LatencyOptions {
  /** Share of requests sent to a random non-best target. */
  explore?: number;
  /** Injected by tests for determinism. */
  random?: () => number;
}

export const DEFAULT_EXPLORE = 0.1;

export function latency(options: LatencyOptions = {}): Strategy {
  const explore = options.explore ?? DEFAULT_EXPLORE;
  const random = options.random ?? Math.random;
  return (group) => {
    group.sort(byLatency);
    if (group.length > 1 && random() < explore) {
      const at = 1 + Math.floor(random() * (group.length - 1));
      const [explored] = group.splice(at, 1);
      group.unshift(explored!);
    }
  };
}

function byLatency(a: Slot, b: Slot): number {
  if (a.samples === 0 || b.samples === 0) return (a.samples === 0 ? 0 : 1) - (b.samples === 0 ? 0 : 1) || a.index - b.index;
  return a.ewmaMs - b.ewmaMs || a.index - b.index;
}
