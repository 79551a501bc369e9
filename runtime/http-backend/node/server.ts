// The node:http backend: uWS's App surface (route registration, listen) on http.createServer, or
// https.createServer when the options name a key and certificate, as uWS's SSLApp takes them. Each request
// is routed by router.ts and handed to the same handlers as under uWS, as NodeResponse/NodeRequest.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import type { AppOptions, HttpRequest, HttpResponse, TemplatedApp } from "uWebSockets.js";
import type { HttpServer } from "../types.ts";
import { Router } from "./router.ts";
import { NodeRequest } from "./request.ts";
import { NodeResponse } from "./response.ts";
import { HEADERS_TIMEOUT_MS, NODE_MAX_HEADER_BYTES, onClientError } from "./client-error.ts";

type Handler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

/** uWS's registration methods and the HTTP method each stands for ("*": any). */
const METHODS = { get: "GET", post: "POST", options: "OPTIONS", del: "DELETE", patch: "PATCH", put: "PUT", head: "HEAD", connect: "CONNECT", trace: "TRACE", any: "*" } as const;

/** Node ≥ 22.12 (and 23.1) can set SO_REUSEPORT on a listener, so workers bind the port each on their own. */
export function hasReusePort(version = process.versions.node): boolean {
  const [major, minor] = version.split(".").map(Number) as [number, number];
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * Bytes a response buffers before write() reports backpressure. Node's 16 KiB default would pause a relayed
 * stream every few events; uWS buffers more before it asks for onWritable.
 */
const WRITE_HIGH_WATER_MARK = 64 * 1024;

/**
 * node:http's 300 s cap on receiving a whole request, which uWS does not have, would cut a slow pass-through
 * upload, so it is off; that also turns off the headers timeout it bounds, so that one is set on its own
 * (checked every second: a client that never finishes its headers gets its 408 within a second of it).
 */
const SERVER_OPTIONS = {
  highWaterMark: WRITE_HIGH_WATER_MARK,
  requestTimeout: 0,
  headersTimeout: HEADERS_TIMEOUT_MS,
  connectionsCheckingInterval: 1_000,
  maxHeaderSize: NODE_MAX_HEADER_BYTES,
};

export function createNodeServer(options?: AppOptions): HttpServer {
  const router = new Router<Handler>();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url!;
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const route = router.match(req.method!, path);
    if (route === null) {
      // Only when nothing, not even an `any` route, matches: the gateway registers `any /*`.
      res.writeHead(404, { "content-length": "0" }).end();
      return;
    }
    const query = q === -1 ? undefined : url.slice(q + 1);
    const response = new NodeResponse(req, res);
    void route.handler(response as unknown as HttpResponse, new NodeRequest(req, path, query, route.params) as unknown as HttpRequest);
  };
  const server: Server =
    options?.key_file_name !== undefined
      ? createHttpsServer(
          {
            key: readFileSync(String(options.key_file_name)),
            cert: readFileSync(String(options.cert_file_name)),
            ...(options.ca_file_name === undefined ? {} : { ca: readFileSync(String(options.ca_file_name)) }),
            ...(options.passphrase === undefined ? {} : { passphrase: String(options.passphrase) }),
            ...SERVER_OPTIONS,
          },
          handle,
        )
      : createHttpServer(SERVER_OPTIONS, handle);
  server.on("clientError", onClientError);

  const app = {} as Record<keyof typeof METHODS, (pattern: string, handler: Handler) => unknown>;
  for (const [name, method] of Object.entries(METHODS) as Array<[keyof typeof METHODS, string]>) {
    app[name] = (pattern, handler) => {
      router.add(method, pattern, handler);
      return app;
    };
  }

  return {
    app: app as unknown as TemplatedApp,
    listen(host, port, shared) {
      return new Promise((resolve) => {
        const failed = () => resolve(null);
        server.once("error", failed);
        // Alone, the port is this process's (a port in use is EADDRINUSE). As a worker of `--workers N`
        // (node:cluster), SO_REUSEPORT where Node has it, so the kernel spreads connections as under uWS;
        // on older Node the cluster primary holds the socket and hands connections round-robin to workers.
        const listenOptions = shared && cluster.isWorker && hasReusePort() ? { host, port, exclusive: true, reusePort: true } : { host, port, exclusive: !shared };
        server.listen(listenOptions, () => {
          server.off("error", failed);
          const address = server.address();
          resolve({
            port: typeof address === "object" && address !== null ? address.port : port,
            close: () => {
              server.close();
            },
          });
        });
      });
    },
  };
}
