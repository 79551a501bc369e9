// What every attempt against an HTTP target does the same way, whether its body is relayed as is
// (attempts/http.ts) or translated (attempts/translated.ts): total_ms on the deadline wheel, an upstream
// request that ends with the client, one outcome settled exactly once, and upstream statuses and transport
// errors said as an AttemptOutcome. The attempts differ only in how bytes travel; these rules must not.
import type { ClientApi, HttpUpstream } from "../contract.ts";
import type { ClientResponse } from "../client/response.ts";
import type { ResponseSummary } from "../streams/stream-tap.ts";
import type { AttemptOutcome } from "./http.ts";
import { describeTransportError, responseTooLarge, TOTAL_TIMEOUT, totalTimeoutError } from "./failure-kind.ts";
import { streamErrorEvent } from "../resilience/stream-error.ts";
import { deadlines } from "../timers/deadline-wheel.ts";

/** A failed answer's reason quotes at most this much of its body. */
export const ERROR_TEXT_CAP = 300;

/** The upstream request ends when the client goes away (or has already gone). */
export function abortWithClient(client: ClientResponse, controller: { abort(reason: Error): void }): void {
  if (client.aborted) controller.abort(new Error("client went away"));
  else client.onAbort(() => controller.abort(new Error("client went away")));
}

/** An attempt's total_ms bound: one wheel deadline per attempt, none at all when the provider sets no total_ms. */
export interface Deadline {
  /** From onRequestStart: false when time ran out while the request waited (it is aborted on the spot). */
  bind(controller: { abort(reason: Error): void }): boolean;
  disarm(): void;
}

const NO_DEADLINE: Deadline = { bind: () => true, disarm: () => {} };

/**
 * Arms the attempt's total_ms. When it runs out, the upstream request is aborted (its error handler
 * settles the attempt); if the request has not started yet (queued for a connection, or waiting for
 * credentials), `expired` settles the attempt now and the request is aborted once it starts.
 */
export function armDeadline(upstream: HttpUpstream, expired: (reason: string) => void): Deadline {
  const ms = upstream.totalTimeoutMs;
  if (ms <= 0) return NO_DEADLINE;
  let controller: { abort(reason: Error): void } | null = null;
  let error: Error | null = null;
  // On the process's deadline wheel: total_ms fires within one tick (25 ms) after it runs out.
  const timer = deadlines.schedule(ms, () => {
    error = totalTimeoutError(ms);
    if (controller !== null) controller.abort(error);
    else expired(describeTransportError(error).reason);
  });
  return {
    bind(c) {
      if (error !== null) {
        c.abort(error);
        return false;
      }
      controller = c;
      return true;
    },
    disarm: () => timer.cancel(),
  };
}

/**
 * Ends an event stream whose upstream broke after bytes went out (a reset, a timeout, data that could not be
 * read) with an error event the client's SDK raises as an API error, then closes it cleanly: a bare cut
 * looks to some clients like a finished answer. 504 for timeouts, 502 for the rest, as before the stream.
 */
export function endWithStreamError(client: ClientResponse, api: ClientApi, reason: string, timeout: boolean): void {
  client.write(streamErrorEvent(api, timeout ? 504 : 502, `upstream ${reason} after the response started`));
  client.end();
}

/**
 * total_ms cutting a response that was flowing (no idle gap reached idle_ms) means the client asked for a
 * longer answer than the provider's bound allows, not that the upstream is unwell: no breaker counts it.
 */
export function isLongAnswer(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === TOTAL_TIMEOUT;
}

/** Where an attempt stood when its upstream request failed: what onResponseError needs to say so. */
export interface BrokenAt {
  /** The status the upstream answered with; 0 while none came. */
  readonly status: number;
  /** Whether bytes went to the client already: then no other target can answer instead. */
  readonly clientStarted: boolean;
  /** Whether what went out is an event stream, which can end with an error event in the client's format. */
  readonly eventStream: boolean;
  readonly ttfbMs: number;
  /** What the stream tap made of the bytes so far (only read once bytes went out). */
  summary(): ResponseSummary | null;
}

/**
 * One attempt's outcome, settled once: the first call wins (a deadline, a response_limit abort and the
 * abort's own error can all reach it), and settling disarms the deadline and forgets the client's abort.
 * A class, so an attempt allocates one object for these rules rather than a closure each.
 */
export class AttemptSettle {
  readonly started = performance.now();
  private settled = false;
  private readonly deadline: Deadline;

  constructor(
    private readonly upstream: HttpUpstream,
    private readonly client: ClientResponse,
    private readonly api: ClientApi,
    private readonly resolve: (outcome: AttemptOutcome) => void,
  ) {
    this.deadline = armDeadline(upstream, (reason) => this.fail(null, reason, true));
  }

  settle(outcome: AttemptOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.deadline.disarm();
    this.client.onAbort(null);
    this.resolve(outcome);
  }

  /** A failure before anything reached the client: the next target may answer. */
  fail(status: number | null, reason: string, timeout: boolean): void {
    this.settle({ kind: "failed", status, latencyMs: performance.now() - this.started, reason, timeout });
  }

  /** The dispatch handler's onRequestStart: bind total_ms, and end the request with the client. */
  requestStarted(controller: { abort(reason: Error): void }): void {
    if (!this.deadline.bind(controller)) return;
    abortWithClient(this.client, controller);
  }

  /** A fallback status (401, 403, 408, 429, 5xx): the reason quotes the start of its body. */
  fallbackStatus(status: number, chunks: readonly Buffer[], retryAfterMs: number | null): void {
    const text = Buffer.concat(chunks).toString("utf8").slice(0, ERROR_TEXT_CAP);
    this.settle({ kind: "failed", status, latencyMs: performance.now() - this.started, reason: `HTTP ${status}${text ? `: ${text}` : ""}`, timeout: false, retryAfterMs });
  }

  /**
   * A body held whole outgrew the provider's response_limit: the attempt fails at once (the abort's error
   * then finds it settled), and the client caused it, so no breaker counts it.
   */
  tooLarge(status: number, controller: { abort(reason: Error): void }): void {
    const limit = this.upstream.responseLimitBytes;
    this.settle({ kind: "failed", status, latencyMs: performance.now() - this.started, reason: responseTooLarge(limit), timeout: false, clientCaused: true });
    controller.abort(new Error("response_limit"));
  }

  /** The client went away; true when it did (the attempt is then settled). */
  clientGone(): boolean {
    if (!this.client.aborted) return false;
    this.settle({ kind: "client-gone", latencyMs: performance.now() - this.started });
    return true;
  }

  /** The dispatch handler's onResponseError, once the attempt says where it stood. */
  transportError(error: unknown, at: BrokenAt): void {
    // Already settled (a response_limit or unreadable-stream abort, a deadline): its own error says nothing new.
    if (this.settled) return;
    const latencyMs = performance.now() - this.started;
    if (this.client.aborted) return this.settle({ kind: "client-gone", latencyMs });
    const { reason, timeout } = describeTransportError(error);
    if (!at.clientStarted) {
      // Nothing reached the client yet: another target may still answer.
      return this.settle({ kind: "failed", status: at.status || null, latencyMs, reason: at.status ? `body: ${reason}` : reason, timeout });
    }
    this.broke(reason, timeout, at, isLongAnswer(error));
  }

  /**
   * A translated event stream the upstream made unreadable mid-way (an event that is not JSON; see
   * StreamTranslator.unreadable). The client's answer has begun, so it ends as a transport error after the
   * first byte does: an error event in the client's format (502), the reason in the request log, a failure
   * the breaker counts. The upstream request is aborted (when still running): the rest of its stream is unwanted.
   */
  unreadableStream(reason: string, at: BrokenAt, controller: { abort(reason: Error): void } | null): void {
    if (this.settled) return;
    if (this.client.aborted) this.settle({ kind: "client-gone", latencyMs: performance.now() - this.started });
    else this.broke(reason, false, at, false);
    controller?.abort(new Error(`upstream ${reason}`));
  }

  /**
   * Bytes already went out: no fallback is possible. An event stream ends with an error event in the
   * client's format; any other body has no way to say so, so the connection is cut rather than ended
   * cleanly, letting the client see a truncated response instead of a silently short one.
   */
  private broke(reason: string, timeout: boolean, at: BrokenAt, clientCaused: boolean): void {
    const latencyMs = performance.now() - this.started;
    if (at.eventStream) endWithStreamError(this.client, this.api, reason, timeout);
    else this.client.close();
    this.settle({
      kind: "relayed",
      status: at.status,
      latencyMs,
      ttfbMs: at.ttfbMs < 0 ? latencyMs : at.ttfbMs,
      summary: at.summary(),
      responseBody: undefined,
      error: `upstream stream broke: ${reason}`,
      clientCaused,
    });
  }
}
