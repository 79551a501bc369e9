// The chat endpoint, shared by both client APIs: read and check the body, find the route the generator
// compiled for the model, check its rate limits, walk its targets (runtime/target-walk.ts: balancing,
// breakers, retries), and log one line. Everything route-specific (targets, renames, upstream URLs,
// headers) comes from generated objects; nothing here reads configuration.
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { ClientApi, Gateway, HttpUpstream, Route } from "./contract.ts";
import { ClientResponse } from "./client-response.ts";
import { errorBody, JSON_HEADERS, type ClientError } from "./client-errors.ts";
import { readBody } from "./read-body.ts";
import { bodyTooLarge, modelNotRouted, parseJsonBody } from "./json-request.ts";
import { attemptHttp, type AttemptOutcome, type AttemptRequest } from "./http-attempt.ts";
import { attemptScenario } from "./scenario-attempt.ts";
import { attemptCommand } from "./command/attempt.ts";
import { attemptTranslated, translateRequest, type TranslatedRequest } from "./translated-attempt.ts";
import { baseRecord, CLIENT_CLOSED, newRequestId, roundMs, type AttemptRecord, type LoggedRequest, type RequestLog } from "./request-log.ts";
import { collectForwardHeaders } from "./forward-headers.ts";
import { readClientIdentity, type ClientIdentity } from "./client-identity.ts";
import { usageFromBody, usageFromBodyTail, type Usage } from "./usage.ts";
import { estimatePromptTokens } from "./token-estimate.ts";
import type { RateLimiter, RateLimitTicket } from "./rate-limit/limiter.ts";
import type { Resilience } from "./resilience/resilience.ts";
import { createTargetWalk, describeAttempts, exhaustedHeaders, Stop, type WalkEnd, type WalkSteps } from "./target-walk.ts";


interface Exchange extends LoggedRequest {
  readonly api: ClientApi;
  readonly path: string;
  readonly requestId: string;
  readonly receivedAt: number;
  readonly time: number;
  readonly client: ClientResponse;
  readonly log: RequestLog;
  model: string | null;
  stream: boolean;
  route: Route | null;
  raw: string | undefined;
  /** Tokens charged to rate limits before forwarding, settled from the response's usage. */
  ticket: RateLimitTicket | null;
  /** The target walk's tries and skips (runtime/target-walk.ts). */
  readonly attempts: AttemptRecord[];
}

export function createChatEndpoint(api: ClientApi, gateway: Gateway, log: RequestLog, inflight: Set<Promise<void>>, limiter: RateLimiter, resilience: Resilience) {
  const findRoute = api === "openai" ? gateway.router.openai : gateway.router.anthropic;
  const validate = gateway.validators[api];
  const bodyLimit = gateway.server.bodyLimitBytes;
  /** Routes may allow more than the server (`body_limit`): read up to the largest, then hold each route to its own. */
  const readLimit = Math.max(bodyLimit, gateway.router.maxBodyLimitBytes ?? 0);
  const logBodies = gateway.logs.bodies;

  /** Per target: translate once when the target speaks another API; each kind of upstream tries its own way. */
  const steps: WalkSteps<Exchange, TranslatedRequest | undefined> = {
    untriedStatus: 502,
    prepare(_exchange, request, json, target) {
      if (target.upstream.kind !== "http" || target.translation === null) return undefined;
      const result = translateRequest(request, json, target, target.translation);
      if (result.ok) return result.value;
      const where = result.path ? ` at ${result.path}` : "";
      return new Stop({ status: 400, message: `invalid request${where}: ${result.message}`, param: result.path.slice(1).replaceAll("/", ".") || undefined });
    },
    translated(prepared, target) {
      return prepared === undefined ? undefined : { to: (target.upstream as HttpUpstream).api, dropped: prepared.state.dropped };
    },
    attempt(exchange, request, json, target, prepared) {
      const upstream = target.upstream;
      if (upstream.kind === "scenario") return attemptScenario(request, json, upstream, exchange.client);
      if (upstream.kind === "command") return attemptCommand(request, json, upstream, exchange.client);
      if (prepared === undefined) return attemptHttp(request, target, upstream, exchange.client);
      return attemptTranslated(request, prepared, target.translation!, upstream, exchange.client, target.transforms);
    },
  };
  const walkTargets = createTargetWalk(resilience, steps);

  return (res: HttpResponse, req: HttpRequest): void => {
    const client = new ClientResponse(res);
    /* uWS: the request object is only valid until the first await, so read everything now. */
    const exchange: Exchange = {
      api,
      path: req.getUrl(),
      requestId: newRequestId(),
      receivedAt: performance.now(),
      time: Date.now(),
      client,
      log,
      model: null,
      stream: false,
      route: null,
      raw: undefined,
      ticket: null,
      attempts: [],
    };
    const headers = collectForwardHeaders(req, api);
    const identity = readClientIdentity(res, req, client);
    const declaredLength = Number(req.getHeader("content-length") || 0);
    const body = readBody(res, readLimit, declaredLength);
    const done = handle(exchange, headers, identity, body).catch((error: unknown) => {
      fail(exchange, { status: 500, message: `internal error: ${error instanceof Error ? error.message : String(error)}` });
    });
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
  };

  async function handle(exchange: Exchange, headers: Record<string, string>, identity: ClientIdentity, bodyPromise: ReturnType<typeof readBody>) {
    const parsed = parseJsonBody(await bodyPromise, readLimit);
    exchange.raw = parsed.raw;
    if (!parsed.ok) return fail(exchange, parsed.error);
    const { raw, json } = parsed;
    const problem = validate(json);
    if (problem) {
      const where = problem.path ? ` at ${problem.path}` : "";
      return fail(exchange, { status: 400, message: `invalid request${where}: ${problem.message}`, param: problem.path.slice(1).replaceAll("/", ".") || undefined });
    }
    const body = json as { model: string; stream?: boolean };
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
    const limit = route.bodyLimitBytes ?? bodyLimit;
    if (parsed.bytes.byteLength > limit) return fail(exchange, bodyTooLarge(limit));
    if (route.rateLimits !== null) {
      const verdict = await limiter.check(route.rateLimits, identity, () => estimatePromptTokens(json));
      if (!verdict.allowed) return fail(exchange, verdict.error, verdict.headers);
      exchange.client.extraHeaders = verdict.headers;
      exchange.ticket = verdict.ticket;
    }
    conclude(exchange, route, await walkTargets(route, request, json, exchange));
  }

  function conclude(exchange: Exchange, route: Route, end: WalkEnd) {
    switch (end.kind) {
      case "relayed":
        return finish(exchange, end);
      case "client-gone":
        return finishGone(exchange);
      case "stopped":
        return fail(exchange, end.error);
      case "exhausted": {
        const message = `every target of route ${route.id} failed: ${describeAttempts(exchange.attempts)}`;
        return fail(exchange, { status: end.status, code: "all_targets_failed", message }, exhaustedHeaders(end));
      }
    }
  }

  function finish(exchange: Exchange, outcome: Extract<AttemptOutcome, { kind: "relayed" }>) {
    const record = baseRecord(exchange, outcome.status);
    record.upstream_latency_ms = roundMs(outcome.latencyMs);
    record.ttfb_ms = roundMs(outcome.ttfbMs);
    record.usage = outcome.summary?.usage ?? null;
    if (outcome.summary?.usageEstimated) record.usage_estimated = true;
    if (outcome.responseBody !== undefined) {
      const body = outcome.responseBody;
      record.response_body = body;
      // A whole body's usage is read after the response went out, on a later turn: parsed once, which
      // also tells the log it can splice the body in as is.
      setImmediate(() => {
        if (logBodies) {
          const parsed = usageFromBody(exchange.api, body);
          record.usage ??= parsed.usage;
          settle(exchange, record.usage);
          exchange.log.write(record, { requestBodyIsJson: true, responseBodyIsJson: parsed.json });
        } else {
          record.usage ??= usageFromBodyTail(exchange.api, body);
          settle(exchange, record.usage);
          exchange.log.write(record);
        }
      });
      return;
    }
    if (outcome.summary) {
      record.response = {
        text: outcome.summary.text,
        finish_reason: outcome.summary.finishReason,
        ...(outcome.summary.reasoning ? { reasoning: outcome.summary.reasoning } : {}),
        ...(outcome.summary.toolCalls.length ? { tool_calls: outcome.summary.toolCalls } : {}),
      };
    }
    if (outcome.error) record.error = outcome.error;
    settle(exchange, record.usage);
    exchange.log.write(record, { requestBodyIsJson: true });
  }

  function finishGone(exchange: Exchange) {
    const record = baseRecord(exchange, CLIENT_CLOSED);
    record.error = "client closed the connection before the response finished";
    exchange.log.write(record, { requestBodyIsJson: true });
  }

  /** Books the usage an upstream reported against the estimate charged; no usage reported keeps the estimate. */
  function settle(exchange: Exchange, usage: Usage | null) {
    if (exchange.ticket !== null && usage !== null) limiter.settle(exchange.ticket, usage.total_tokens);
  }

  function fail(exchange: Exchange, error: ClientError, extraHeaders?: Record<string, string>) {
    // No upstream answered: nothing was used, so the tokens charged go back.
    if (exchange.ticket !== null && !exchange.client.started) limiter.settle(exchange.ticket, 0);
    if (exchange.client.started) {
      // Headers already went out (an internal error mid-relay): all we can do is cut the connection.
      exchange.client.close();
    } else {
      exchange.client.send(error.status, { ...JSON_HEADERS, ...extraHeaders, "x-switchyard-request-id": exchange.requestId }, errorBody(exchange.api, error));
    }
    const record = baseRecord(exchange, exchange.client.aborted ? CLIENT_CLOSED : error.status);
    record.error = error.message;
    exchange.log.write(record);
  }

}

