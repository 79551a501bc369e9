// One bound on the size of a request's headers, checked before any endpoint runs. uWS itself accepts far
// larger headers than providers do, so without it what happened to a 64 KB header depended on the endpoint
// and the provider behind it: forwarded on one (the upstream took it), a bare 431 relayed from the upstream
// on another, outside the client's API format. Every registration goes through `withHeaderLimit`, as HEAD
// goes through `withHead`, so no endpoint (pass-through, admin, dashboard, the 404) is left out.
import type { HttpRequest, HttpResponse, RecognizedString, TemplatedApp } from "uWebSockets.js";
import type { ClientApi } from "../contract.ts";
import { errorBody } from "../client/errors.ts";
import { clientApiFor, refusals } from "./framing.ts";

type Handler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

/**
 * Bytes of request headers, names, values and their separators, that a request may carry: 32 KiB, the total
 * Cloudflare (in front of OpenAI's and Anthropic's APIs) accepts, so what passes here is not refused upstream
 * for its size. Node's own servers (many OpenAI-compatible ones) stop at 16 KiB.
 */
export const HEADER_LIMIT_BYTES = 32 * 1024;

/** The client's API for the error: Anthropic's when the path or an anthropic-version header says so. */
function apiOf(req: HttpRequest): ClientApi {
  return clientApiFor(req.getUrl(), req.getHeader("anthropic-version") !== "");
}

function peerOf(res: HttpResponse): string {
  return Buffer.from(res.getRemoteAddressAsText()).toString("latin1");
}

function refuse(res: HttpResponse, req: HttpRequest, bytes: number): void {
  const message = `request headers are larger than the ${HEADER_LIMIT_BYTES} byte limit (at least ${bytes} bytes)`;
  refusals.refused(431, peerOf(res), message);
  const body = errorBody(apiOf(req), { status: 431, code: "request_headers_too_large", message });
  answerAndClose(res, "431 Request Header Fields Too Large", body);
}

/**
 * Two Content-Length headers that disagree: which one frames the body is exactly what a smuggling attempt
 * plays on (uWS frames by the first, a proxy in front may have used the other), so neither is trusted.
 * node:http's parser refuses any repeated Content-Length itself (client-error.ts); uWS's lets it through,
 * and only there does this run. The connection is dropped without an answer: uWS, asked to answer 400 and
 * close, first parses and serves the request hidden behind the body in the same bytes, which is the attack.
 * An abortive close stops its parser at once; the client sees a reset, and the application log says why.
 */
function refuseLength(res: HttpResponse): void {
  refusals.refused(400, peerOf(res), "malformed HTTP request: Content-Length headers that disagree (connection dropped without an answer)");
  res.close();
}

function answerAndClose(res: HttpResponse, status: string, body: string): void {
  res.cork(() => {
    res.writeStatus(status);
    res.writeHeader("content-type", "application/json");
    // The body (if any) is not read: the connection is not reused.
    res.writeHeader("connection", "close");
    res.end(body, true);
  });
}

/**
 * Wraps every handler registered on `app` after this call so a request over the header limit is refused with
 * a 431 and the connection closed, and one with Content-Length headers that disagree is dropped.
 */
export function withHeaderLimit(app: TemplatedApp): TemplatedApp {
  for (const method of ["get", "post", "put", "patch", "del", "head", "options", "any"] as const) {
    const register = app[method].bind(app) as (pattern: RecognizedString, handler: Handler) => TemplatedApp;
    (app as unknown as Record<string, unknown>)[method] = (pattern: RecognizedString, handler: Handler) =>
      register(pattern, (res, req) => {
        // One pass over the headers for both checks, as the size alone took before.
        let bytes = 0;
        let length: string | null = null;
        let conflicting = false;
        req.forEach((name, value) => {
          bytes += name.length + value.length + 4;
          if (name.length === 14 && name === "content-length") {
            if (length === null) length = value;
            else if (value !== length) conflicting = true;
          }
        });
        if (bytes > HEADER_LIMIT_BYTES) return refuse(res, req, bytes);
        if (conflicting) return refuseLength(res);
        return handler(res, req);
      });
  }
  return app;
}
