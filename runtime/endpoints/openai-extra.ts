// POST /v1/embeddings and POST /v1/completions (legacy text completions): OpenAI-format endpoints routed by
// model like chat, through the same route table (routes that serve the openai API), with the same rate
// limits and the same target walk (runtime/attempts/target-walk.ts: balancing, circuit breakers, retries with
// backoff and Retry-After). Targets that speak the OpenAI format (OpenAI, Azure, OpenRouter, vLLM…) get the
// request passed through, streams included; Gemini and Ollama answer embeddings through their embeddings
// translators; a target whose kind has no such endpoint (Anthropic, scenario, command) is skipped and named
// in the log. Breakers, balancer state and retry budgets are the route's own, shared with its chat traffic;
// keys, budgets and cost accounting are chat's (runtime/access/, runtime/spend/).
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { Gateway, HttpUpstream, Route, Target } from "../contract.ts";
import { ClientResponse } from "../client/response.ts";
import { errorBody, JSON_HEADERS, type ClientError } from "../client/errors.ts";
import { collectForwardHeaders } from "../upstream/forward-headers.ts";
import { readClientIdentity, type RequestIdentity } from "../access/client-identity.ts";
import { attemptHttp, upstreamPath, type AttemptOutcome, type AttemptRequest, type Endpoint } from "../attempts/http.ts";
import { readBody } from "../client/read-body.ts";
import { bodyStalled, bodyTooLarge, invalidRequest, modelNotRouted, parseJsonBody } from "./json-request.ts";
import { baseRecord, recordError, CLIENT_CLOSED, newRequestId, roundMs, traceIdOf, type AttemptRecord, type LoggedRequest, type RequestLogRecord } from "../log/request-log.ts";
import { estimatedUsage, usageFromBody } from "../usage/usage.ts";
import { estimateInputTokens } from "../usage/token-estimate.ts";
import { translateEmbeddings } from "../attempts/embeddings-translated.ts";
import type { RateLimitTicket } from "../rate-limit/limiter.ts";
import { requestedMaxTokens, type Reservation } from "../spend/budget.ts";
import type { EndpointServices } from "../services.ts";
import type { RequestSpan } from "../observe/hooks.ts";
import { createTargetWalk, exhaustedError, exhaustedHeaders, Skip, type WalkSteps } from "../attempts/target-walk.ts";

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
  readonly identity: RequestIdentity;
  readonly traceId: string;
  readonly attempts: AttemptRecord[];
  served: Target | null;
  route: Route | null;
  model: string | null;
  stream: boolean;
  /** Logged once the request found its route. */
  raw: string | undefined;
  /** Tokens charged to rate limits before forwarding, settled from the response's usage. */
  ticket: RateLimitTicket | null;
  /** Held against the key's budget before forwarding, settled to the real cost. */
  reservation: Reservation | null;
  /** The input's estimate (for limits, a budget and the cost fallback). */
  inputTokens: number;
  readonly span: RequestSpan | null;
}

export function createOpenAIExtraEndpoint(endpoint: Exclude<Endpoint, "chat">, gateway: Gateway, services: EndpointServices) {
  const { record: recordRequest, tracing, inflight, limiter, resilience, gate, accounting, proxies } = services;
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
    const headers = collectForwardHeaders(req, "openai");
    const path = req.getUrl();
    const receivedAt = performance.now();
    const time = Date.now();
    const span = tracing === null ? null : tracing.start({ api: "openai", path, traceparent: headers.traceparent, receivedAt, time });
    const call: Call = {
      path,
      requestId: newRequestId(),
      receivedAt,
      api: "openai",
      time,
      client,
      identity: readClientIdentity(res, req, proxies),
      traceId: span === null ? traceIdOf(headers.traceparent) : span.traceId,
      span,
      attempts: [],
      served: null,
      route: null,
      model: null,
      stream: false,
      raw: undefined,
      ticket: null,
      reservation: null,
      inputTokens: 0,
    };
    const body = readBody(res, limit, Number(req.getHeader("content-length") || 0));
    const done = handle(call, headers, body).catch((error: unknown) => {
      fail(call, { status: 500, message: `internal error: ${error instanceof Error ? error.message : String(error)}` });
    });
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
  };

  async function handle(call: Call, headers: Record<string, string>, bodyPromise: ReturnType<typeof readBody>) {
    const read = await bodyPromise;
    // A body cut off mid-way ends the connection whoever sent it: what follows on it cannot be framed.
    if (!read.ok && read.reason === "timeout") return fail(call, bodyStalled());
    const identity = call.identity;
    const denied = gate.authenticate(identity);
    if (denied) return fail(call, denied);
    const parsed = parseJsonBody(read, limit);
    if (!parsed.ok) return fail(call, parsed.error);
    const json = parsed.json as Record<string, unknown>;
    if (typeof json !== "object" || json === null || Array.isArray(json)) return fail(call, invalidRequest("request body must be a JSON object"));
    if (typeof json.model !== "string") return fail(call, invalidRequest("invalid request at /model: must be a string", "model"));
    const model = json.model;
    call.model = model;
    if (json[field] === undefined) return fail(call, invalidRequest(`invalid request: must have required property '${field}'`, field));
    const route = findRoute(model, { headers, client: identity }, json);
    if (!route) return fail(call, modelNotRouted(model));
    call.route = route;
    const refused = gate.refuseModel(identity, model);
    if (refused) return fail(call, refused);
    const routeLimit = route.bodyLimitBytes ?? serverLimit;
    if (parsed.bytes.byteLength > routeLimit) return fail(call, bodyTooLarge(routeLimit));
    call.raw = parsed.raw;
    call.stream = json.stream === true;
    // Inputs are short next to chat prompts: estimated once, for limits, budget and the cost fallback alike.
    call.inputTokens = estimateInputTokens(json[field]);
    const account = identity.account;
    if (route.rateLimits !== null || (account !== null && account.rateLimit !== null)) {
      const verdict = await limiter.check(route.rateLimits, identity, call.inputTokens);
      if (!verdict.allowed) return fail(call, verdict.error, verdict.headers);
      call.client.extraHeaders = verdict.headers;
      call.ticket = verdict.ticket;
    }
    if (account !== null && account.budget !== null) {
      // Embeddings produce no output tokens; completions as many as max_tokens allows.
      const maxTokens = endpoint === "embeddings" ? 0 : requestedMaxTokens(json);
      const held = await accounting.reserve(identity, call.requestId, route, { model, promptTokens: call.inputTokens, maxTokens });
      if (held !== null && "error" in held) return fail(call, held.error, held.headers);
      call.reservation = held;
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
      case "client-gone": {
        const record = baseRecord(call, CLIENT_CLOSED);
        settle(call, record);
        return recordRequest(call, record);
      }
      case "stopped":
        return fail(call, end.error);
      case "exhausted":
        return fail(call, exhaustedError(route.id, end, call.attempts, `no target of route ${route.id} could answer ${endpoint}`), exhaustedHeaders(end));
    }
  }

  function finish(call: Call, outcome: Extract<AttemptOutcome, { kind: "relayed" }>) {
    const out = baseRecord(call, outcome.status);
    out.usage = outcome.summary?.usage ?? (outcome.responseBody !== undefined ? usageFromBody("openai", outcome.responseBody).usage : null);
    out.ttfb_ms = roundMs(outcome.ttfbMs);
    out.upstream_latency_ms = roundMs(outcome.latencyMs);
    if (endpoint === "completions" && outcome.responseBody !== undefined) out.response_body = outcome.responseBody;
    if (outcome.error) out.error = outcome.error;
    settle(call, out);
    recordRequest(call, out);
  }

  /**
   * Books what the response used: the rate limits' token estimate is settled to the reported usage (no
   * usage keeps the estimate), and the cost goes to the budget, the spend ledger and the log line.
   */
  function settle(call: Call, record: RequestLogRecord) {
    const usage = record.usage;
    if (call.ticket !== null && usage !== null) limiter.settle(call.ticket, usage.total_tokens);
    const cost = accounting.book({
      time: call.time,
      identity: call.identity,
      model: call.model!,
      target: call.served,
      status: record.status === CLIENT_CLOSED ? 200 : record.status,
      usage,
      fallbackUsage: usage === null ? estimatedUsage(call.inputTokens, 0) : null,
      reservation: call.reservation,
    });
    if (cost.usd !== null) record.cost_usd = cost.usd;
    if (cost.estimated) record.cost_estimated = true;
  }

  function fail(call: Call, error: ClientError, extraHeaders?: Record<string, string>) {
    // No upstream answered: nothing was used, so the tokens charged and the budget held go back.
    if (call.ticket !== null && !call.client.started) limiter.settle(call.ticket, 0);
    accounting.release(call.reservation);
    if (call.client.started) {
      // Headers already went out (an internal error mid-relay): all we can do is cut the connection.
      call.client.close();
    } else {
      call.client.send(error.status, { ...JSON_HEADERS, ...extraHeaders, "x-switchyard-request-id": call.requestId }, errorBody("openai", error), error.closeConnection);
    }
    const out = baseRecord(call, call.client.aborted ? CLIENT_CLOSED : error.status);
    recordError(out, error);
    recordRequest(call, out);
  }

}

