// The paths Switchyard does not translate (`passthrough:` in routes.yaml): /v1/files, /v1/batches,
// /v1/audio/*, Anthropic's /v1/messages/batches… forwarded byte for byte to the provider an entry names,
// for every method, with the query string, and with what a shared gateway applies to every request: the
// client's Switchyard key checked (401) and never forwarded (the provider's key replaces it), keys with a
// model restriction or a budget refused (403: these calls are neither limited by model nor priced), the
// provider's header rules, request-count limits, a body limit (413), the request log (method, path, status,
// bytes, timings, key id; never bodies), metrics and traces.
//
// The request body is not read before forwarding: uWS's chunks go into a Readable that undici sends
// upstream as they come, and the client's socket is paused while the Readable is full, so an upload of
// any size (up to the entry's body_limit) holds a bounded amount of memory.
import { UNCONFIGURED_STATUS } from "../attempts/target-walk.ts";
import { Readable } from "node:stream";
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { ClientApi } from "../contract.ts";
import { ClientResponse } from "../client/response.ts";
import { errorBody, JSON_HEADERS, type ClientError } from "../client/errors.ts";
import { collectPassthroughHeaders } from "../upstream/forward-headers.ts";
import { upstreamRequestHeaders } from "../upstream/request-headers.ts";
import { readClientIdentity, type RequestIdentity } from "../access/client-identity.ts";
import { bodyTooLarge } from "../endpoints/json-request.ts";
import { baseRecord, recordError, CLIENT_CLOSED, newRequestId, roundMs, traceIdOf, type AttemptRecord, type LoggedRequest, type RequestLogRecord } from "../log/request-log.ts";
import type { EndpointServices } from "../services.ts";
import type { RequestSpan } from "../observe/hooks.ts";
import { matchPassthrough, type PassthroughMatch } from "./match.ts";
import { relay } from "./relay.ts";
import type { PassthroughEntry, PassthroughTable } from "./table.ts";

/** The request log's and metrics' model for pass-through attempts: they name none. */
export const NO_MODEL = "none";

/** Chunks of an upload held before the client's socket is paused. */
const UPLOAD_BUFFER_BYTES = 256 * 1024;

interface Call extends LoggedRequest {
  readonly api: ClientApi;
  readonly method: string;
  readonly client: ClientResponse;
  readonly identity: RequestIdentity;
  readonly entry: PassthroughEntry;
  readonly span: RequestSpan | null;
  readonly attempts: AttemptRecord[];
  requestBytes: number;
  /** Set when the upload passed the entry's body_limit while streaming. */
  tooLarge: boolean;
}

/** A key whose policy pass-through cannot enforce: it names models, or has a budget (these calls are not priced). */
function refuseRestricted(identity: RequestIdentity): ClientError | null {
  const key = identity.account;
  if (key === null) return null;
  const limits = [key.record.models !== null ? `may use only the models ${key.record.models.join(", ")}` : "", key.budget !== null ? "has a budget" : ""].filter(Boolean);
  if (limits.length === 0) return null;
  return {
    status: 403,
    code: "passthrough_not_allowed",
    message: `API key ${key.id} (${key.name}) ${limits.join(" and ")}; pass-through endpoints are neither limited by model nor priced, so only keys without a model list or budget may use them`,
  };
}

function disabled(entry: PassthroughEntry): ClientError {
  // The status and code of a model route whose providers all lack keys (runtime/attempts/target-walk.ts): one answer,
  // which the SDKs do not retry, for one cause.
  return {
    status: UNCONFIGURED_STATUS,
    code: "provider_not_configured",
    message: `provider ${entry.upstream.name}, which serves this path (pass-through ${entry.id}), is disabled: ${entry.upstream.disabledReason ?? "its api_key is empty"}`,
  };
}

/**
 * The handler for uWS's catch-all: true when it took the request (a configured pass-through path), false
 * to let the caller answer its 404/405.
 */
export function createPassthroughEndpoint(table: PassthroughTable, services: EndpointServices): (res: HttpResponse, req: HttpRequest) => boolean {
  const { record: recordRequest, tracing, inflight, limiter, gate, proxies } = services;

  return (res, req) => {
    const url = req.getUrl();
    const found = matchPassthrough(table, url, req.getHeader("anthropic-version") !== "");
    if (found === null) return false;
    const client = new ClientResponse(res);
    /* uWS: the request object is only valid until the first await, so read everything now. */
    const headers = collectPassthroughHeaders(req);
    const query = req.getQuery();
    const chunked = req.getHeader("transfer-encoding") !== "";
    const receivedAt = performance.now();
    const time = Date.now();
    const api = found.api;
    const span = tracing === null ? null : tracing.start({ api, path: url, traceparent: headers.traceparent, receivedAt, time });
    const call: Call = {
      api,
      path: url,
      method: req.getCaseSensitiveMethod(),
      requestId: newRequestId(),
      receivedAt,
      time,
      client,
      identity: readClientIdentity(res, req, proxies),
      entry: found.entry,
      span,
      traceId: span === null ? traceIdOf(headers.traceparent) : span.traceId,
      attempts: [],
      route: found.entry,
      model: null,
      stream: false,
      raw: undefined,
      requestBytes: 0,
      tooLarge: false,
    };
    const refused = gate.authenticate(call.identity) ?? refuseRestricted(call.identity);
    if (refused !== null) return fail(call, refused), true;
    const entry = found.entry;
    // After authentication: an anonymous caller learns nothing about the configuration.
    if (!entry.upstream.enabled) return fail(call, disabled(entry), { "x-should-retry": "false" }), true;
    const declared = headers["content-length"];
    if (declared !== undefined && Number(declared) > entry.bodyLimitBytes) return fail(call, bodyTooLarge(entry.bodyLimitBytes)), true;
    const hasBody = declared !== undefined ? Number(declared) > 0 : chunked;
    if (!hasBody) delete headers["content-length"];
    const body = hasBody ? streamBody(res, call) : null;
    const done = forward(call, found, query, headers, body).catch((error: unknown) => {
      body?.destroy();
      fail(call, { status: 500, message: `internal error: ${error instanceof Error ? error.message : String(error)}` });
    });
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
    return true;
  };

  async function forward(call: Call, found: PassthroughMatch, query: string, clientHeaders: Record<string, string>, body: Readable | null): Promise<void> {
    const { entry } = found;
    const verdict = await limiter.check(entry.rateLimits, call.identity, 0);
    if (!verdict.allowed) {
      body?.destroy();
      return fail(call, verdict.error, verdict.headers);
    }
    call.client.extraHeaders = verdict.headers;
    const upstream = entry.upstream;
    const path = upstream.basePath + found.path.slice(entry.strip) + (query ? `?${query}` : "");
    const rules = entry.headers;
    const headers = upstreamRequestHeaders(clientHeaders, upstream, rules?.request, null);
    // Framing, not content: a header rule cannot turn a sized upload into a chunked one.
    if (clientHeaders["content-length"] !== undefined) headers["content-length"] = clientHeaders["content-length"];
    const outcome = await relay(upstream, { method: call.method, path, headers, body, requestId: call.requestId, receivedAt: call.receivedAt }, call.client, rules);
    const attempt: AttemptRecord = { provider: upstream.name, model: NO_MODEL, status: null, latency_ms: roundMs(outcome.latencyMs) };
    call.attempts.push(attempt);
    switch (outcome.kind) {
      case "relayed": {
        attempt.status = outcome.status;
        if (outcome.error !== undefined) attempt.error = outcome.error;
        const record = finalRecord(call, outcome.status, outcome.responseBytes);
        record.ttfb_ms = roundMs(outcome.ttfbMs);
        record.upstream_latency_ms = roundMs(outcome.latencyMs);
        if (outcome.error !== undefined) record.error = outcome.error;
        return recordRequest(call, record);
      }
      case "client-gone": {
        attempt.status = outcome.status;
        const record = finalRecord(call, CLIENT_CLOSED, outcome.responseBytes);
        record.upstream_latency_ms = roundMs(outcome.latencyMs);
        return recordRequest(call, record);
      }
      case "failed": {
        attempt.error = outcome.reason;
        if (call.tooLarge) return fail(call, bodyTooLarge(entry.bodyLimitBytes));
        const status = outcome.timeout ? 504 : 502;
        return fail(call, { status, code: "upstream_error", message: `provider ${upstream.name} did not answer ${call.method} ${found.path}: ${outcome.reason}` });
      }
    }
  }

  function finalRecord(call: Call, status: number, responseBytes: number): RequestLogRecord {
    const record = baseRecord(call, status);
    record.method = call.method;
    record.request_bytes = call.requestBytes;
    record.response_bytes = responseBytes;
    return record;
  }

  function fail(call: Call, error: ClientError, extraHeaders?: Record<string, string>): void {
    // Headers already went out (an internal error mid-relay): all that is left is to cut the connection.
    if (call.client.started) call.client.close();
    else call.client.send(error.status, { ...JSON_HEADERS, ...extraHeaders, "x-switchyard-request-id": call.requestId }, errorBody(call.api, error));
    const record = finalRecord(call, call.client.aborted ? CLIENT_CLOSED : error.status, 0);
    recordError(record, error);
    recordRequest(call, record);
  }
}

/**
 * The client's upload as a Readable that undici reads upstream. uWS hands chunks over as they arrive; while
 * the Readable holds more than UPLOAD_BUFFER_BYTES the client's socket is paused, and undici's next read
 * resumes it. Past the entry's body_limit the Readable is destroyed, which aborts the upstream request.
 */
function streamBody(res: HttpResponse, call: Call): Readable {
  const client = call.client;
  const limit = call.entry.bodyLimitBytes;
  let paused = false;
  const live = () => !client.aborted && !client.finished;
  const resume = () => {
    if (paused && live()) {
      paused = false;
      res.resume();
    }
  };
  const stream = new Readable({
    highWaterMark: UPLOAD_BUFFER_BYTES,
    read: resume,
    // A body nobody reads any more (refused, too large, upstream gone): let the socket drain it. _destroy runs
    // synchronously inside destroy(), so this happens before the error response ends the uWS response.
    destroy(error, callback) {
      resume();
      callback(error);
    },
  });
  res.onData((chunk, isLast) => {
    if (stream.destroyed) return;
    call.requestBytes += chunk.byteLength;
    if (call.requestBytes > limit) {
      call.tooLarge = true;
      stream.destroy(new Error(`request body is larger than the ${limit} byte limit`));
      return;
    }
    /* uWS: the ArrayBuffer is only valid during this callback, so copy it. */
    const more = stream.push(Buffer.from(new Uint8Array(chunk)));
    if (isLast) stream.push(null);
    else if (!more && !paused) {
      paused = true;
      res.pause();
    }
  });
  return stream;
}
