// The request log's record: what every endpoint fills in when a request ends (baseRecord), request and trace
// ids, and the helpers endpoints share. The record goes to the one recorder (runtime/server.ts), which hands
// it to observers, the trace and the writer (writer.ts), which sends it to the configured sink.

import { randomBytes } from "node:crypto";
import type { Usage } from "../usage/usage.ts";
import { summarizeStream, type ResponseSummary, type StreamBytes } from "../streams/stream-tap.ts";
import type { ClientIdentity } from "../access/client-identity.ts";
import type { ClientError } from "../client/errors.ts";

export interface AttemptRecord {
  provider: string;
  model: string;
  status: number | null;
  latency_ms: number;
  error?: string;
  skipped?: string;
  /** The retry number of this try on its target (absent on the first try) and the wait before it. */
  retry?: number;
  backoff_ms?: number;
  /** Why a failed try was not retried on the same target (the route retries; this one was not). */
  no_retry?: string;
  /** Set when the target speaks another API: what it was translated to, and the request fields it could not take. */
  translated?: { to: string; dropped: readonly string[] };
}

export interface RequestLogRecord {
  id: string;
  time: string;
  /** W3C trace id: the client's (from traceparent) or one made here. */
  trace_id: string;
  /** The Switchyard key's id (key_…) or, for a key Switchyard does not know, a hash prefix; null: no key. Never the key. */
  key_id: string | null;
  /** The Switchyard key's name, when the request authenticated with one. */
  key_name?: string;
  /** The socket's peer address, or X-Forwarded-For's client when the peer is a trusted proxy. */
  client_ip: string;
  route: string | null;
  api: "openai" | "anthropic" | "responses";
  path: string;
  model: string | null;
  stream: boolean;
  attempts: AttemptRecord[];
  status: number;
  latency_ms: number;
  upstream_latency_ms: number | null;
  ttfb_ms: number | null;
  usage: Usage | null;
  /** Present when `usage` is a local estimate (command and scenario providers), not the provider's count. */
  usage_estimated?: true;
  /** USD, at the serving target's price (runtime/spend/); absent when unknown (no price, no usage). */
  cost_usd?: number;
  /** Present when `cost_usd` is the budget reservation, because the upstream reported no usage. */
  cost_estimated?: true;
  /** count_tokens answered here rather than by the provider: the estimate given to the client. */
  estimate?: { input_tokens: number };
  /** Raw JSON text as received; logged as a JSON value, not re-serialised. */
  request_body?: string;
  /** Raw JSON text of a non-stream response; logged as a JSON value, not re-serialised. */
  response_body?: string;
  /** Assembled from a stream. */
  response?: StreamResponse;
  /**
   * A stream's bytes, never written as they are: the writer (in the request log's thread) assembles them into
   * `response`, so the event loop pays only for copying them once. Set instead of `response` for streams.
   */
  response_stream?: PendingStreamResponse;
  error?: string;
  /** The error's stable code when the gateway refused the request itself (rate_limit_exceeded, budget_exceeded, …). */
  error_code?: string;
  /** Pass-through requests (runtime/passthrough/): the method, and the body bytes each way (bodies are never logged). */
  method?: string;
  request_bytes?: number;
  response_bytes?: number;
  /** With `--workers N`: the slot (1..N) of the worker process that served the request (runtime/cluster/). */
  worker?: number;
}

/** A streamed response as the log records it. */
export interface StreamResponse {
  text: string;
  reasoning?: string;
  tool_calls?: ReadonlyArray<{ id: string; name: string; arguments: string }>;
  finish_reason: string | null;
}

/** A stream's kept bytes (StreamBytes: a buffer of their own, transferable) and the finish reason the tap's scan found. */
export interface PendingStreamResponse extends StreamBytes {
  readonly finishReason: string | null;
}

/** The logged form of a summary: text and finish reason, and reasoning and tool calls when there are any. */
export function streamResponse(summary: Pick<ResponseSummary, "text" | "reasoning" | "toolCalls" | "finishReason">): StreamResponse {
  return {
    text: summary.text,
    finish_reason: summary.finishReason,
    ...(summary.reasoning ? { reasoning: summary.reasoning } : {}),
    ...(summary.toolCalls.length ? { tool_calls: summary.toolCalls } : {}),
  };
}

/**
 * A pending stream's logged form, assembled from its bytes (summarizeStream: every event parsed). Runs where
 * the record is serialised: in the request log's thread, off the event loop. The finish reason is the scan's,
 * as the trace and metrics saw it.
 */
export function assembleStreamResponse(pending: PendingStreamResponse): StreamResponse {
  const summary = summarizeStream(pending.api, pending.bytes);
  return streamResponse({ text: summary.text, reasoning: summary.reasoning, toolCalls: summary.toolCalls, finishReason: pending.finishReason });
}

/** What the caller already knows about the raw bodies, so the log need not parse them again. */
export interface BodyHints {
  readonly requestBodyIsJson?: boolean;
  readonly responseBodyIsJson?: boolean;
}

let idPool = Buffer.alloc(0);
let idOffset = 0;

/** `bytes` random bytes as hex. Drawn 4 KiB at a time: one syscall for hundreds of ids instead of one each. */
function randomHex(bytes: number): string {
  if (idOffset + bytes > idPool.length) {
    idPool = randomBytes(4096);
    idOffset = 0;
  }
  const hex = idPool.toString("hex", idOffset, idOffset + bytes);
  idOffset += bytes;
  return hex;
}

/** `req_` + 24 hex digits. */
export function newRequestId(): string {
  return "req_" + randomHex(12);
}

const TRACE_PARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const ZERO_TRACE = "0".repeat(32);

/** The trace id of an incoming W3C `traceparent` header when it is valid, else a new one (32 hex digits). */
export function traceIdOf(traceparent: string | undefined): string {
  if (traceparent !== undefined) {
    const match = TRACE_PARENT.exec(traceparent);
    if (match !== null && match[1] !== ZERO_TRACE) return match[1]!;
  }
  return randomHex(16);
}

/** Status logged when the client went away before the response finished (nginx's convention). */
export const CLIENT_CLOSED = 499;

/** Milliseconds to the microsecond, as every latency in the log is written. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** What every POST endpoint knows about a request by the time it logs it. */
export interface LoggedRequest {
  readonly api: "openai" | "anthropic" | "responses";
  readonly path: string;
  readonly requestId: string;
  /** performance.now() when the request arrived. */
  readonly receivedAt: number;
  /** Date.now() when the request arrived. */
  readonly time: number;
  readonly attempts: AttemptRecord[];
  readonly route: { readonly id: string } | null;
  readonly model: string | null;
  readonly stream: boolean;
  /** The request body as received, when it was read. */
  readonly raw: string | undefined;
  readonly traceId: string;
  readonly identity: ClientIdentity;
}

/** The fields every log line has; the endpoint adds usage, bodies and errors. */
export function baseRecord(request: LoggedRequest, status: number): RequestLogRecord {
  const identity = request.identity;
  const record: RequestLogRecord = {
    id: request.requestId,
    time: new Date(request.time).toISOString(),
    trace_id: request.traceId,
    key_id: identity.keyId,
    // undefined for anonymous requests: JSON.stringify leaves it out.
    key_name: identity.account?.name,
    client_ip: identity.ip,
    route: request.route?.id ?? null,
    api: request.api,
    path: request.path,
    model: request.model,
    stream: request.stream,
    attempts: request.attempts,
    status,
    latency_ms: roundMs(performance.now() - request.receivedAt),
    upstream_latency_ms: null,
    ttfb_ms: null,
    usage: null,
  };
  if (request.raw !== undefined) record.request_body = request.raw;
  return record;
}

/**
 * A refused or failed request's error on its record: the message and a stable code, the client's own or the
 * log's (ClientError.logCode), so an operator can count who was turned away and why.
 */
export function recordError(record: RequestLogRecord, error: ClientError): void {
  record.error = error.message;
  const code = error.code ?? error.logCode;
  if (code !== undefined) record.error_code = code;
}
