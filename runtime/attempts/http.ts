// One attempt against one HTTP target. If the upstream answers with something the client should see
// (success, or a 4xx that is the client's own fault), it is relayed as it arrives and the attempt is final;
// otherwise the outcome says why, and the caller moves on to the next target.
//
// Built on undici's dispatch handler API rather than `request()`: chunks arrive in callbacks and go straight
// to uWS, with no Readable stream, no AbortSignal and no promise per chunk in between. Backpressure is the
// dispatch controller's pause()/resume(), driven by uWS's write result and onWritable.
import type { Dispatcher } from "undici";
import type { ClientApi, HttpUpstream, Target } from "../contract.ts";
import type { ClientResponse } from "../client/response.ts";
import type { ClientIdentity } from "../access/client-identity.ts";
import { isFallbackStatus } from "./failure-kind.ts";
import { AttemptSettle, ERROR_TEXT_CAP } from "./settle.ts";
import { parseRetryAfter } from "../resilience/retry-after.ts";
import { spliceModel } from "../upstream/model-splice.ts";
import { upstreamRequestHeaders } from "../upstream/request-headers.ts";
import { createStreamTap, type ResponseSummary } from "../streams/stream-tap.ts";
import { createSseTransform, transformJsonText, transformRequestBody } from "../transforms/apply.ts";

/** Non-stream bodies up to this size are sent in one corked `end` (content-length known, one syscall). */
const SEND_WHOLE_BELOW = 1 << 20;
/** The request log keeps at most this much of a streamed non-SSE body; an error body is kept to this. */
const LOG_BODY_CAP = 4 << 20;

/** Response headers that describe the upstream connection, not the payload; uWS writes its own. */
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "date",
  "server",
  "proxy-connection",
  "upgrade",
  "trailer",
]);

/** Which OpenAI-format endpoint a request is for; Anthropic clients only ever use chat. */
export type Endpoint = "chat" | "embeddings" | "completions";

export interface AttemptRequest {
  readonly api: ClientApi;
  /** Absent means chat. */
  readonly endpoint?: Endpoint;
  readonly model: string;
  readonly stream: boolean;
  readonly raw: string;
  readonly rawBytes: Buffer;
  /** Client headers safe to forward (no auth, no hop-by-hop). */
  readonly headers: Readonly<Record<string, string>>;
  /** The caller's key (hashed id, raw only for bring-your-own-key routes) and address. */
  readonly client: ClientIdentity;
  readonly requestId: string;
  readonly receivedAt: number;
  /**
   * Whether the stream tap assembles the streamed text: the request log keeps bodies, or a budget wants the
   * text to estimate the cost from when the upstream reports no usage. Otherwise only usage is read.
   */
  assemble: boolean;
}

export type AttemptOutcome =
  | {
      /** The response went to the client (whatever its status). */
      kind: "relayed";
      status: number;
      latencyMs: number;
      ttfbMs: number;
      /** For streams, what the tap assembled; for whole bodies the log derives it from `responseBody`. */
      summary: ResponseSummary | null;
      responseBody: string | undefined;
      error?: string;
      /** The break was the client's doing (e.g. a long answer cut by total_ms): the breaker does not count it. */
      clientCaused?: boolean;
    }
  | {
      kind: "failed";
      status: number | null;
      latencyMs: number;
      reason: string;
      timeout: boolean;
      /** The wait the upstream asked for (Retry-After and kin), when it named one. */
      retryAfterMs?: number | null;
      /** The client's request caused it (e.g. an answer over the provider's response_limit): the breaker does not count it. */
      clientCaused?: boolean;
    }
  | { kind: "client-gone"; latencyMs: number };

function upstreamBody(request: AttemptRequest, target: Target): string | Buffer {
  // Body rules are written for chat bodies; embeddings and completions get the route's header rules only.
  const transform = request.endpoint === undefined || request.endpoint === "chat" ? target.transforms?.requestBody : null;
  if (transform) return transformRequestBody(request.raw, transform, target.model, target.modelJson);
  if (target.modelJson === null || target.model === request.model) return request.rawBytes;
  return spliceModel(request.raw, target.modelJson) ?? request.rawBytes;
}

/** The upstream's response headers as relayed: connection-level ones dropped, the request id added. */
export function responseHeaders(headers: Record<string, string | string[] | undefined>, requestId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    if (DROPPED_RESPONSE_HEADERS.has(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  out["x-switchyard-request-id"] = requestId;
  return out;
}

/** The upstream path for the request's endpoint; null when the provider's kind has no such endpoint. */
export function upstreamPath(request: AttemptRequest, target: Target, upstream: HttpUpstream): string | null {
  const model = target.model ?? request.model;
  switch (request.endpoint) {
    case "embeddings":
      return upstream.paths.embeddings?.(model) ?? null;
    case "completions":
      return upstream.paths.completions?.(model) ?? null;
    default:
      // A Responses request reaches an HTTP target untranslated only when its provider speaks the API.
      return request.api === "responses" ? (upstream.paths.responses?.() ?? null) : upstream.paths.chat(model, request.stream);
  }
}

/** How the body of an accepted response travels: whole in one write, or chunk by chunk. */
const enum Mode {
  Pending,
  Fallback,
  Whole,
  Stream,
}

export function attemptHttp(request: AttemptRequest, target: Target, upstream: HttpUpstream, client: ClientResponse): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let mode = Mode.Pending;
    let status = 0;
    let headers: Record<string, string> = {};
    let chunks: Buffer[] = [];
    let size = 0;
    let ttfbMs = -1;
    let tap: ReturnType<typeof createStreamTap> | null = null;
    const transforms = target.transforms;
    const bodyTransform = request.endpoint === undefined || request.endpoint === "chat" ? (transforms?.responseBody ?? null) : null;
    /** Rewrites a streamed response event by event when the route has response body rules. */
    let rewriter: ReturnType<typeof createSseTransform> | null = null;
    let retryAfterMs: number | null = null;
    const attempt = new AttemptSettle(upstream, client, request.api, resolve);
    const { started } = attempt;

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        attempt.requestStarted(controller);
      },

      onResponseStart(controller, statusCode, upstreamHeaders) {
        status = statusCode;
        if (isFallbackStatus(statusCode)) {
          mode = Mode.Fallback;
          retryAfterMs = parseRetryAfter(upstreamHeaders as Record<string, string | string[] | undefined>);
          return;
        }
        headers = responseHeaders(upstreamHeaders as Record<string, string | string[] | undefined>, request.requestId);
        if (transforms?.responseHeaders) headers = transforms.responseHeaders(headers);
        const contentType = String(upstreamHeaders["content-type"] ?? "");
        const length = Number(upstreamHeaders["content-length"] ?? -1);
        if (contentType.startsWith("text/event-stream")) {
          const streamTap = createStreamTap(request.api, request.assemble);
          tap = streamTap;
          mode = Mode.Stream;
          // The tap sees what the client receives, so the log shows the transformed stream.
          if (bodyTransform !== null) {
            rewriter = createSseTransform(bodyTransform, (text) => {
              client.write(text);
              streamTap.push(Buffer.from(text));
            });
          }
        } else if ((length >= 0 && length < SEND_WHOLE_BELOW) || bodyTransform !== null) {
          // Body rules apply to the whole body, so a large one is buffered too (read as a stream it has no events).
          mode = Mode.Whole;
          return;
        } else {
          mode = Mode.Stream;
        }
        client.begin(status, headers, controller);
      },

      onResponseData(_controller, chunk) {
        if (mode === Mode.Fallback) {
          if (size < ERROR_TEXT_CAP) chunks.push(chunk);
          size += chunk.length;
          return;
        }
        if (mode === Mode.Whole) {
          size += chunk.length;
          if (size > upstream.responseLimitBytes) {
            // Held whole for the body rules: bounded by the provider's response_limit, as translated bodies are.
            chunks = [];
            attempt.tooLarge(status, _controller);
            return;
          }
          chunks.push(chunk);
          return;
        }
        if (ttfbMs < 0) ttfbMs = performance.now() - request.receivedAt;
        if (rewriter !== null) {
          rewriter.push(chunk);
          return;
        }
        client.write(chunk);
        // Observing happens after the write: the tap never delays bytes on their way to the client.
        if (tap !== null) tap.push(chunk);
        else if (size < LOG_BODY_CAP) {
          chunks.push(chunk);
          size += chunk.length;
        }
      },

      onResponseEnd() {
        if (attempt.clientGone()) return;
        const latencyMs = performance.now() - started;
        if (mode === Mode.Fallback) return attempt.fallbackStatus(status, chunks, retryAfterMs);
        if (mode === Mode.Whole) {
          let body: Buffer | string = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          if (bodyTransform !== null) body = transformJsonText(body.toString("utf8"), bodyTransform);
          client.send(status, headers, body);
          return attempt.settle({ kind: "relayed", status, latencyMs, ttfbMs: performance.now() - request.receivedAt, summary: null, responseBody: body.toString() });
        }
        rewriter?.end();
        client.end();
        attempt.settle({
          kind: "relayed",
          status,
          latencyMs,
          ttfbMs: ttfbMs < 0 ? performance.now() - request.receivedAt : ttfbMs,
          summary: tap !== null ? tap.finish() : null,
          responseBody: tap === null ? Buffer.concat(chunks).toString("utf8") : undefined,
        });
      },

      onResponseError(_controller, error) {
        const tapped = tap;
        attempt.transportError(error, { status, clientStarted: mode === Mode.Stream, eventStream: tapped !== null, ttfbMs, summary: () => (tapped !== null ? tapped.finish() : null) });
      },
    };

    let body: string | Buffer;
    try {
      body = upstreamBody(request, target);
    } catch (error) {
      const reason = `request transforms failed: ${error instanceof Error ? error.message : String(error)}`;
      return attempt.fail(null, reason, false);
    }
    upstream.dispatcher.dispatch(
      {
        path: upstreamPath(request, target, upstream)!,
        method: "POST",
        headers: upstreamRequestHeaders(request.headers, upstream, transforms?.requestHeaders, request.client.key),
        body,
        // headersTimeout (the first-byte timeout) is set once on the provider's Pool.
      },
      handler,
    );
  });
}
