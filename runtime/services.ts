// What the server hands every model endpoint at start: one object, made once, so an endpoint's factory
// takes its API, the gateway and this, and a new shared service is one field here rather than one more
// parameter everywhere.
import type { RequestLog } from "./request-log.ts";
import type { RateLimiter } from "./rate-limit/limiter.ts";
import type { Resilience } from "./resilience/resilience.ts";
import type { AccessGate } from "./access/gate.ts";
import type { TrustedProxies } from "./access/client-identity.ts";
import type { Accounting } from "./spend/accounting.ts";

export interface EndpointServices {
  readonly log: RequestLog;
  /** Requests being handled, so shutdown can wait for them. */
  readonly inflight: Set<Promise<void>>;
  readonly limiter: RateLimiter;
  readonly resilience: Resilience;
  readonly gate: AccessGate;
  readonly accounting: Accounting;
  /** server.trust_proxy, when it names any. */
  readonly proxies: TrustedProxies | null;
}
