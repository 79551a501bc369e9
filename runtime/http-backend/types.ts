// What runtime/server.ts needs of an HTTP server, whichever backend serves it: an app to register routes on
// (uWS's TemplatedApp surface, which every endpoint is written against) and a listen that reports the port.
import type { AppOptions, TemplatedApp } from "uWebSockets.js";

export type BackendName = "uws" | "node" | "web";

/** A bound listening socket. */
export interface HttpListener {
  readonly port: number;
  /** Stops accepting connections; requests already on open connections go on. */
  close(): void;
}

export interface HttpServer {
  /** Routes are registered here before `listen` (get/post/any/options/head/patch/del/put). */
  readonly app: TemplatedApp;
  /**
   * Binds host:port. `shared`: the port is shared with the other workers of `--workers N` on purpose;
   * otherwise it is exclusive, so a port another process holds is an error rather than a split of its traffic.
   * Resolves null when the port cannot be bound.
   */
  listen(host: string, port: number, shared: boolean): Promise<HttpListener | null>;
}

export interface HttpBackend {
  readonly name: BackendName;
  /** One line for the startup log: which server and why this one. */
  readonly description: string;
  /** Options as uWS's App/SSLApp take them: with `key_file_name` and `cert_file_name` the server speaks TLS. */
  createServer(options?: AppOptions): HttpServer;
}
