// Where observation plugs into the request path, in one place. Every request ends in exactly one
// `RequestRecorder.record` call (its log line, after cost is known): metrics, sinks and the dashboard's
// recent-requests view all read that record, so the request path builds what they need once. Traces need
// more than the end: a span per request opened on arrival and one per upstream try, so the target walk
// calls `RequestSpan.attempt` around each try. With tracing off the span is null and each of those call
// sites is one null check.
import type { Target } from "../contract.ts";
import type { BodyHints, LoggedRequest, RequestLogRecord } from "../log/request-log.ts";

/** Something that reads every finished request's record: metrics, the dashboard's live view. Must not throw or block. */
export interface RecordObserver {
  observe(record: RequestLogRecord): void;
}

/** The one funnel every endpoint ends a request in (runtime/server.ts builds it). */
export type RequestRecorder = (request: LoggedRequest & { readonly span?: RequestSpan | null }, record: RequestLogRecord, hints?: BodyHints) => void;

/** What a request span knows at the start. */
export interface SpanStart {
  readonly api: "openai" | "anthropic" | "responses";
  readonly path: string;
  /** The incoming W3C traceparent header, if any: the span continues its trace. */
  readonly traceparent: string | undefined;
  /** performance.now() and Date.now() when the request arrived. */
  readonly receivedAt: number;
  readonly time: number;
}

/** Turns requests into spans; null when tracing is off. */
export interface Tracing {
  start(start: SpanStart): RequestSpan;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** One request's span. */
export interface RequestSpan {
  /** 32 hex digits: the request log's trace_id. */
  readonly traceId: string;
  /**
   * A try on `target` for upstream `model` begins (`retry` 0 for the first on that target); its traceparent
   * goes upstream. `body` is the client's parsed request (the span reads max_tokens and sampling settings).
   */
  attempt(target: Target, model: string, retry: number, body: unknown): AttemptSpan;
  /** The walk passed over a target without trying it (an open breaker, a disabled provider): a fallback's reason. */
  skipped(provider: string, model: string, reason: string): void;
  /** The request ended with `record` (status, usage, cost, attempts); exported from here on. */
  end(record: RequestLogRecord): void;
}

export interface AttemptSpan {
  /** The W3C traceparent naming this attempt's span, sent upstream. */
  readonly traceparent: string;
  /** The try ended: its status (null when none came back) and why it failed, if it did. */
  end(status: number | null, error: string | undefined): void;
}
