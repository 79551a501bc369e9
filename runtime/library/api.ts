// The types of `import { createGateway } from "switchyard"`, as users see them: lib/index.d.ts is emitted from
// this file alone (generator/library-types.ts; `make golden` rewrites it, test/library/types.test.ts fails when
// it drifts), so the file imports nothing and declares every type it names. The gateway's side (embedded.ts,
// scenarios.ts) implements these types; lib/index.mjs implements createGateway.

export interface GatewayFromConfig {
  /** A routes.yaml to build as `switchyard build` does; a config that does not build rejects with routes.yaml:LINE:COL. */
  config: string;
  /** Which environment of the config to build (default "dev"). */
  env?: string;
  /** Folder for generated/ and dist/ (default: a temporary folder, removed by close()). */
  outDir?: string;
  bundle?: undefined;
  /** Variables for provider keys and SWITCHYARD_* settings, over process.env (which is left as it is). */
  environment?: Record<string, string>;
}

export interface GatewayFromBundle {
  /** A bundle built by `switchyard build`: dist/<env>/server.mjs. */
  bundle: string;
  config?: undefined;
  env?: undefined;
  outDir?: undefined;
  /** Variables for provider keys and SWITCHYARD_* settings, over process.env (which is left as it is). */
  environment?: Record<string, string>;
}

export type CreateGatewayOptions = GatewayFromConfig | GatewayFromBundle;

export interface Listening {
  readonly port: number;
  /** http://HOST:PORT, or https:// with server.tls. */
  readonly url: string;
  /** Stops accepting connections; requests already on open connections go on. */
  close(): void;
}

export interface ScenarioSource {
  /** A scenario file, relative to the working directory. */
  file?: string;
  /** The scenario's YAML itself. */
  yaml?: string;
  /** The name requests pick it by; loading the same name again replaces it. */
  name?: string;
}

export interface ScenarioDiagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
}

export interface ScenarioAssertion {
  session: string;
  /** "file:line" of the assert event. */
  at: string;
  kind: string;
  status: "passed" | "failed" | "pending";
  message: string;
}

export interface ScenarioReport {
  name: string;
  passed: boolean;
  assertions: ScenarioAssertion[];
}

export interface ScenarioStatus {
  name: string;
  sessions: Array<{ session: string; turn: number; timeMs: number; eventsLeft: number; assertions: { passed: number; failed: number; pending: number } }>;
}

export interface ScenarioHandle {
  readonly name: string;
  /** Send these with a request to a route served by a `scenario` provider to have this scenario answer it. */
  readonly headers: { readonly "x-switchyard-scenario": string };
  /** How many responses the scenario has. */
  readonly responses: number;
  /** Warnings from loading it (unknown keys, unknown assertion kinds), each at its line. */
  readonly warnings: readonly ScenarioDiagnostic[];
  /** The assertions checked so far, per session, and whether all passed. */
  report(): Promise<ScenarioReport>;
  /** Where each session is: turn, playback time, events left, assertion counts. */
  status(): Promise<ScenarioStatus>;
  /** Every session back to its first turn. */
  reset(): Promise<void>;
  /** Removes the scenario from the gateway. */
  unload(): Promise<void>;
}

export interface Gateway {
  /** The environment the bundle was built for. */
  readonly env: string;
  /** Whether model requests need a Switchyard client key (auth: auto resolved against the config's host). */
  readonly authRequired: boolean;
  /** The build's warnings, rendered with their lines ("" for none, and for a bundle). */
  readonly warnings: string;
  /**
   * Serves one request in-process: resolves once status and headers are ready, the body streaming after.
   * Aborting the request's signal (or cancelling the response body) cancels the upstream call.
   * `remoteAddress`: the client as logs, rate limits and trust_proxy see it (default 127.0.0.1).
   */
  handle(request: Request, options?: { remoteAddress?: string }): Promise<Response>;
  /** Opens a listener (uWebSockets.js, or node:http) serving the same gateway; default: the config's host and port. */
  listen(port?: number, host?: string): Promise<Listening>;
  /** The Prometheus text of GET /metrics. */
  metrics(): Promise<string>;
  /** Loads a scenario through the gateway's control API (/_switchyard/scenarios). */
  playScenario(source: ScenarioSource): Promise<ScenarioHandle>;
  /** Closes listeners, drains in-flight requests, flushes the request log, closes upstream pools and the store. */
  close(): Promise<void>;
}

export declare function createGateway(options: CreateGatewayOptions): Promise<Gateway>;
