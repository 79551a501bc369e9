// CORS for browser clients, when `server.cors` is configured (nothing at all otherwise): preflight OPTIONS
// requests are answered for every path, and every response to an allowed origin carries
// Access-Control-Allow-Origin. Rather than teach each response writer about CORS, `withCors` wraps the
// app's route registration once: a handler sees a response whose writeStatus also writes the CORS headers,
// decided from the Origin header read before the handler runs. Credentials (cookies) are never allowed:
// clients authenticate with a key header, which a preflight allows like any other header.
// @see https://fetch.spec.whatwg.org/#http-cors-protocol
import type { HttpRequest, HttpResponse, TemplatedApp } from "uWebSockets.js";
import type { CorsSettings } from "../contract.ts";

type Handler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

const METHODS = "GET, POST, OPTIONS";

/** The Access-Control-Allow-Origin value for a request's Origin, or null when it is not allowed. */
export function allowedOrigin(settings: CorsSettings, origin: string): string | null {
  if (origin === "") return null;
  if (settings.origins === "*") return "*";
  return settings.origins.includes(origin) ? origin : null;
}

/** Registers the preflight handler and wraps every later registration on `app`; returns `app` unchanged when unconfigured. */
export function withCors(app: TemplatedApp, settings: CorsSettings | undefined): TemplatedApp {
  if (settings === undefined) return app;
  const vary = settings.origins === "*" ? null : "Origin";
  const allowHeaders = settings.headers?.join(", ") ?? null;
  const maxAge = settings.maxAgeS === undefined ? null : String(settings.maxAgeS);

  const wrap =
    (handler: Handler): Handler =>
    (res, req) => {
      const allow = allowedOrigin(settings, req.getHeader("origin"));
      if (allow !== null) {
        const writeStatus = res.writeStatus;
        res.writeStatus = function (status: string) {
          writeStatus.call(this, status);
          this.writeHeader("access-control-allow-origin", allow);
          this.writeHeader("access-control-expose-headers", "*");
          if (vary !== null) this.writeHeader("vary", vary);
          return this;
        };
      }
      return handler(res, req);
    };

  app.options("/*", (res, req) => {
    const allow = allowedOrigin(settings, req.getHeader("origin"));
    const requested = req.getHeader("access-control-request-headers");
    res.writeStatus("204 No Content");
    if (allow !== null) {
      res.writeHeader("access-control-allow-origin", allow);
      res.writeHeader("access-control-allow-methods", METHODS);
      const headers = allowHeaders ?? requested;
      if (headers !== "") res.writeHeader("access-control-allow-headers", headers);
      if (maxAge !== null) res.writeHeader("access-control-max-age", maxAge);
    }
    res.writeHeader("vary", "Origin, Access-Control-Request-Headers");
    res.end();
  });

  for (const method of ["get", "post", "any"] as const) {
    const register = app[method].bind(app);
    app[method] = (pattern: string, handler: Handler) => register(pattern, wrap(handler));
  }
  return app;
}
