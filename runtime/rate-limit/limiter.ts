// Rate limits on the request path: a route's compiled limits (generated constants, see contract.ts
// RateLimits) become up to four bucket charges — requests and tokens, per client key and per client IP —
// and a Switchyard key's own rpm/tpm (its policy in the store) up to two more, across every route; all
// are checked together in one atomic step, against leases of the shared Redis buckets when Redis answers
// (runtime/rate-limit/leases.ts: most checks need no round trip) and in this process otherwise. The token
// charge is the prompt estimate; `settle` later books the difference to the usage the upstream reported.
import type { RateLimitRule, RateLimits } from "../contract.ts";
import type { ClientIdentity } from "../access/client-identity.ts";
import type { ClientError } from "../client/errors.ts";
import type { BucketCharge, ChargeResult } from "./bucket.ts";
import { LocalBucketStore } from "./local-store.ts";
import { RedisBucketStore } from "./redis-store.ts";
import { LeasedBuckets } from "./leases.ts";
import { retryAfterHeaders } from "../resilience/retry-after.ts";
import type { SharedRedis } from "../redis/connection.ts";

type Kind = "requests" | "tokens";

export interface Charge extends BucketCharge {
  readonly kind: Kind;
  /** "per_key" or "per_ip", as routes.yaml names it, for the 429 message. */
  readonly subject: string;
}

/** What `settle` needs: the token buckets charged and what they were charged. */
export interface RateLimitTicket {
  readonly tokenCharges: readonly Charge[];
  readonly estimate: number;
}

export type RateLimitVerdict =
  | { readonly allowed: true; readonly headers: Record<string, string>; readonly ticket: RateLimitTicket | null }
  | { readonly allowed: false; readonly headers: Record<string, string>; readonly error: ClientError };

/** Default share of a shared bucket's capacity one instance may lease (routes.yaml `redis.rate_limit_lease`). */
export const DEFAULT_LEASE = 0.1;

export class RateLimiter {
  readonly shared: LeasedBuckets | null;

  constructor(
    redis: SharedRedis | null,
    private readonly local: LocalBucketStore = new LocalBucketStore(),
    lease: number = DEFAULT_LEASE,
  ) {
    this.shared = redis === null ? null : new LeasedBuckets(new RedisBucketStore(redis, lease), lease);
  }

  /**
   * Checks and takes: 1 request and `estimate` tokens from every bucket that applies to this client.
   * `estimate` may be a function: it walks the whole prompt, so it runs only when a token bucket applies.
   * In-process, or covered by leases, the verdict is returned directly (no promise, no extra turn);
   * when Redis must be asked it is a promise.
   */
  check(limits: RateLimits | null, client: ClientIdentity, estimateTokens: number | (() => number)): RateLimitVerdict | Promise<RateLimitVerdict> {
    let tokens = typeof estimateTokens === "number" ? estimateTokens : -1;
    const estimateOnce = () => (tokens >= 0 ? tokens : (tokens = (estimateTokens as () => number)()));
    const charges: Charge[] = [];
    if (limits !== null) {
      if (client.keyId !== null && limits.perKey !== null) addCharges(charges, limits.perKey, `rl:${limits.scope}:k:${client.keyId}:`, "per_key", estimateOnce);
      if (limits.perIp !== null) addCharges(charges, limits.perIp, `rl:${limits.scope}:i:${client.ip}:`, "per_ip", estimateOnce);
    }
    const account = client.account;
    if (account !== null && account.rateLimit !== null) addCharges(charges, account.rateLimit, `rl:key:${account.id}:`, `API key ${account.id}`, estimateOnce);
    if (charges.length === 0) return { allowed: true, headers: {}, ticket: null };
    const estimate = Math.max(tokens, 0);
    if (this.shared?.available()) {
      const result = this.shared.charge(charges);
      if (!(result instanceof Promise)) return verdict(charges, result, estimate);
      return result.then(
        (result) => verdict(charges, result, estimate),
        // Noted once per outage by SharedRedis; this request is served from local state.
        () => verdict(charges, this.local.charge(charges, false), estimate),
      );
    }
    return verdict(charges, this.local.charge(charges, false), estimate);
  }

  /** Books the tokens a response actually used against the estimate charged (refund or extra). */
  settle(ticket: RateLimitTicket, usedTokens: number): void {
    const delta = usedTokens - ticket.estimate;
    if (delta === 0) return;
    const charges = ticket.tokenCharges.map((c) => ({ ...c, cost: delta }));
    if (this.shared?.available()) {
      this.shared.settle(charges);
    } else {
      this.local.charge(charges, true);
    }
  }

  /** Hands leased units back to Redis (shutdown). */
  close(): Promise<void> {
    return this.shared?.close() ?? Promise.resolve();
  }
}

function verdict(charges: readonly Charge[], result: ChargeResult, estimate: number): RateLimitVerdict {
  const headers = rateLimitHeaders(charges, result);
  if (!result.allowed) {
    const wait = retryAfterHeaders(result.waitMs);
    Object.assign(headers, wait);
    const seconds = wait["retry-after"];
    const short = charges
      .filter((c, i) => result.reports[i]!.remaining < Math.min(c.cost, c.capacity))
      .map((c) => `${c.subject} ${c.kind} per minute (limit ${c.capacity})`);
    const message = `rate limit exceeded: ${short.join(", ") || "limit reached"}; retry after ${seconds}s`;
    return { allowed: false, headers, error: { status: 429, code: "rate_limit_exceeded", message } };
  }
  const tokenCharges = charges.filter((c) => c.kind === "tokens");
  return { allowed: true, headers, ticket: tokenCharges.length ? { tokenCharges, estimate } : null };
}

function addCharges(charges: Charge[], rule: RateLimitRule, prefix: string, subject: string, estimate: () => number): void {
  if (rule.requestsPerMinute !== null) charges.push({ key: prefix + "r", capacity: rule.requestsPerMinute, cost: 1, kind: "requests", subject });
  if (rule.tokensPerMinute !== null) charges.push({ key: prefix + "t", capacity: rule.tokensPerMinute, cost: estimate(), kind: "tokens", subject });
}

/**
 * OpenAI's x-ratelimit-{limit,remaining,reset}-{requests,tokens} headers (both SDKs' users know them), for
 * the most constraining bucket of each kind: the one with the fewest units left.
 * @see https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
 */
const KINDS: readonly Kind[] = ["requests", "tokens"];
/** Header names per kind, spelled out once: building them per request was a third of the check's cost. */
const HEADER_NAMES: Record<Kind, readonly [limit: string, remaining: string, reset: string]> = {
  requests: ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"],
  tokens: ["x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"],
};

export function rateLimitHeaders(charges: readonly Charge[], result: ChargeResult): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const kind of KINDS) {
    let best = -1;
    for (let i = 0; i < charges.length; i++) {
      if (charges[i]!.kind === kind && (best < 0 || result.reports[i]!.remaining < result.reports[best]!.remaining)) best = i;
    }
    if (best < 0) continue;
    const report = result.reports[best]!;
    const [limit, remaining, reset] = HEADER_NAMES[kind];
    headers[limit] = String(charges[best]!.capacity);
    headers[remaining] = String(report.remaining);
    headers[reset] = formatDuration(report.resetMs);
  }
  return headers;
}

/** "250ms", "1.5s", "59.999s": OpenAI's reset format (a Go duration). */
export function formatDuration(ms: number): string {
  // ms is an integer, so ms / 1000 prints with at most 3 decimals.
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

export function createRateLimiter(redis: SharedRedis | null, lease: number = DEFAULT_LEASE): RateLimiter {
  return new RateLimiter(redis, new LocalBucketStore(), lease);
}
