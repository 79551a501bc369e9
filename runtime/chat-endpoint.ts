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
import { attemptTranslated, translateRequest, type TranslatedRequest } from "./translated-attempt.ts";
import { newRequestId, type AttemptRecord, type RequestLog, type RequestLogRecord } from "./request-log.ts";
import { collectForwardHeaders } from "./forward-headers.ts";
import { readClientIdentity, type ClientIdentity } from "./client-identity.ts";
import { usageFromBody, usageFromBodyTail, type Usage } from "./usage.ts";
import { estimatePromptTokens } from "./token-estimate.ts";
import type { RateLimiter, RateLimitTicket } from "./rate-limit/limiter.ts";
import { pause, type Resilience } from "./resilience/resilience.ts";

const NO_RETRY = Object.freeze({ stop: "not an HTTP target" });
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
  /** Tokens charged to rate limits before forwarding, settled from the response's usage. */
  ticket: RateLimitTicket | null;
}

export function createChatEndpoint(api: ClientApi, gateway: Gateway, log: RequestLog, inflight: Set<Promise<void>>, limiter: RateLimiter, resilience: Resilience) {
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
      ticket: null,
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
    if (route.rateLimits !== null) {
      const verdict = await limiter.check(route.rateLimits, identity, estimatePromptTokens(json));
      if (!verdict.allowed) return fail(exchange, verdict.error, [], verdict.headers);
      exchange.client.extraHeaders = verdict.headers;
      exchange.ticket = verdict.ticket;
    }
    await forward(exchange, request, json, route);
  }

  async function forward(exchange: Exchange, request: AttemptRequest, json: unknown, route: Route) {
    const attempts: AttemptRecord[] = [];
    let allRateLimited = true;
    let allTimeouts = true;
    resilience.begin(route);
    const balancer = route.balancer;
    for (const target of balancer === undefined ? route.targets : balancer.order(request.client)) {
      const upstream = target.upstream;
      const model = target.model ?? request.model;
      if (upstream.kind === "http" && !upstream.enabled) {
        attempts.push({ provider: upstream.name, model, status: null, latency_ms: 0, skipped: "provider disabled: its api key is empty" });
        allRateLimited = allTimeouts = false;
        continue;
      }
      let translated: AttemptRecord["translated"];
      let prepared: TranslatedRequest | undefined;
      if (upstream.kind === "http" && target.translation !== null) {
        const result = translateRequest(request, json, target, target.translation);
        if (!result.ok) {
          const where = result.path ? ` at ${result.path}` : "";
          return fail(exchange, { status: 400, message: `invalid request${where}: ${result.message}`, param: result.path.slice(1).replaceAll("/", ".") || undefined }, attempts);
        }
        translated = { to: upstream.api, dropped: result.value.state.dropped };
        prepared = result.value;
      }
      // Tries on this target: retried while nothing reached the client, the failure is retryable, the route's
      // policy and budget allow it and the breaker stays closed; then the next target.
      let backoffMs = 0;
      let last: { status: number | null; timeout: boolean } | null = null;
      for (let retry = 0; ; retry++) {
        const admission = resilience.admit(route, target);
        if (!admission.ok) {
          if (retry === 0) {
            attempts.push({ provider: upstream.name, model, status: null, latency_ms: 0, skipped: admission.reason });
            allRateLimited = allTimeouts = false;
          } else attempts[attempts.length - 1]!.no_retry = admission.reason;
          break;
        }
        let outcome: AttemptOutcome;
        balancer?.begin(target);
        try {
          if (upstream.kind === "scenario") outcome = await attemptScenario(request, json, upstream, exchange.client);
          else if (upstream.kind === "command") outcome = await attemptCommand(request, json, upstream, exchange.client);
          else if (prepared === undefined) outcome = await attemptHttp(request, target, upstream, exchange.client);
          else outcome = await attemptTranslated(request, prepared, target.translation!, upstream, exchange.client, target.transforms);
        } catch (error) {
          resilience.record(route, target, "cancelled", admission.probe);
          balancer?.end(target, null, false);
          throw error;
        }
        balancer?.end(target, latencySample(outcome, request.stream), outcome.kind === "failed");
        const broken = outcome.kind === "failed" || (outcome.kind === "relayed" && outcome.error !== undefined);
        resilience.record(route, target, outcome.kind === "client-gone" ? "cancelled" : broken ? "failure" : "success", admission.probe);
        const attempt: AttemptRecord = {
          provider: upstream.name,
          model,
          status: outcome.kind === "failed" ? outcome.status : outcome.kind === "relayed" ? outcome.status : null,
          latency_ms: round(outcome.latencyMs),
        };
        if (retry > 0) {
          attempt.retry = retry;
          attempt.backoff_ms = backoffMs;
        }
        if (translated) attempt.translated = translated;
        if (outcome.kind === "failed") attempt.error = outcome.reason;
        attempts.push(attempt);
        if (outcome.kind === "relayed") return finish(exchange, outcome, attempts);
        if (outcome.kind === "client-gone") return finishGone(exchange, attempts);
        // Only HTTP targets are retried: a scenario or a local command fails the same way twice.
        const decision =
          upstream.kind === "http"
            ? resilience.decide(route, { status: outcome.status, timeout: outcome.timeout, retryAfterMs: outcome.retryAfterMs ?? null }, retry + 1)
            : NO_RETRY;
        last = outcome;
        if ("stop" in decision) {
          if (route.retry.maxAttempts > 1 && decision !== NO_RETRY) attempt.no_retry = decision.stop;
          break;
        }
        backoffMs = decision.waitMs;
        if (!(await pause(backoffMs, exchange.client))) return finishGone(exchange, attempts);
      }
      // The target's last try decides what the client is told if every target fails.
      if (last !== null) {
        if (last.status !== 429) allRateLimited = false;
        if (!last.timeout) allTimeouts = false;
      }
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

  function finishGone(exchange: Exchange, attempts: AttemptRecord[]) {
    const record = baseRecord(exchange, CLIENT_CLOSED, attempts);
    record.error = "client closed the connection before the response finished";
    exchange.log.write(record, { requestBodyIsJson: true });
  }

  /** Books the usage an upstream reported against the estimate charged; no usage reported keeps the estimate. */
  function settle(exchange: Exchange, usage: Usage | null) {
    if (exchange.ticket !== null && usage !== null) limiter.settle(exchange.ticket, usage.total_tokens);
  }

  function fail(exchange: Exchange, error: ClientError, attempts: AttemptRecord[], extraHeaders?: Record<string, string>) {
    // No upstream answered: nothing was used, so the tokens charged go back.
    if (exchange.ticket !== null && !exchange.client.started) limiter.settle(exchange.ticket, 0);
    if (exchange.client.started) {
      // Headers already went out (an internal error mid-relay): all we can do is cut the connection.
      exchange.client.close();
    } else {
      exchange.client.send(error.status, { ...JSON_HEADERS, ...extraHeaders, "x-switchyard-request-id": exchange.requestId }, errorBody(exchange.api, error));
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
