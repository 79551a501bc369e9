// Stickiness by client key: a client that presents a key is served by the same target of each group as long
// as the group is unchanged, through weighted rendezvous hashing (highest random weight): every target
// scores `-weight / ln(u)` with u a hash of (key id, target) in (0,1), and the group is tried in descending
// score. Keys spread over the targets in proportion to their weights, and removing a target only moves the
// keys that were on it. Clients without a key are ordered by the wrapped strategy.
// @see https://en.wikipedia.org/wiki/Rendezvous_hashing#Weighted_rendezvous_hash
import type { Target } from "../contract.ts";
import type { BalancedRoute } from "./balancer.ts";
import { fnv1a, mix32 } from "./hash.ts";

export function sticky(inner: BalancedRoute): BalancedRoute {
  return {
    slots: inner.slots,
    groups: inner.groups,
    begin: inner.begin,
    end: inner.end,
    snapshot: inner.snapshot,
    order(client) {
      if (client.keyId === null) return inner.order(client);
      const key = fnv1a(client.keyId);
      const out: Target[] = [];
      for (const group of inner.groups) {
        if (group.length === 1) {
          out.push(group[0]!.target);
          continue;
        }
        const scored = group.map((slot) => ({ slot, score: -slot.weight / Math.log((mix32(key ^ slot.seed) + 0.5) / 4294967296) }));
        scored.sort((a, b) => b.score - a.score || a.slot.index - b.slot.index);
        for (const { slot } of scored) out.push(slot.target);
      }
      return out;
    },
  };
}
