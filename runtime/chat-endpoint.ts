// The chat endpoint, shared by both client APIs: read and check the body, find the route the generator
// compiled for the model, try its targets in order, and log one line. Everything route-specific (targets,
// renames, upstream URLs, headers) comes from generated objects; nothing here reads configuration.
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { ClientApi, Gateway, Route } from "./contract.ts";
import { ClientResponse } from "./client-response.ts";
import { errorBody, JSON_HEADERS, type ClientError } from "./client-errors.ts";
import { readBody } from "./read-body.ts";
import { bodyTooLarge, modelNotRouted, parseJsonBody } from "./json-request.ts";
import { attemptHttp, type AttemptOutcome, type AttemptRequest } from "./http-attempt.ts";
import { attemptScenario } from "./scenario-attempt.ts";
import { attemptCommand } from "./command/attempt.ts";
import { attemptTranslated, translateRequest } from "./translated-attempt.ts";
import { newRequestId, type AttemptRecord, type RequestLog, type RequestLogRecord } from "./request-log.ts";
import { collectForwardHeaders } from "./forward-headers.ts";
import { readClientIdentity, type ClientIdentity } from "./client-identity.ts";
import { usageFromBody, usageFromBodyTail } from "./usage.ts";
import { latencySample } from "./balance/sample.ts";

/** Status logged when the client went away before the response finished (nginx's convention). */
const CLIENT_CLOSED = 499;

interface Exchange {
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
}

export function createChatEndpoint(api: ClientApi, gateway: Gateway, log: RequestLog, inflight: Set<Promise<void>>) {
  const findRoute = api === "openai" ? gateway.router.openai : gateway.router.anthropic;
  const validate = gateway.validators[api];
  const bodyLimit = gateway.server.bodyLimitBytes;
  /** Routes may allow more than the server (`body_limit`): read up to the largest, then hold each route to its own. */
  const readLimit = Math.max(bodyLimit, gateway.router.maxBodyLimitBytes ?? 0);
  const logBodies = gateway.logs.bodies;

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
    };
    const headers = collectForwardHeaders(req, api);
    const identity = readClientIdentity(res, req);
    const declaredLength = Number(req.getHeader("content-length") || 0);
    const body = readBody(res, readLimit, declaredLength);
    const done = handle(exchange, headers, identity, body).catch((error: unknown) => {
      fail(exchange, { status: 500, message: `internal error: ${error instanceof Error ? error.message : String(error)}` }, []);
    });
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
  };

  async function handle(exchange: Exchange, headers: Record<string, string>, identity: ClientIdentity, bodyPromise: ReturnType<typeof readBody>) {
    const parsed = parseJsonBody(await bodyPromise, readLimit);
    exchange.raw = parsed.raw;
    if (!parsed.ok) return fail(exchange, parsed.error, []);
    const { raw, json } = parsed;
    const problem = validate(json);
    if (problem) {
      const where = problem.path ? ` at ${problem.path}` : "";
      return fail(exchange, { status: 400, message: `invalid request${where}: ${problem.message}`, param: problem.path.slice(1).replaceAll("/", ".") || undefined }, []);
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
      return fail(exchange, modelNotRouted(body.model), []);
    }
    exchange.route = route;
    const limit = route.bodyLimitBytes ?? bodyLimit;
    if (parsed.bytes.byteLength > limit) return fail(exchange, bodyTooLarge(limit), []);
    await forward(exchange, request, json, route);
  }

  async function forward(exchange: Exchange, request: AttemptRequest, json: unknown, route: Route) {
    const attempts: AttemptRecord[] = [];
    let allRateLimited = true;
    let allTimeouts = true;
    const balancer = route.balancer;
    for (const target of balancer === undefined ? route.targets : balancer.order(request.client)) {
      const upstream = target.upstream;
      const model = target.model ?? request.model;
      if (upstream.kind === "http" && !upstream.enabled) {
        attempts.push({ provider: upstream.name, model, status: null, latency_ms: 0, skipped: "provider disabled: its api key is empty" });
        allRateLimited = allTimeouts = false;
        continue;
      }
      let outcome: AttemptOutcome;
      let translated: AttemptRecord["translated"];
      balancer?.begin(target);
      if (upstream.kind === "scenario") {
        outcome = await attemptScenario(request, json, upstream, exchange.client);
      } else if (upstream.kind === "command") {
        outcome = await attemptCommand(request, json, upstream, exchange.client);
      } else if (target.translation === null) {
        outcome = await attemptHttp(request, target, upstream, exchange.client);
      } else {
        const result = translateRequest(request, json, target, target.translation);
        if (!result.ok) {
          balancer?.end(target, null, false);
          const where = result.path ? ` at ${result.path}` : "";
          return fail(exchange, { status: 400, message: `invalid request${where}: ${result.message}`, param: result.path.slice(1).replaceAll("/", ".") || undefined }, attempts);
        }
        translated = { to: upstream.api, dropped: result.value.state.dropped };
        outcome = await attemptTranslated(request, result.value, target.translation, upstream, exchange.client);
      }
      balancer?.end(target, latencySample(outcome, request.stream), outcome.kind === "failed");
      const attempt: AttemptRecord = {
        provider: upstream.name,
        model,
        status: outcome.kind === "failed" ? outcome.status : outcome.kind === "relayed" ? outcome.status : null,
        latency_ms: round(outcome.latencyMs),
      };
      if (translated) attempt.translated = translated;
      if (outcome.kind === "failed") attempt.error = outcome.reason;
      attempts.push(attempt);
      if (outcome.kind === "relayed") return finish(exchange, outcome, attempts);
      if (outcome.kind === "client-gone") return finishGone(exchange, attempts);
      if (outcome.status !== 429) allRateLimited = false;
      if (!outcome.timeout) allTimeouts = false;
    }
    const tried = attempts.map((a) => `${a.provider}:${a.model} → ${a.skipped ?? a.error ?? a.status}`).join("; ");
    const status = attempts.length > 0 && allRateLimited ? 429 : attempts.length > 0 && allTimeouts ? 504 : 502;
    fail(exchange, { status, code: "all_targets_failed", message: `every target of route ${route.id} failed: ${tried}` }, attempts);
  }

  function finish(exchange: Exchange, outcome: Extract<AttemptOutcome, { kind: "relayed" }>, attempts: AttemptRecord[]) {
    const record = baseRecord(exchange, outcome.status, attempts);
    record.upstream_latency_ms = round(outcome.latencyMs);
    record.ttfb_ms = round(outcome.ttfbMs);
    record.usage = outcome.summary?.usage ?? null;
    if (outcome.responseBody !== undefined) {
      const body = outcome.responseBody;
      record.response_body = body;
      // A whole body's usage is read after the response went out, on a later turn: parsed once, which
      // also tells the log it can splice the body in as is.
      setImmediate(() => {
        if (logBodies) {
          const parsed = usageFromBody(exchange.api, body);
          record.usage ??= parsed.usage;
          exchange.log.write(record, { requestBodyIsJson: true, responseBodyIsJson: parsed.json });
        } else {
          record.usage ??= usageFromBodyTail(exchange.api, body);
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
    exchange.log.write(record, { requestBodyIsJson: true });
  }

  function finishGone(exchange: Exchange, attempts: AttemptRecord[]) {
    const record = baseRecord(exchange, CLIENT_CLOSED, attempts);
    record.error = "client closed the connection before the response finished";
    exchange.log.write(record, { requestBodyIsJson: true });
  }

  function fail(exchange: Exchange, error: ClientError, attempts: AttemptRecord[]) {
    if (exchange.client.started) {
      // Headers already went out (an internal error mid-relay): all we can do is cut the connection.
      exchange.client.close();
    } else {
      exchange.client.send(error.status, { ...JSON_HEADERS, "x-switchyard-request-id": exchange.requestId }, errorBody(exchange.api, error));
    }
    const record = baseRecord(exchange, exchange.client.aborted ? CLIENT_CLOSED : error.status, attempts);
    record.error = error.message;
    exchange.log.write(record);
  }

  function baseRecord(exchange: Exchange, status: number, attempts: AttemptRecord[]): RequestLogRecord {
    const record: RequestLogRecord = {
      id: exchange.requestId,
      time: new Date(exchange.time).toISOString(),
      route: exchange.route?.id ?? null,
      api: exchange.api,
      path: exchange.path,
      model: exchange.model,
      stream: exchange.stream,
      attempts,
      status,
      latency_ms: round(performance.now() - exchange.receivedAt),
      upstream_latency_ms: null,
      ttfb_ms: null,
      usage: null,
    };
    if (exchange.raw !== undefined) record.request_body = exchange.raw;
    return record;
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
