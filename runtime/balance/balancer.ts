// Load balancing among targets of equal priority. A balanced route's targets arrive sorted by priority
// (generator/resolve.ts) and cut into groups of equal priority; per request the balancer returns every
// target once, in the order the target walk (runtime/attempts/target-walk.ts) tries them: the strategy's pick of
// the first group, the rest of that group, then each lower-priority group ordered the same way (fallbacks).
//
// The generated route module constructs its balancer with its constants (group sizes, weights and the
// strategy as a function), so nothing here reads configuration. Routes without `balance:` have no balancer
// and walk their static target array, as before: no per-request allocation there.
import type { Balancer, Target } from "../contract.ts";
import type { ClientIdentity } from "../access/client-identity.ts";
import { fnv1a } from "./hash.ts";

/** Per-target state every strategy may read; the balancer keeps `inflight` and the latency average current. */
export interface Slot {
  readonly target: Target;
  /** Position in the route's (priority-sorted) target list. */
  readonly index: number;
  readonly weight: number;
  /** A hash of the target's label and index, for rendezvous hashing (runtime/balance/sticky.ts). */
  readonly seed: number;
  /** Attempts sent to this target that have not ended yet. */
  inflight: number;
  /** Exponentially weighted moving average of attempt latency in ms (ttfb for streams); 0 until sampled. */
  ewmaMs: number;
  samples: number;
  /** Smooth weighted round robin's running counter (runtime/balance/weighted.ts). */
  current: number;
}

/** Orders one group of two or more slots in place, the pick first. */
export type Strategy = (group: Slot[]) => void;

/** Weight of the newest sample in the moving average: about the last five attempts dominate. */
export const EWMA_ALPHA = 0.3;

export interface BalancerLayout {
  /** Sizes of the consecutive runs of equal priority in `targets`, highest priority first. */
  readonly groups: readonly number[];
  /** One per target. */
  readonly weights: readonly number[];
}

export interface BalancedRoute extends Balancer {
  /** The slots, in target order: tests and /health read them. */
  readonly slots: readonly Slot[];
  readonly groups: readonly (readonly Slot[])[];
}

export function createBalancer(targets: readonly Target[], layout: BalancerLayout, strategy: Strategy): BalancedRoute {
  const slots: Slot[] = targets.map((target, index) => ({
    target,
    index,
    weight: layout.weights[index] ?? 1,
    seed: fnv1a(`${index}:${target.label}`),
    inflight: 0,
    ewmaMs: 0,
    samples: 0,
    current: 0,
  }));
  const groups: Slot[][] = [];
  let at = 0;
  for (const size of layout.groups) {
    groups.push(slots.slice(at, at + size));
    at += size;
  }
  if (at !== slots.length) throw new Error(`balancer layout covers ${at} of ${slots.length} targets`);
  const slotOf = new Map(slots.map((slot) => [slot.target, slot]));

  return {
    slots,
    groups,
    order(_client: ClientIdentity): readonly Target[] {
      const out: Target[] = [];
      for (const group of groups) {
        if (group.length === 1) {
          out.push(group[0]!.target);
          continue;
        }
        const ordered = group.slice();
        strategy(ordered);
        for (const slot of ordered) out.push(slot.target);
      }
      return out;
    },
    begin(target) {
      const slot = slotOf.get(target);
      if (slot !== undefined) slot.inflight++;
    },
    end(target, ms, failed) {
      const slot = slotOf.get(target);
      if (slot === undefined) return;
      slot.inflight--;
      if (ms === null || !Number.isFinite(ms)) return;
      // A failure is never evidence of speed: it counts as at least twice the current average.
      const sample = failed ? Math.max(ms, slot.ewmaMs * 2) : ms;
      slot.ewmaMs = slot.samples === 0 ? sample : slot.ewmaMs + EWMA_ALPHA * (sample - slot.ewmaMs);
      slot.samples++;
    },
    snapshot() {
      return slots.map((s) => ({ target: s.target.label, weight: s.weight, inflight: s.inflight, latencyMs: s.samples === 0 ? null : s.ewmaMs, samples: s.samples }));
    },
  };
}
