// The gateway's routes behind a web-standard `handle(Request) → Promise<Response>`, for a gateway embedded in
// another program (runtime/library/). It is uWS's App surface, as node/server.ts offers over node:http:
// the same handlers, routed by the same table (node/router.ts), see a WebRequest and a WebResponse. The
// routes registered are also kept in order, so a real listener (uWS or node:http) can serve exactly them.
import type { AppOptions, HttpRequest, HttpResponse, TemplatedApp } from "uWebSockets.js";
import { Router } from "../node/router.ts";
import type { HttpBackend, HttpServer } from "../types.ts";
import { WebRequest } from "./request.ts";
import { WebResponse } from "./response.ts";

type Handler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

/** uWS's registration methods and the HTTP method each stands for ("*": any). */
const METHODS = { get: "GET", post: "POST", options: "OPTIONS", del: "DELETE", patch: "PATCH", put: "PUT", head: "HEAD", connect: "CONNECT", trace: "TRACE", any: "*" } as const;
type Method = keyof typeof METHODS;

/** What a caller in the same process is, when it does not say: a client on this machine. */
const LOCAL_PEER = "127.0.0.1";

export interface WebApp {
  /** Where the gateway registers its routes (startServer's backend gives it this app). */
  readonly app: TemplatedApp;
  /** The options the gateway asked its server for (TLS files), for a listener opened later. */
  serverOptions: AppOptions | undefined;
  /**
   * Serves one request. `remoteAddress` is the client's address as the log, rate limits and trust_proxy see it
   * (default 127.0.0.1). Resolves when the status and headers are ready, its body streaming after; rejects if
   * the request's signal aborts first.
   */
  handle(request: Request, remoteAddress?: string): Promise<Response>;
  /** Registers every route, in order, on another app: a real listener serving the same handlers. */
  applyTo(app: TemplatedApp): void;
}

/** Path and query of an absolute URL as uWS splits them (the query without "?", undefined without one). */
function splitUrl(url: string): { path: string; query: string | undefined } {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return { path: "/", query: undefined };
  const hash = url.indexOf("#", start);
  const end = hash === -1 ? url.length : hash;
  const q = url.indexOf("?", start);
  if (q === -1 || q > end) return { path: url.slice(start, end), query: undefined };
  return { path: url.slice(start, q), query: url.slice(q + 1, end) };
}

const peers = new Map<string, ArrayBuffer>();
/** The address as uWS gives it (text in an ArrayBuffer), made once per distinct address seen lately. */
function peerBuffer(address: string): ArrayBuffer {
  let buffer = peers.get(address);
  if (buffer === undefined) {
    const encoded = Buffer.from(address, "latin1");
    buffer = encoded.buffer.slice(encoded.byteOffset, encoded.byteOffset + encoded.byteLength) as ArrayBuffer;
    if (peers.size >= 1024) peers.clear();
    peers.set(address, buffer);
  }
  return buffer;
}

export function createWebApp(): WebApp {
  const router = new Router<Handler>();
  const registered: Array<[Method, string, Handler]> = [];
  const app = {} as Record<Method, (pattern: string, handler: Handler) => unknown>;
  for (const [name, method] of Object.entries(METHODS) as Array<[Method, string]>) {
    app[name] = (pattern, handler) => {
      router.add(method, pattern, handler);
      registered.push([name, pattern, handler]);
      return app;
    };
  }
  return {
    app: app as unknown as TemplatedApp,
    serverOptions: undefined,
    handle(request, remoteAddress = LOCAL_PEER) {
      if (request.signal.aborted) return Promise.reject(request.signal.reason);
      const { path, query } = splitUrl(request.url);
      const route = router.match(request.method, path);
      // Only when nothing, not even an `any` route, matches: the gateway registers `any /*`.
      if (route === null) return Promise.resolve(new Response(null, { status: 404 }));
      const res = new WebResponse(request, peerBuffer(remoteAddress));
      const req = new WebRequest(request, path, query, route.params);
      try {
        const running = route.handler(res as unknown as HttpResponse, req as unknown as HttpRequest);
        if (running instanceof Promise) running.catch((error: unknown) => res.fail(error));
      } catch (error) {
        res.fail(error);
      }
      return res.response;
    },
    applyTo(target) {
      const registry = target as unknown as Record<Method, (pattern: string, handler: Handler) => unknown>;
      for (const [name, pattern, handler] of registered) registry[name](pattern, handler);
    },
  };
}

/**
 * A backend for startServer whose "server" is `web`: routes land on its app, and listening binds nothing
 * (the embedding program calls web.handle, or opens real listeners with web.applyTo).
 */
export function webBackend(web: WebApp): HttpBackend {
  return {
    name: "web",
    description: "in-process (handle(Request) → Response)",
    createServer(options?: AppOptions): HttpServer {
      web.serverOptions = options;
      return { app: web.app, listen: async () => ({ port: 0, close() {} }) };
    },
  };
}
