// The gateway's routes, recorded once and applied to any number of uWS apps. A listener that re-opens with
// a new certificate (SIGHUP in a single process, runtime/server.ts) is a new SSLApp that must serve exactly
// the same handlers, and the endpoints behind them (their caches, their state) must not be built twice.
import type { HttpRequest, HttpResponse, TemplatedApp } from "uWebSockets.js";

export type Handler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

/** What the endpoints register routes with: uWS's TemplatedApp, or a RouteTable. */
export interface RouteRegistry {
  get(pattern: string, handler: Handler): unknown;
  post(pattern: string, handler: Handler): unknown;
  any(pattern: string, handler: Handler): unknown;
  patch(pattern: string, handler: Handler): unknown;
  del(pattern: string, handler: Handler): unknown;
}

type Method = keyof RouteRegistry;

export class RouteTable implements RouteRegistry {
  private readonly routes: Array<readonly [Method, string, Handler]> = [];

  get(pattern: string, handler: Handler): this {
    this.routes.push(["get", pattern, handler]);
    return this;
  }

  post(pattern: string, handler: Handler): this {
    this.routes.push(["post", pattern, handler]);
    return this;
  }

  any(pattern: string, handler: Handler): this {
    this.routes.push(["any", pattern, handler]);
    return this;
  }

  patch(pattern: string, handler: Handler): this {
    this.routes.push(["patch", pattern, handler]);
    return this;
  }

  del(pattern: string, handler: Handler): this {
    this.routes.push(["del", pattern, handler]);
    return this;
  }

  /** Registers every route on `app`, in the order recorded (uWS matches the first of equal specificity). */
  applyTo(app: TemplatedApp): TemplatedApp {
    for (const [method, pattern, handler] of this.routes) app[method](pattern, handler);
    return app;
  }
}
