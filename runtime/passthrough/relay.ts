// One pass-through request upstream and its response back, both as bytes: the request body is whatever
// Readable the endpoint hands over (the client's upload as it arrives), the response goes to the client
// chunk by chunk as undici delivers it, whatever its status or content type. Nothing is parsed, buffered
// whole or retried: a pass-through path has one provider, and a 5xx is the client's to see.
//
// Backpressure both ways: undici pulls the request body from the Readable (which pauses the client's
// socket when full, see endpoint.ts), and ClientResponse pauses undici's controller while uWS is behind.
import type { Dispatcher } from "undici";
import type { Readable } from "node:stream";
import type { HttpUpstream } from "../contract.ts";
import type { ClientResponse } from "../client/response.ts";
import { responseHeaders } from "../attempts/http.ts";
import { abortWithClient, armDeadline } from "../attempts/settle.ts";
import { describeTransportError } from "../attempts/failure-kind.ts";
import type { PassthroughHeaders } from "./table.ts";

export interface RelayRequest {
  readonly method: string;
  /** Upstream path and query string. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Readable | null;
  readonly requestId: string;
  /** performance.now() when the client's request arrived. */
  readonly receivedAt: number;
}

export type RelayOutcome =
  /** The upstream answered and its response went to the client (cut short when `error` is set). */
  | { kind: "relayed"; status: number; latencyMs: number; ttfbMs: number; responseBytes: number; error?: string }
  /** Nothing reached the client: the endpoint answers with an error in its format. */
  | { kind: "failed"; latencyMs: number; reason: string; timeout: boolean }
  | { kind: "client-gone"; status: number | null; latencyMs: number; responseBytes: number };

export function relay(upstream: HttpUpstream, request: RelayRequest, client: ClientResponse, rules: PassthroughHeaders | null): Promise<RelayOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let status: number | null = null;
    let ttfbMs = -1;
    let bytes = 0;
    let settled = false;
    const deadline = armDeadline(upstream, (reason) => settle({ kind: "failed", latencyMs: performance.now() - started, reason, timeout: true }));
    const settle = (outcome: RelayOutcome) => {
      if (settled) return;
      settled = true;
      deadline.disarm();
      client.onAbort(null);
      resolve(outcome);
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        if (!deadline.bind(controller)) return;
        abortWithClient(client, controller);
      },

      onResponseStart(controller, statusCode, upstreamHeaders) {
        status = statusCode;
        let headers = responseHeaders(upstreamHeaders as Record<string, string | string[] | undefined>, request.requestId);
        if (rules?.response) headers = rules.response(headers);
        ttfbMs = performance.now() - request.receivedAt;
        client.begin(statusCode, headers, controller);
      },

      onResponseData(_controller, chunk) {
        bytes += chunk.length;
        client.write(chunk);
      },

      onResponseEnd() {
        const latencyMs = performance.now() - started;
        if (client.aborted) return settle({ kind: "client-gone", status, latencyMs, responseBytes: bytes });
        client.end();
        settle({ kind: "relayed", status: status!, latencyMs, ttfbMs, responseBytes: bytes });
      },

      onResponseError(_controller, error) {
        const latencyMs = performance.now() - started;
        if (client.aborted) return settle({ kind: "client-gone", status, latencyMs, responseBytes: bytes });
        const { reason, timeout } = describeTransportError(error);
        if (status === null) return settle({ kind: "failed", latencyMs, reason, timeout });
        // Bytes already went out: cut the connection so the client sees a truncated response, not a short one.
        client.close();
        settle({ kind: "relayed", status, latencyMs, ttfbMs, responseBytes: bytes, error: `upstream response broke: ${reason}` });
      },
    };

    upstream.dispatcher.dispatch({ path: request.path, method: request.method, headers: request.headers, body: request.body }, handler);
  });
}
