// Which failed attempts are worth a second try on the same target, and how long to wait first.
// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): the wait
// is uniform in [0, min(max, base·2^(n-1))], which spreads a burst of clients retrying the same outage.
// An upstream's own Retry-After wins over the computed wait, up to the route's patience; beyond it the
// caller falls back to the next target at once instead of holding the client.

/** A route's retry settings, emitted as a constant in its generated module. */
export interface RetryPolicy {
  /** Tries per target, the first one included (1 = no retries). */
  readonly maxAttempts: number;
  readonly baseMs: number;
  /** Cap of a computed backoff. */
  readonly maxMs: number;
  /** The longest wait an upstream may ask for (Retry-After) before the next target is tried instead. */
  readonly patienceMs: number;
  /** Retries allowed as a fraction of requests (retry budget), e.g. 0.2. */
  readonly budget: number;
}

/** A 429 that names no wait gets this (capped by the policy's max_ms). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 1000;

/** What a failed attempt says about itself, as far as retrying goes. */
export interface FailureFacts {
  readonly status: number | null;
  readonly timeout: boolean;
  /** From Retry-After & co.; null when the upstream named no wait. */
  readonly retryAfterMs: number | null;
}

/**
 * Worth retrying on the same target: rate limits, server errors, request timeouts, and transport failures
 * (connect errors, resets, timeouts: no status). 401/403 are not: a bad key stays bad, so the next target.
 */
export function isRetryable(failure: FailureFacts): boolean {
  const { status } = failure;
  return status === null || failure.timeout || status === 408 || status === 429 || status >= 500;
}

/** Full-jitter exponential backoff for retry number `retry` (1 for the first retry). */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(retry - 1, 30));
  return Math.floor(random() * ceiling);
}

export type RetryDecision = { readonly waitMs: number } | { readonly stop: string };

/**
 * The wait before retry number `retry`, or why not to retry. The budget is asked last, so a retry that
 * would not happen anyway does not spend it.
 */
export function decideRetry(
  failure: FailureFacts,
  retry: number,
  policy: RetryPolicy,
  spend: () => boolean,
  random: () => number = Math.random,
): RetryDecision {
  if (!isRetryable(failure)) return { stop: "not retryable" };
  if (retry >= policy.maxAttempts) return { stop: `max attempts (${policy.maxAttempts})` };
  let waitMs: number;
  if (failure.retryAfterMs !== null) {
    if (failure.retryAfterMs > policy.patienceMs) return { stop: `retry-after ${failure.retryAfterMs} ms exceeds patience ${policy.patienceMs} ms` };
    waitMs = failure.retryAfterMs;
  } else if (failure.status === 429) {
    waitMs = Math.min(DEFAULT_RATE_LIMIT_WAIT_MS, policy.maxMs, policy.patienceMs);
  } else {
    waitMs = backoffMs(retry, policy.baseMs, policy.maxMs, random);
  }
  if (!spend()) return { stop: "retry budget exhausted" };
  return { waitMs };
}
