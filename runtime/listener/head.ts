// HEAD requests, answered like GET without the body (RFC 9110 §9.3.2). Claude Code sends `HEAD /` at every
// start, and Node's HTTP client reads the bytes of a body sent to a HEAD as the start of the next response on
// the keep-alive socket. uWS routes HEAD only to `head` handlers and to `any` (never to `get`), and its
// `end(body)` writes the body whatever the method, so `withHead` wraps the app's registration once:
//   - every `get` also registers a `head` whose handler runs the GET handler on a response that sends no body;
//   - every `any` handler gets that response when the request is a HEAD (the 404 and 405 answers).
// The bodiless response keeps the GET's status and headers and reports the body's length in Content-Length.
// It writes that header itself and ends with `endWithoutBody()`: this uWS build's
// `endWithoutBody(reportedContentLength)` leaves the response open, which uWS then aborts.
import type { HttpRequest, HttpResponse, RecognizedString, TemplatedApp } from "uWebSockets.js";

type Handler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

function byteLength(body: RecognizedString | undefined): number {
  if (body === undefined) return 0;
  if (typeof body === "string") return Buffer.byteLength(body);
  return body.byteLength;
}

/** Turns `res` into one that sends status and headers only; `end(body)` reports the body's length. */
export function withoutBody(res: HttpResponse): HttpResponse {
  let written = false;
  res.write = () => {
    written = true;
    return true;
  };
  res.end = function (body?: RecognizedString) {
    // A body written in pieces before `end` has no length known here: no Content-Length then.
    if (!written) this.writeHeader("content-length", String(byteLength(body)));
    return this.endWithoutBody();
  };
  return res;
}

/** Wraps `app.get` and `app.any` (registrations made after this call) so HEAD is answered as above. */
export function withHead(app: TemplatedApp): TemplatedApp {
  const get = app.get.bind(app);
  const head = app.head.bind(app);
  const any = app.any.bind(app);
  app.get = (pattern: RecognizedString, handler: Handler) => {
    get(pattern, handler);
    return head(pattern, (res, req) => handler(withoutBody(res), req));
  };
  app.any = (pattern: RecognizedString, handler: Handler) =>
    // getCaseSensitiveMethod: uWS's getMethod lower-cases the method in place, which handlers would then see.
    any(pattern, (res, req) => handler(req.getCaseSensitiveMethod() === "HEAD" ? withoutBody(res) : res, req));
  return app;
}
