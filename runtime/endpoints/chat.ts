// The chat endpoint, shared by both client APIs: read the body, check the client's key (runtime/access/),
// check the body, find the route the generator compiled for the model, check the key may use it, check
// rate limits, reserve against the key's budget (runtime/spend/), walk the route's targets
// (runtime/attempts/target-walk.ts: balancing, breakers, retries), book what it cost and log one line. Everything
// route-specific (targets, renames, upstream URLs, headers, prices) comes from generated objects; nothing
// here reads configuration.
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { ClientApi, Gateway, Route, Target } from "../contract.ts";
import { ClientResponse } from "../client/response.ts";
import { errorBody, JSON_HEADERS, type ClientError } from "../client/errors.ts";
import { readBody } from "../client/read-body.ts";
import { bodyStalled, bodyTooLarge, invalidRequest, modelNotRouted, parseJsonBody } from "./json-request.ts";
import { attemptHttp, type AttemptOutcome, type AttemptRequest } from "../attempts/http.ts";
import { attemptScenario } from "../attempts/scenario.ts";
import { attemptCommand } from "../command/attempt.ts";
import { attemptTranslated, translateRequest, type TranslatedRequest } from "../attempts/translated.ts";
import { baseRecord, recordError, CLIENT_CLOSED, newRequestId, roundMs, streamResponse, traceIdOf, type AttemptRecord, type LoggedRequest, type RequestLogRecord } from "../log/request-log.ts";
import { collectForwardHeaders } from "../upstream/forward-headers.ts";
import { readClientIdentity, type RequestIdentity } from "../access/client-identity.ts";
import { estimatedUsage, usageFromBody, usageFromBodyTail } from "../usage/usage.ts";
import { estimatePromptTokens, estimateTokens } from "../usage/token-estimate.ts";
import type { RateLimitTicket } from "../rate-limit/limiter.ts";
import type { ResponseSummary } from "../streams/stream-tap.ts";
import { requestedMaxTokens, type Reservation } from "../spend/budget.ts";
import type { EndpointServices } from "../services.ts";
import type { RequestSpan } from "../observe/hooks.ts";
import { attemptViaChat, chatForResponses, type ChatForResponses } from "./responses-via-chat.ts";
import { createTargetWalk, exhaustedError, exhaustedHeaders, Stop, type WalkEnd, type WalkSteps } from "../attempts/target-walk.ts";
import type { ResponseCapture } from "../scenario/record/capture.ts";


interface Exchange extends LoggedRequest {
  readonly api: ClientApi;
  readonly path: string;
  readonly requestId: string;
  readonly receivedAt: number;
  readonly time: number;
  readonly client: ClientResponse;
  readonly identity: RequestIdentity;
  readonly traceId: string;
  model: string | null;
  stream: boolean;
  route: Route | null;
  raw: string | undefined;
  /** Tokens charged to rate limits before forwarding, settled from the response's usage. */
  ticket: RateLimitTicket | null;
  /** Held against the key's budget before forwarding, settled to the real cost. */
  reservation: Reservation | null;
  /** The parsed body, once valid: the cost's fallback estimates its prompt when the upstream reports no usage. */
  json: unknown;
  /** The prompt estimate, once something needed it (rate limits, a budget, the cost fallback); -1 before. */
  promptTokens: number;
  /** The target walk's tries and skips (runtime/attempts/target-walk.ts). */
  readonly attempts: AttemptRecord[];
  /** The target whose response went to the client. */
  served: Target | null;
  readonly span: RequestSpan | null;
  /** On a route with `record:`, what went to the client (runtime/scenario/record/); null otherwise. */
  capture: ResponseCapture | null;
  /** The request's forwardable headers (the recording's session header). */
  headers: Readonly<Record<string, string>> | null;
}

export function createChatEndpoint(api: ClientApi, gateway: Gateway, services: EndpointServices) {
  const { record: recordRequest, tracing, inflight, limiter, resilience, gate, accounting, proxies, scenarios } = services;
  const findRoute = gateway.router[api];
  const validate = gateway.validators[api];
  const bodyLimit = gateway.server.bodyLimitBytes;
  /** Routes may allow more than the server (`body_limit`): read up to the largest, then hold each route to its own. */
  const readLimit = Math.max(bodyLimit, gateway.router.maxBodyLimitBytes ?? 0);
  const logBodies = gateway.logs.bodies;

  /**
   * Per target: translate once when the target speaks another API; each kind of upstream tries its own way.
   * Scenario and command targets render chat or messages themselves: a Responses request reaches them as
   * chat, and their output is translated back (runtime/endpoints/responses-via-chat.ts).
   */
  const steps: WalkSteps<Exchange, TranslatedRequest | ChatForResponses | undefined> = {
    untriedStatus: 502,
    prepare(_exchange, request, json, target) {
      if (target.upstream.kind !== "http") return api === "responses" ? chatForResponses(request, json) : undefined;
      if (target.translation === null) return undefined;
      const result = translateRequest(request, json, target, target.translation);
      if (result.ok) return result.value;
      const where = result.path ? ` at ${result.path}` : "";
      return new Stop({ status: 400, message: `invalid request${where}: ${result.message}`, param: result.path.slice(1).replaceAll("/", ".") || undefined });
    },
    translated(prepared, target) {
      return prepared === undefined || target.upstream.kind !== "http" ? undefined : { to: target.upstream.api, dropped: prepared.state.dropped };
    },
    attempt(exchange, request, json, target, prepared) {
      const upstream = target.upstream;
      if (upstream.kind === "scenario") {
        if (prepared !== undefined) return attemptViaChat(prepared as ChatForResponses, exchange.client, (r, j, sink) => attemptScenario(r, j, upstream, sink, scenarios));
        return attemptScenario(request, json, upstream, exchange.client, scenarios);
      }
      if (upstream.kind === "command") {
        if (prepared !== undefined) return attemptViaChat(prepared as ChatForResponses, exchange.client, (r, j, sink) => attemptCommand(r, j, upstream, sink));
        return attemptCommand(request, json, upstream, exchange.client);
      }
      if (prepared === undefined) return attemptHttp(request, target, upstream, exchange.client);
      return attemptTranslated(request, prepared as TranslatedRequest, target.translation!, upstream, exchange.client, target.transforms);
    },
  };
  const walkTargets = createTargetWalk(resilience, steps);

  return (res: HttpResponse, req: HttpRequest): void => {
    const client = new ClientResponse(res);
    /* uWS: the request object is only valid until the first await, so read everything now. */
    const headers = collectForwardHeaders(req, api);
    const path = req.getUrl();
    const receivedAt = performance.now();
    const time = Date.now();
    const span = tracing === null ? null : tracing.start({ api, path, traceparent: headers.traceparent, receivedAt, time });
    const exchange: Exchange = {
      api,
      path,
      requestId: newRequestId(),
      receivedAt,
      time,
      client,
      identity: readClientIdentity(res, req, proxies),
      traceId: span === null ? traceIdOf(headers.traceparent) : span.traceId,
      span,
      model: null,
      stream: false,
      route: null,
      raw: undefined,
      ticket: null,
      reservation: null,
      json: undefined,
      promptTokens: -1,
      attempts: [],
      served: null,
      capture: null,
      headers: null,
    };
    const declaredLength = Number(req.getHeader("content-length") || 0);
    const body = readBody(res, readLimit, declaredLength);
    const done = handle(exchange, headers, body).catch((error: unknown) => {
      fail(exchange, { status: 500, message: `internal error: ${error instanceof Error ? error.message : String(error)}` });
    });
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
  };

  async function handle(exchange: Exchange, headers: Record<string, string>, bodyPromise: ReturnType<typeof readBody>) {
    const read = await bodyPromise;
    // A body cut off mid-way ends the connection whoever sent it: what follows on it cannot be framed.
    if (!read.ok && read.reason === "timeout") return fail(exchange, bodyStalled());
    const identity = exchange.identity;
    // The key first: a client without one learns nothing about the body or the routes.
    const denied = gate.authenticate(identity);
    if (denied) return fail(exchange, denied);
    const parsed = parseJsonBody(read, readLimit);
    exchange.raw = parsed.raw;
    if (!parsed.ok) return fail(exchange, parsed.error);
    const { raw, json } = parsed;
    const problem = validate(json);
    if (problem) {
      // The log names the model asked for when the body names one, even if something else in it is wrong.
      const named = (json as { model?: unknown } | null)?.model;
      if (typeof named === "string") exchange.model = named;
      const where = problem.path ? ` at ${problem.path}` : "";
      return fail(exchange, invalidRequest(`invalid request${where}: ${problem.message}`, problem.path.slice(1).replaceAll("/", ".") || undefined));
    }
    const body = json as { model: string; stream?: boolean };
    exchange.json = json;
    exchange.model = body.model;
    exchange.stream = body.stream === true;
    const request: AttemptRequest = {
      api: exchange.api,
      model: body.model,
      stream: exchange.stream,
      raw,
      rawBytes: parsed.bytes,
      headers,
      client: identity,
      requestId: exchange.requestId,
      receivedAt: exchange.receivedAt,
      assemble: logBodies,
    };
    const route = findRoute(body.model, request, json);
    if (!route) {
      return fail(exchange, modelNotRouted(body.model));
    }
    exchange.route = route;
    const refused = gate.refuseModel(identity, body.model);
    if (refused) return fail(exchange, refused);
    if (route.record !== undefined && exchange.api !== "responses") {
      // Recorded routes only: the client response tells the capture what it sends (runtime/scenario/record/).
      exchange.capture = route.record.capture(exchange.receivedAt);
      exchange.client.observer = exchange.capture;
      exchange.headers = headers;
    }
    const limit = route.bodyLimitBytes ?? bodyLimit;
    if (parsed.bytes.byteLength > limit) return fail(exchange, bodyTooLarge(limit));
    const account = identity.account;
    if (route.rateLimits !== null || (account !== null && account.rateLimit !== null)) {
      const verdict = await limiter.check(route.rateLimits, identity, () => promptTokens(exchange));
      if (!verdict.allowed) return fail(exchange, verdict.error, verdict.headers);
      exchange.client.extraHeaders = verdict.headers;
      exchange.ticket = verdict.ticket;
    }
    if (account !== null && account.budget !== null) {
      const held = await accounting.reserve(identity, exchange.requestId, route, { model: body.model, promptTokens: promptTokens(exchange), maxTokens: requestedMaxTokens(json) });
      if (held !== null && "error" in held) return fail(exchange, held.error, held.headers);
      exchange.reservation = held;
      // The streamed text is the cost's fallback when the upstream reports no usage.
      request.assemble = true;
    }
    conclude(exchange, route, await walkTargets(route, request, json, exchange));
  }

  function promptTokens(exchange: Exchange): number {
    if (exchange.promptTokens < 0) exchange.promptTokens = estimatePromptTokens(exchange.json);
    return exchange.promptTokens;
  }

  function conclude(exchange: Exchange, route: Route, end: WalkEnd) {
    switch (end.kind) {
      case "relayed":
        return finish(exchange, end);
      case "client-gone":
        return finishGone(exchange);
      case "stopped":
        return fail(exchange, end.error);
      case "exhausted":
        return fail(exchange, exhaustedError(route.id, end, exchange.attempts, `every target of route ${route.id} failed`), exhaustedHeaders(end));
    }
  }

  function finish(exchange: Exchange, outcome: Extract<AttemptOutcome, { kind: "relayed" }>) {
    if (exchange.capture !== null) finishRecording(exchange, outcome);
    const record = baseRecord(exchange, outcome.status);
    record.upstream_latency_ms = roundMs(outcome.latencyMs);
    record.ttfb_ms = roundMs(outcome.ttfbMs);
    record.usage = outcome.summary?.usage ?? null;
    if (outcome.summary?.usageEstimated) record.usage_estimated = true;
    // An answer that is itself an error (a scenario's strict-mode stop) is logged as one, body or not.
    if (outcome.error) record.error = outcome.error;
    if (outcome.responseBody !== undefined) {
      const body = outcome.responseBody;
      record.response_body = body;
      // A whole body's usage is read after the response went out, on a later turn: parsed once, which
      // also tells the log it can splice the body in as is.
      setImmediate(() => {
        if (logBodies) {
          const parsed = usageFromBody(exchange.api, body);
          record.usage ??= parsed.usage;
          settle(exchange, record, null);
          recordRequest(exchange, record, { requestBodyIsJson: true, responseBodyIsJson: parsed.json });
        } else {
          record.usage ??= usageFromBodyTail(exchange.api, body);
          settle(exchange, record, null);
          recordRequest(exchange, record);
        }
      });
      return;
    }
    settle(exchange, record, outcome.summary);
    if (outcome.summary && logBodies) {
      // A stream's bytes go to the log's thread, which assembles them. Scenario and command summaries come
      // assembled: their text is logged.
      const stream = outcome.summary.stream;
      if (stream !== undefined) record.response_stream = { api: stream.api, bytes: stream.bytes, finishReason: outcome.summary.finishReason };
      else record.response = streamResponse(outcome.summary);
    }
    recordRequest(exchange, record, { requestBodyIsJson: true });
  }

  /** A complete 2xx answer goes to the route's recording, which writes it later, off this path. */
  function finishRecording(exchange: Exchange, outcome: Extract<AttemptOutcome, { kind: "relayed" }>) {
    const capture = exchange.capture!;
    if (outcome.error !== undefined || outcome.status < 200 || outcome.status >= 300 || capture.pieces.length === 0) return;
    const session = exchange.headers?.["x-switchyard-session"] || exchange.identity.keyId || "default";
    exchange.route!.record!.finish({ api: exchange.api as "openai" | "anthropic", stream: exchange.stream, body: exchange.json, session, capture, redact: gateway.logs.redact });
  }

  function finishGone(exchange: Exchange) {
    const record = baseRecord(exchange, CLIENT_CLOSED);
    record.error = "client closed the connection before the response finished";
    // The upstream may have begun generating: the prompt, at least, is spent.
    settle(exchange, record, null);
    recordRequest(exchange, record, { requestBodyIsJson: true });
  }

  /**
   * Books what the response used: the rate limits' token estimate is settled to the reported usage (no
   * usage keeps the estimate), and the cost goes to the budget, the spend ledger and the log line.
   */
  function settle(exchange: Exchange, record: RequestLogRecord, summary: ResponseSummary | null) {
    const usage = record.usage;
    if (exchange.ticket !== null && usage !== null) limiter.settle(exchange.ticket, usage.total_tokens);
    const cost = accounting.book({
      time: exchange.time,
      identity: exchange.identity,
      model: exchange.model!,
      target: exchange.served,
      status: record.status === CLIENT_CLOSED ? 200 : record.status,
      usage,
      fallbackUsage: usage === null ? estimatedUsage(promptTokens(exchange), summary === null ? 0 : outputTokens(summary)) : null,
      reservation: exchange.reservation,
    });
    if (cost.usd !== null) record.cost_usd = cost.usd;
    if (cost.estimated) record.cost_estimated = true;
  }

  function fail(exchange: Exchange, error: ClientError, extraHeaders?: Record<string, string>) {
    // No upstream answered: nothing was used, so the tokens charged and the budget held go back.
    if (exchange.ticket !== null && !exchange.client.started) limiter.settle(exchange.ticket, 0);
    accounting.release(exchange.reservation);
    if (exchange.client.started) {
      // Headers already went out (an internal error mid-relay): all we can do is cut the connection.
      exchange.client.close();
    } else {
      exchange.client.send(error.status, { ...JSON_HEADERS, ...extraHeaders, "x-switchyard-request-id": exchange.requestId }, errorBody(exchange.api, error), error.closeConnection);
    }
    const record = baseRecord(exchange, exchange.client.aborted ? CLIENT_CLOSED : error.status);
    recordError(record, error);
    recordRequest(exchange, record);
  }

}

/**
 * Output tokens of a streamed response, estimated from its characters: as the tap counted them during the
 * stream (reading the text would assemble it here, on the event loop), else from an assembled summary.
 */
function outputTokens(summary: ResponseSummary): number {
  if (summary.outputChars !== undefined) return estimateTokens(summary.outputChars);
  let chars = summary.text.length + summary.reasoning.length;
  for (const call of summary.toolCalls) chars += call.name.length + call.arguments.length;
  return estimateTokens(chars);
}
