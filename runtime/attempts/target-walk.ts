// The target walk every model endpoint shares (chat for both client APIs, embeddings, completions): order
// the route's targets (its balancer's pick, or the static priority array), skip disabled providers and
// targets an open circuit breaker refuses, try each one and retry it per the route's policy (backoff,
// Retry-After, patience, budget), record every try and skip for the request log, feed the balancer and the
// breakers, and stop at the first response that went to the client.
//
// What differs per endpoint is behind WalkSteps, one object per endpoint made at start: how a target is
// prepared once for a request (chat translates the body; embeddings pick pass-through or a translator) and
// how one try is made. The walk allocates nothing per request beyond today's chat loop: the context is the
// endpoint's own per-request object, the end is the attempt's outcome itself, and steps are not closures.
import type { Route, Target } from "../contract.ts";
import type { ClientResponse } from "../client/response.ts";
import type { ClientError } from "../client/errors.ts";
import type { AttemptOutcome, AttemptRequest } from "./http.ts";
import { roundMs, type AttemptRecord } from "../log/request-log.ts";
import { latencySample } from "../balance/sample.ts";
import { pause, type Resilience } from "../resilience/resilience.ts";
import type { AttemptResult } from "../resilience/circuit-breaker.ts";
import { retryAfterHeaders } from "../resilience/retry-after.ts";
import type { RequestSpan } from "../observe/hooks.ts";
import { QUEUE_RETRY_AFTER_MS } from "../upstream/connection-queue.ts";

/** What the walk needs of an endpoint's per-request object. */
export interface WalkContext {
  readonly client: ClientResponse;
  /** Every try and skip, in order, as the request log records them; the walk appends. */
  readonly attempts: AttemptRecord[];
  /** Set by the walk to the target whose response went to the client (its price is what the request cost). */
  served: Target | null;
  /** The request's trace span; null when tracing is off. */
  readonly span: RequestSpan | null;
}

/** From `prepare`: this target cannot serve this request (logged as skipped); the walk goes on. */
export class Skip {
  constructor(readonly reason: string) {}
}

/** From `prepare`: the request itself is at fault (e.g. it cannot be translated); the walk ends here. */
export class Stop {
  readonly kind = "stopped";
  constructor(readonly error: ClientError) {}
}

export interface WalkSteps<C extends WalkContext, P> {
  /**
   * Once per target, before its first try (after the disabled-provider check): what its tries share,
   * e.g. the translated request, or why the target cannot serve this request.
   */
  prepare(ctx: C, request: AttemptRequest, json: unknown, target: Target): P | Skip | Stop;
  /** The `translated` field of the target's log records, once per target; undefined when none. */
  translated(prepared: P, target: Target): AttemptRecord["translated"];
  /** One try. Returns the attempt's own promise (no wrapper), so the walk awaits once per try. */
  attempt(ctx: C, request: AttemptRequest, json: unknown, target: Target, prepared: P): Promise<AttemptOutcome>;
  /**
   * The status when no target could be tried at all and no breaker was the reason (every target
   * disabled or unable to serve the endpoint): chat says 502, embeddings and completions 400.
   */
  readonly untriedStatus: number;
}

/**
 * The status when nothing was tried because providers are disabled by the gateway's own configuration (a
 * key variable unset or empty). Not 502 or 503: the official SDKs retry 408, 409, 429 and every 5xx (and
 * Claude Code does for minutes), but the answer cannot change until someone sets the variable and restarts.
 * Not 400, 401, 403 or 404 either: the request, the client's key and the model name are all fine, and
 * Claude Code reads 401 as "log in again" and 404 as "pick another model". 424 Failed Dependency says the
 * request depends on something that is not there, and no client retries it.
 */
export const UNCONFIGURED_STATUS = 424;

/** Every target failed or was skipped. */
export interface Exhausted {
  readonly kind: "exhausted";
  /**
   * 429 when every target's last try was rate limited, 504 when every one timed out, 503 when nothing
   * was tried because breakers were open or connection queues full (or their wait ran out), UNCONFIGURED_STATUS when nothing was tried and some target's
   * provider is disabled, `untriedStatus` when nothing could be tried for other reasons, 502 otherwise.
   */
  readonly status: number;
  /** With the 503: milliseconds until the first open breaker lets a probe through, at most QUEUE_RETRY_AFTER_MS when a queue was full; null otherwise. */
  readonly retryAfterMs: number | null;
}

export type WalkEnd = Extract<AttemptOutcome, { kind: "relayed" | "client-gone" }> | Stop | Exhausted;

const NO_RETRY = Object.freeze({ stop: "not an HTTP target" });
const GONE: Extract<AttemptOutcome, { kind: "client-gone" }> = Object.freeze({ kind: "client-gone", latencyMs: 0 });

/** The walk for one endpoint; call it once per request with the endpoint's own context object. */
export function createTargetWalk<C extends WalkContext, P>(resilience: Resilience, steps: WalkSteps<C, P>) {
  return async function walkTargets(route: Route, request: AttemptRequest, json: unknown, ctx: C): Promise<WalkEnd> {
    const attempts = ctx.attempts;
    let allRateLimited = true;
    let allTimeouts = true;
    /** Whether any try went out; until one does, breaker skips may make this a 503. */
    let tried = false;
    let breakerSkips = 0;
    /** Targets passed over because their provider's connection queue was full or its wait ran out. */
    let queueSkips = 0;
    /** Targets skipped because their provider is disabled by configuration (an empty key). */
    let disabledSkips = 0;
    let reopensAt = Infinity;
    /** A target passed over without a try: logged, and it says nothing about why the others failed. */
    const skip = (provider: string, model: string, skipped: string) => {
      attempts.push({ provider, model, status: null, latency_ms: 0, skipped });
      allRateLimited = allTimeouts = false;
      ctx.span?.skipped(provider, model, skipped);
    };
    resilience.begin(route);
    const balancer = route.balancer;
    for (const target of balancer === undefined ? route.targets : balancer.order(request.client)) {
      const upstream = target.upstream;
      const model = target.model ?? request.model;
      if (upstream.kind === "http" && !upstream.enabled) {
        skip(upstream.name, model, upstream.disabledReason ?? "provider disabled");
        disabledSkips++;
        continue;
      }
      if (upstream.kind === "http" && request.rawBytes.byteLength > upstream.bodyLimitBytes) {
        skip(upstream.name, model, `request body of ${request.rawBytes.byteLength} bytes exceeds the provider's body_limit (${upstream.bodyLimitBytes})`);
        continue;
      }
      const prepared = steps.prepare(ctx, request, json, target);
      if (prepared instanceof Stop) return prepared;
      if (prepared instanceof Skip) {
        skip(upstream.name, model, prepared.reason);
        continue;
      }
      const translated = steps.translated(prepared as P, target);
      // Tries on this target: retried while nothing reached the client, the failure is retryable, the route's
      // policy and budget allow it and the breaker stays closed; then the next target.
      let backoffMs = 0;
      let last: { status: number | null; timeout: boolean } | null = null;
      for (let retry = 0; ; retry++) {
        const admission = resilience.admit(route, target, model);
        if (!admission.ok) {
          if (retry === 0) {
            skip(upstream.name, model, admission.reason);
            if (!tried) {
              breakerSkips++;
              const at = resilience.retryAt(route, target, model);
              if (at !== null && at < reopensAt) reopensAt = at;
            }
          } else attempts[attempts.length - 1]!.no_retry = admission.reason;
          break;
        }
        // One of the provider's connections, or a bounded wait for one (upstream/connection-queue.ts). A
        // provider with a free connection costs a compare and an increment here; the slot is held for the try
        // only, never across a backoff.
        const queue = upstream.kind === "http" ? upstream.queue : null;
        if (queue !== null && !queue.tryAcquire()) {
          const waited = await queue.wait(ctx.client);
          if (waited !== "ready") {
            // Not a try: the breaker's probe slot (if this was the probe) goes back, and nothing is counted.
            resilience.record(route, target, model, "cancelled", admission.probe);
            if (waited === "gone") return GONE;
            const reason = queue.reason(waited);
            if (retry === 0) {
              skip(upstream.name, model, reason);
              if (!tried) queueSkips++;
            } else attempts[attempts.length - 1]!.no_retry = reason;
            break;
          }
        }
        tried = true;
        let outcome: AttemptOutcome;
        balancer?.begin(target);
        const span = ctx.span === null ? null : ctx.span.attempt(target, model, retry, json);
        // The upstream continues this try's span; headers are the request's own copy, made per request.
        if (span !== null) (request.headers as Record<string, string>).traceparent = span.traceparent;
        try {
          outcome = await steps.attempt(ctx, request, json, target, prepared as P);
        } catch (error) {
          queue?.release();
          resilience.record(route, target, model, "cancelled", admission.probe);
          balancer?.end(target, null, false);
          span?.end(null, error instanceof Error ? error.message : String(error));
          throw error;
        }
        // The attempt settles once its upstream response has ended or failed: its connection is free again.
        queue?.release();
        span?.end(outcome.kind === "failed" || outcome.kind === "relayed" ? outcome.status : null, outcome.kind === "failed" ? outcome.reason : outcome.kind === "client-gone" ? "client closed the connection" : outcome.error);
        balancer?.end(target, latencySample(outcome, request.stream), outcome.kind === "failed");
        resilience.record(route, target, model, breakerResult(outcome, target, request), admission.probe);
        const attempt: AttemptRecord = {
          provider: upstream.name,
          model,
          status: outcome.kind === "failed" ? outcome.status : outcome.kind === "relayed" ? outcome.status : null,
          latency_ms: roundMs(outcome.latencyMs),
        };
        if (retry > 0) {
          attempt.retry = retry;
          attempt.backoff_ms = backoffMs;
        }
        if (translated) attempt.translated = translated;
        if (outcome.kind === "failed") attempt.error = outcome.reason;
        attempts.push(attempt);
        if (outcome.kind !== "failed") {
          ctx.served = target;
          return outcome;
        }
        // Only HTTP targets are retried: a scenario or a local command fails the same way twice.
        const decision =
          upstream.kind === "http"
            ? resilience.decide(route, { status: outcome.status, timeout: outcome.timeout, retryAfterMs: outcome.retryAfterMs ?? null }, retry + 1)
            : NO_RETRY;
        last = outcome;
        if ("stop" in decision) {
          if (route.retry.maxAttempts > 1 && decision !== NO_RETRY) attempt.no_retry = decision.stop;
          break;
        }
        backoffMs = decision.waitMs;
        if (!(await pause(backoffMs, ctx.client))) return GONE;
      }
      // The target's last try decides what the client is told if every target fails.
      if (last !== null) {
        if (last.status !== 429) allRateLimited = false;
        if (!last.timeout) allTimeouts = false;
      }
    }
    return exhausted(attempts.length > 0, tried, allRateLimited, allTimeouts, breakerSkips, queueSkips, disabledSkips, reopensAt, steps.untriedStatus);
  };
}

/**
 * What an attempt tells its breaker. A failure the client caused says nothing about the upstream's health,
 * and counting it would let one client open a breaker every other client shares: it counts as neither
 * (like a cancelled try, it frees a half-open probe slot). Relayed 4xx answers are successes: the upstream
 * answered, and a client naming a model that does not exist gets its 404 without harming anyone. On a
 * bring-your-own-key route a 401, 403 or 429 is about the client's own key.
 */
function breakerResult(outcome: AttemptOutcome, target: Target, request: AttemptRequest): AttemptResult {
  if (outcome.kind === "client-gone") return "cancelled";
  if (outcome.kind === "failed") {
    if (outcome.clientCaused === true) return "cancelled";
    // The client's own key, refused or rate limited: one client with a bad key must not open the breaker for all.
    const status = outcome.status;
    if (target.forwardsClientKey === true && request.client.key !== null && (status === 401 || status === 403 || status === 429)) return "cancelled";
    return "failure";
  }
  if (outcome.error === undefined) return "success";
  return outcome.clientCaused === true ? "cancelled" : "failure";
}

function exhausted(any: boolean, tried: boolean, allRateLimited: boolean, allTimeouts: boolean, breakerSkips: number, queueSkips: number, disabledSkips: number, reopensAt: number, untriedStatus: number): Exhausted {
  if (!tried && (breakerSkips > 0 || queueSkips > 0)) {
    // A probe in flight (half-open) names no future time: ask for the shortest wait. A busy provider frees
    // connections all the time, so its wait is short; with breakers open too, the sooner of the two.
    let waitMs = reopensAt === Infinity ? (queueSkips > 0 ? QUEUE_RETRY_AFTER_MS : 0) : reopensAt - Date.now();
    if (queueSkips > 0 && waitMs > QUEUE_RETRY_AFTER_MS) waitMs = QUEUE_RETRY_AFTER_MS;
    return { kind: "exhausted", status: 503, retryAfterMs: Math.max(0, waitMs) };
  }
  // Nothing went out and a disabled provider is part of why: only a configuration change can help.
  if (!tried && disabledSkips > 0) return { kind: "exhausted", status: UNCONFIGURED_STATUS, retryAfterMs: null };
  if (!tried) return { kind: "exhausted", status: any ? untriedStatus : 502, retryAfterMs: null };
  return { kind: "exhausted", status: allRateLimited ? 429 : allTimeouts ? 504 : 502, retryAfterMs: null };
}

/** "provider:model → status or reason; …" for the message of an all-failed error. */
export function describeAttempts(attempts: readonly AttemptRecord[]): string {
  return attempts.map((a) => `${a.provider}:${a.model} → ${a.skipped ?? a.error ?? a.status}`).join("; ");
}

/**
 * The client's error for an exhausted walk: `failed` (what went wrong, e.g. "every target of route x
 * failed"), then every try and skip with its reason. A configuration gap says so instead.
 */
export function exhaustedError(routeId: string, end: Exhausted, attempts: readonly AttemptRecord[], failed: string): ClientError {
  if (end.status === UNCONFIGURED_STATUS) {
    // The skip reasons name the variables to set (HttpUpstream.disabledReason).
    return { status: end.status, code: "provider_not_configured", message: `route ${routeId} has no usable target in this gateway's configuration: ${describeAttempts(attempts)}` };
  }
  return { status: end.status, code: "all_targets_failed", message: `${failed}: ${describeAttempts(attempts)}` };
}

/** The headers of an exhausted walk: Retry-After when it names one; x-should-retry: false for a configuration gap. */
export function exhaustedHeaders(end: Exhausted): Record<string, string> | undefined {
  // Both SDKs obey x-should-retry before looking at the status; it says the same as the 424 to any that read it.
  if (end.status === UNCONFIGURED_STATUS) return NO_RETRY_HEADERS;
  return end.retryAfterMs === null ? undefined : retryAfterHeaders(end.retryAfterMs);
}

const NO_RETRY_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "x-should-retry": "false" });

