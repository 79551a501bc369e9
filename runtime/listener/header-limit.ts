// One bound on the size of a request's headers, checked before any endpoint runs. uWS itself accepts far
// larger headers than providers do, so without it what happened to a 64 KB header depended on the endpoint
// and the provider behind it: forwarded on one (the upstream took it), a bare 431 relayed from the upstream
// on another, outside the client's API format. Every registration goes through `withHeaderLimit`, as HEAD
// goes through `withHead`, so no endpoint (pass-through, admin, dashboard, the 404) is left out.
import type { HttpRequest, HttpResponse, RecognizedString, TemplatedApp } from "uWebSockets.js";
import type { ClientApi } from "../contract.ts";
import { errorBody } from "../client/errors.ts";

type Handler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

/**
 * Bytes of request headers, names, values and their separators, that a request may carry: 32 KiB, the total
 * Cloudflare (in front of OpenAI's and Anthropic's APIs) accepts, so what passes here is not refused upstream
 * for its size. Node's own servers (many OpenAI-compatible ones) stop at 16 KiB.
 */
export const HEADER_LIMIT_BYTES = 32 * 1024;

/** The client's API for the error: Anthropic's when the path or an anthropic-version header says so. */
function apiOf(req: HttpRequest): ClientApi {
  return req.getUrl().startsWith("/anthropic") || req.getHeader("anthropic-version") !== "" ? "anthropic" : "openai";
}

/** The request's header bytes as they were on the wire (`name: value\r\n`), stopping once past `limit`. */
export function headerBytes(req: HttpRequest, limit = HEADER_LIMIT_BYTES): number {
  let total = 0;
  req.forEach((name, value) => {
    if (total <= limit) total += name.length + value.length + 4;
  });
  return total;
}

function refuse(res: HttpResponse, req: HttpRequest, bytes: number): void {
  const body = errorBody(apiOf(req), {
    status: 431,
    code: "request_headers_too_large",
    message: `request headers are larger than the ${HEADER_LIMIT_BYTES} byte limit (at least ${bytes} bytes)`,
  });
  res.cork(() => {
    res.writeStatus("431 Request Header Fields Too Large");
    res.writeHeader("content-type", "application/json");
    // The body (if any) is not read: the connection is not reused.
    res.writeHeader("connection", "close");
    res.end(body, true);
  });
}

/** Wraps every handler registered on `app` after this call so a request over the header limit is refused with a 431. */
export function withHeaderLimit(app: TemplatedApp): TemplatedApp {
  for (const method of ["get", "post", "put", "patch", "del", "head", "options", "any"] as const) {
    const register = app[method].bind(app) as (pattern: RecognizedString, handler: Handler) => TemplatedApp;
    (app as unknown as Record<string, unknown>)[method] = (pattern: RecognizedString, handler: Handler) =>
      register(pattern, (res, req) => {
        const bytes = headerBytes(req);
        if (bytes > HEADER_LIMIT_BYTES) return refuse(res, req, bytes);
        return handler(res, req);
      });
  }
  return app;
}
