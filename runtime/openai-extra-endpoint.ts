// POST /v1/embeddings and POST /v1/completions (legacy text completions): OpenAI-format endpoints routed by
// model like chat, through the same route table (routes that serve the openai API), with the same rate
// limits and the same target walk (runtime/target-walk.ts: balancing, circuit breakers, retries with
// backoff and Retry-After). Targets that speak the OpenAI format (OpenAI, Azure, OpenRouter, vLLM…) get the
// request passed through, streams included; Gemini and Ollama answer embeddings through their embeddings
// translators; a target whose kind has no such endpoint (Anthropic, scenario, command) is skipped and named
// in the log. Breakers, balancer state and retry budgets are the route's own, shared with its chat traffic.
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { Gateway, HttpUpstream, Route } from "./contract.ts";
import { ClientResponse } from "./client-response.ts";
import { errorBody, JSON_HEADERS, type ClientError } from "./client-errors.ts";
import { collectForwardHeaders } from "./forward-headers.ts";
import { readClientIdentity, type ClientIdentity } from "./client-identity.ts";
import { attemptHttp, upstreamPath, type AttemptOutcome, type AttemptRequest, type Endpoint } from "./http-attempt.ts";
import { readBody } from "./read-body.ts";
import { bodyTooLarge, modelNotRouted, parseJsonBody } from "./json-request.ts";
import { baseRecord, CLIENT_CLOSED, newRequestId, roundMs, type AttemptRecord, type LoggedRequest, type RequestLog } from "./request-log.ts";
import { usageFromBody, type Usage } from "./usage.ts";
import { estimateInputTokens } from "./token-estimate.ts";
import { translateEmbeddings } from "./embeddings-translation.ts";
import type { RateLimiter, RateLimitTicket } from "./rate-limit/limiter.ts";
import type { Resilience } from "./resilience/resilience.ts";
import { createTargetWalk, describeAttempts, exhaustedHeaders, Skip, type WalkSteps } from "./target-walk.ts";

const NOTHING_DROPPED: readonly string[] = Object.freeze([]);

/** What the body must carry besides a string model. */
const REQUIRED_INPUT: Record<Exclude<Endpoint, "chat">, "input" | "prompt"> = { embeddings: "input", completions: "prompt" };

/** One request's state, which is also the walk's context. */
interface Call extends LoggedRequest {
  readonly path: string;
  readonly requestId: string;
  readonly receivedAt: number;
  readonly api: "openai";
  readonly time: number;
  readonly client: ClientResponse;
  readonly attempts: AttemptRecord[];
  route: Route | null;
  model: string | null;
  stream: boolean;
  /** Logged once the request found its route. */
  raw: string | undefined;
  /** Tokens charged to rate limits before forwarding, settled from the response's usage. */
  ticket: RateLimitTicket | null;
}

export function createOpenAIExtraEndpoint(
  endpoint: Exclude<Endpoint, "chat">,
  gateway: Gateway,
  log: RequestLog,
  inflight: Set<Promise<void>>,
  limiter: RateLimiter,
  resilience: Resilience,
) {
  const serverLimit = gateway.server.bodyLimitBytes;
  /** Routes may allow more than the server (`body_limit`): read up to the largest, then hold each route to its own. */
  const limit = Math.max(serverLimit, gateway.router.maxBodyLimitBytes ?? 0);
  const findRoute = gateway.router.openai;
  const field = REQUIRED_INPUT[endpoint];

  /**
   * Per target: null passes the request through to an OpenAI-format upstream; a path sends it through the
   * provider's embeddings translator; a target that has no such endpoint is skipped.
   */
  const steps: WalkSteps<Call, string | null> = {
    untriedStatus: 400,
    prepare(_call, request, _json, target) {
      const upstream = target.upstream;
      if (upstream.kind !== "http") return new Skip(`a ${upstream.kind} provider has no ${endpoint} endpoint`);
      const path = upstreamPath(request, target, upstream);
      if (path !== null && upstream.api === "openai") return null;
      if (path === null || endpoint !== "embeddings" || upstream.embeddings === null) return new Skip(`a ${upstream.api} provider has no ${endpoint} endpoint here`);
      return path;
    },
    // Embeddings translators map the input list and vectors one to one: nothing is ever dropped.
    translated: (path, target) => (path === null ? undefined : { to: (target.upstream as HttpUpstream).api, dropped: NOTHING_DROPPED }),
    attempt(call, request, json, target, path) {
      const upstream = target.upstream as HttpUpstream;
      if (path === null) return attemptHttp(request, target, upstream, call.client);
      return translateEmbeddings(upstream.embeddings!, request, json, target, upstream, path, call.client);
    },
  };
  const walkTargets = createTargetWalk(resilience, steps);

  return (res: HttpResponse, req: HttpRequest): void => {
    const client = new ClientResponse(res);
    /* uWS: the request object is only valid until the first await, so read everything now. */
    const call: Call = {
      path: req.getUrl(),
      requestId: newRequestId(),
      receivedAt: performance.now(),
      api: "openai",
      time: Date.now(),
      client,
      attempts: [],
      route: null,
      model: null,
      stream: false,
      raw: undefined,
      ticket: null,
    };
    const headers = collectForwardHeaders(req, "openai");
    const identity = readClientIdentity(res, req, client);
    const body = readBody(res, limit, Number(req.getHeader("content-length") || 0));
    const done = handle(call, headers, identity, body).catch((error: unknown) => {
      fail(call, { status: 500, message: `internal error: ${error instanceof Error ? error.message : String(error)}` });
    });
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
  };

  async function handle(call: Call, headers: Record<string, string>, identity: ClientIdentity, bodyPromise: ReturnType<typeof readBody>) {
    const parsed = parseJsonBody(await bodyPromise, limit);
    if (!parsed.ok) return fail(call, parsed.error);
    const json = parsed.json as Record<string, unknown>;
    if (typeof json !== "object" || json === null || Array.isArray(json)) return fail(call, { status: 400, message: "request body must be a JSON object" });
    if (typeof json.model !== "string") return fail(call, { status: 400, message: "invalid request at /model: must be a string", param: "model" });
    if (json[field] === undefined) return fail(call, { status: 400, message: `invalid request: must have required property '${field}'`, param: field });
    const model = json.model;
    call.model = model;
    const route = findRoute(model, { headers, client: identity }, json);
    if (!route) return fail(call, modelNotRouted(model));
    call.route = route;
    const routeLimit = route.bodyLimitBytes ?? serverLimit;
    if (parsed.bytes.byteLength > routeLimit) return fail(call, bodyTooLarge(routeLimit));
    call.raw = parsed.raw;
    call.stream = json.stream === true;
    if (route.rateLimits !== null) {
      const verdict = await limiter.check(route.rateLimits, identity, () => estimateInputTokens(json[field]));
      if (!verdict.allowed) return fail(call, verdict.error, verdict.headers);
      call.client.extraHeaders = verdict.headers;
      call.ticket = verdict.ticket;
    }
    const request: AttemptRequest = {
      api: "openai",
      endpoint,
      model,
      stream: call.stream,
      raw: parsed.raw,
      rawBytes: parsed.bytes,
      headers,
      client: identity,
      requestId: call.requestId,
      receivedAt: call.receivedAt,
      assemble: gateway.logs.bodies,
    };
    const end = await walkTargets(route, request, json, call);
    switch (end.kind) {
      case "relayed":
        return finish(call, end);
      case "client-gone":
        return log.write(baseRecord(call, CLIENT_CLOSED));
      case "stopped":
        return fail(call, end.error);
      case "exhausted": {
        const message = `no target of route ${route.id} could answer ${endpoint}: ${describeAttempts(call.attempts)}`;
        return fail(call, { status: end.status, code: "all_targets_failed", message }, exhaustedHeaders(end));
      }
    }
  }

  function finish(call: Call, outcome: Extract<AttemptOutcome, { kind: "relayed" }>) {
    const out = baseRecord(call, outcome.status);
    out.usage = outcome.summary?.usage ?? (outcome.responseBody !== undefined ? usageFromBody("openai", outcome.responseBody).usage : null);
    out.ttfb_ms = roundMs(outcome.ttfbMs);
    out.upstream_latency_ms = roundMs(outcome.latencyMs);
    if (endpoint === "completions" && outcome.responseBody !== undefined) out.response_body = outcome.responseBody;
    if (outcome.error) out.error = outcome.error;
    settle(call, out.usage);
    log.write(out);
  }

  /** Books the usage an upstream reported against the estimate charged; no usage reported keeps the estimate. */
  function settle(call: Call, usage: Usage | null) {
    if (call.ticket !== null && usage !== null) limiter.settle(call.ticket, usage.total_tokens);
  }

  function fail(call: Call, error: ClientError, extraHeaders?: Record<string, string>) {
    // No upstream answered: nothing was used, so the tokens charged go back.
    if (call.ticket !== null && !call.client.started) limiter.settle(call.ticket, 0);
    if (call.client.started) {
      // Headers already went out (an internal error mid-relay): all we can do is cut the connection.
      call.client.close();
    } else {
      call.client.send(error.status, { ...JSON_HEADERS, ...extraHeaders, "x-switchyard-request-id": call.requestId }, errorBody("openai", error));
    }
    const out = baseRecord(call, call.client.aborted ? CLIENT_CLOSED : error.status);
    out.error = error.message;
    log.write(out);
  }

}

