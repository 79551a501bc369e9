// What a gateway does with the connections it already has once it stops accepting new ones. Clients keep
// HTTP/1.1 connections open between requests and may send the next one on a connection at the moment the
// process exits, which fails that request. So from the moment the listener closes, every response says
// `Connection: close` (the client then opens its next connection to whoever listens now: after a reload,
// the new bundle), and the process knows when a request last arrived, so a retiring worker can wait until
// its clients have gone quiet before it exits (runtime/server.ts shutdown({ linger })).
import type { TemplatedApp } from "uWebSockets.js";
import type { Handler } from "./route-table.ts";

export class Closing {
  /** Set once the listen socket is closed; read once per request (the only cost while serving). */
  active = false;
  /** When the latest request arrived after `active` was set (Date.now()). */
  lastRequestAt = 0;

  begin(): void {
    this.active = true;
    this.lastRequestAt = Date.now();
  }
}

/** Wraps later `get`/`post`/`any`/`patch`/`del` registrations on `app` so that, while closing, responses carry Connection: close. */
export function withClosing(app: TemplatedApp, closing: Closing): TemplatedApp {
  const wrap =
    (handler: Handler): Handler =>
    (res, req) => {
      if (closing.active) {
        closing.lastRequestAt = Date.now();
        const writeStatus = res.writeStatus;
        res.writeStatus = function (status) {
          writeStatus.call(this, status);
          this.writeHeader("connection", "close");
          return this;
        };
      }
      return handler(res, req);
    };
  for (const method of ["get", "post", "any", "patch", "del"] as const) {
    const register = app[method].bind(app);
    app[method] = (pattern, handler) => register(pattern, wrap(handler));
  }
  return app;
}
