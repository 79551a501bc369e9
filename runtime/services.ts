// What the server hands every model endpoint at start: one object, made once, so an endpoint's factory
// takes its API, the gateway and this, and a new shared service is one field here rather than one more
// parameter everywhere.
import type { RateLimiter } from "./rate-limit/limiter.ts";
import type { Resilience } from "./resilience/resilience.ts";
import type { AccessGate } from "./access/gate.ts";
import type { TrustedProxies } from "./access/client-identity.ts";
import type { Accounting } from "./spend/accounting.ts";
import type { RequestRecorder, Tracing } from "./observe/hooks.ts";
import type { ScenarioRegistry } from "./scenario/session/registry.ts";

export interface EndpointServices {
  /** Where every request ends: its record goes to the observers, its span and the request log. */
  readonly record: RequestRecorder;
  /** Spans for requests and upstream tries; null when tracing is off. */
  readonly tracing: Tracing | null;
  /** Requests being handled, so shutdown can wait for them. */
  readonly inflight: Set<Promise<void>>;
  readonly limiter: RateLimiter;
  readonly resilience: Resilience;
  readonly gate: AccessGate;
  readonly accounting: Accounting;
  /** server.trust_proxy, when it names any. */
  readonly proxies: TrustedProxies | null;
  /** The scenarios this process plays (bundled and loaded at run time) and their sessions. */
  readonly scenarios: ScenarioRegistry;
}
