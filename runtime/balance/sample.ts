// What an attempt tells the balancer about its target's speed.
import type { AttemptOutcome } from "../attempts/http.ts";

/**
 * The latency sample of an attempt: time to first byte for a relayed stream (a stream's length is the
 * model's answer, not the target's speed), the whole attempt otherwise; null when the client left.
 */
export function latencySample(outcome: AttemptOutcome, stream: boolean): number | null {
  if (outcome.kind === "client-gone") return null;
  if (outcome.kind === "relayed" && stream && outcome.ttfbMs >= 0) return outcome.ttfbMs;
  return outcome.latencyMs;
}
