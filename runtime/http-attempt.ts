// One attempt against one HTTP target. If the upstream answers with something the client should see
// (success, or a 4xx that is the client's own fault), it is relayed as it arrives and the attempt is final;
// otherwise the outcome says why, and the caller moves on to the next target.
import type { Readable } from "node:stream";
import type { IncomingHttpHeaders } from "undici/types/header.js";
import type { ClientApi, HttpUpstream, Target } from "./contract.ts";
import type { ClientResponse } from "./client-response.ts";
import { describeTransportError, isFallbackStatus } from "./failure-kind.ts";
import { spliceModel } from "./model-splice.ts";
import { createStreamTap, summarizeBody, type ResponseSummary } from "./stream-tap.ts";

/** Non-stream bodies up to this size are sent in one corked `end` (content-length known, one syscall). */
const SEND_WHOLE_BELOW = 1 << 20;
/** The request log keeps at most this much of a non-stream response body. */
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

export interface AttemptRequest {
  readonly api: ClientApi;
  readonly model: string;
  readonly stream: boolean;
  readonly raw: string;
  readonly rawBytes: Buffer;
  /** Client headers safe to forward (no auth, no hop-by-hop). */
  readonly headers: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly receivedAt: number;
}

export type AttemptOutcome =
  | {
      /** The response went to the client (whatever its status). */
      kind: "relayed";
      status: number;
      latencyMs: number;
      ttfbMs: number;
      summary: ResponseSummary | null;
      responseBody: string | undefined;
      error?: string;
    }
  | { kind: "failed"; status: number | null; latencyMs: number; reason: string; timeout: boolean }
  | { kind: "client-gone"; latencyMs: number };

function upstreamBody(request: AttemptRequest, target: Target): string | Buffer {
  if (target.modelJson === null || target.model === request.model) return request.rawBytes;
  return spliceModel(request.raw, target.modelJson) ?? request.rawBytes;
}

function responseHeaders(headers: IncomingHttpHeaders, requestId: string): Record<string, string> {
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

export async function attemptHttp(
  request: AttemptRequest,
  target: Target,
  upstream: HttpUpstream,
  client: ClientResponse,
): Promise<AttemptOutcome> {
  const started = performance.now();
  let response;
  try {
    response = await upstream.dispatcher.request({
      path: upstream.chatPath,
      method: "POST",
      headers: { ...request.headers, ...upstream.headers },
      body: upstreamBody(request, target),
      signal: client.abortController.signal,
      headersTimeout: upstream.firstByteTimeoutMs,
    });
  } catch (error) {
    const latencyMs = performance.now() - started;
    if (client.aborted) return { kind: "client-gone", latencyMs };
    const { reason, timeout } = describeTransportError(error);
    return { kind: "failed", status: null, latencyMs, reason, timeout };
  }

  const status = response.statusCode;
  if (isFallbackStatus(status)) {
    // Read the error body (for the log) so the connection goes back to the pool.
    let text = "";
    try {
      text = await response.body.text();
    } catch {
      /* the reason below is enough */
    }
    const latencyMs = performance.now() - started;
    if (client.aborted) return { kind: "client-gone", latencyMs };
    return { kind: "failed", status, latencyMs, reason: `HTTP ${status}${text ? `: ${text.slice(0, 300)}` : ""}`, timeout: false };
  }

  const headers = responseHeaders(response.headers, request.requestId);
  const contentType = String(response.headers["content-type"] ?? "");
  const length = Number(response.headers["content-length"] ?? -1);
  if (!contentType.startsWith("text/event-stream") && length >= 0 && length < SEND_WHOLE_BELOW) {
    return relayWhole(request, client, response.body, status, headers, started);
  }
  return relayStream(request, client, response.body, status, headers, started, contentType.startsWith("text/event-stream"));
}

async function relayWhole(
  request: AttemptRequest,
  client: ClientResponse,
  body: Readable & { arrayBuffer(): Promise<ArrayBuffer> },
  status: number,
  headers: Record<string, string>,
  started: number,
): Promise<AttemptOutcome> {
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await body.arrayBuffer());
  } catch (error) {
    const latencyMs = performance.now() - started;
    if (client.aborted) return { kind: "client-gone", latencyMs };
    const { reason, timeout } = describeTransportError(error);
    return { kind: "failed", status, latencyMs, reason: `body: ${reason}`, timeout };
  }
  if (client.aborted) return { kind: "client-gone", latencyMs: performance.now() - started };
  client.send(status, headers, bytes);
  const done = performance.now();
  return {
    kind: "relayed",
    status,
    latencyMs: done - started,
    ttfbMs: done - request.receivedAt,
    summary: summarizeBody(request.api, bytes),
    responseBody: bytes.toString("utf8"),
  };
}

/** Forwards chunks as they arrive; when uWS reports backpressure, the upstream body pauses until drained. */
function relayStream(
  request: AttemptRequest,
  client: ClientResponse,
  body: Readable,
  status: number,
  headers: Record<string, string>,
  started: number,
  isEventStream: boolean,
): Promise<AttemptOutcome> {
  const tap = isEventStream ? createStreamTap(request.api) : null;
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let ttfbMs = -1;
  client.begin(status, headers);
  return new Promise((resolve) => {
    body.on("data", (chunk: Buffer) => {
      if (ttfbMs < 0) ttfbMs = performance.now() - request.receivedAt;
      const writable = client.write(chunk);
      // Observing happens after the write: the tap never delays bytes on their way to the client.
      if (tap) tap.push(chunk);
      else if (keptBytes < LOG_BODY_CAP) {
        kept.push(chunk);
        keptBytes += chunk.length;
      }
      if (!writable) {
        body.pause();
        void client.drained().then(() => body.resume());
      }
    });
    body.on("end", () => {
      client.end();
      const whole = tap ? null : Buffer.concat(kept, keptBytes);
      resolve({
        kind: "relayed",
        status,
        latencyMs: performance.now() - started,
        ttfbMs: ttfbMs < 0 ? performance.now() - request.receivedAt : ttfbMs,
        summary: tap ? tap.finish() : summarizeBody(request.api, whole!),
        responseBody: whole ? whole.toString("utf8") : undefined,
      });
    });
    body.on("error", (error) => {
      const latencyMs = performance.now() - started;
      if (client.aborted) {
        resolve({ kind: "client-gone", latencyMs });
        return;
      }
      // Bytes already went out: no fallback is possible, so cut the connection rather than end it
      // cleanly, letting the client see a truncated response instead of a silently short one.
      client.close();
      resolve({
        kind: "relayed",
        status,
        latencyMs,
        ttfbMs: ttfbMs < 0 ? latencyMs : ttfbMs,
        summary: tap ? tap.finish() : null,
        responseBody: undefined,
        error: `upstream stream broke: ${describeTransportError(error).reason}`,
      });
    });
  });
}
