// POST /v1/messages/count_tokens, which Claude Code calls before every turn. When the route's first usable
// target is Anthropic itself, the question goes there; otherwise (an OpenAI-format upstream, a scenario, or
// an Anthropic upstream that does not implement the endpoint) it is answered here with an estimate. An
// upstream that cannot count is never treated as a failed target: this endpoint does no fallback at all.
//
// It does not take part in the target walk (runtime/attempts/target-walk.ts) on purpose. Claude Code asks it before
// every turn and an estimate is always a valid answer, so: a target whose circuit breaker is open is passed
// over (logged as skipped) without taking the half-open probe; nothing is retried; the answer feeds no
// breaker, balancer or retry budget (a 5xx here must not open a breaker on the route's chat traffic); and
// rate limits and budgets do not apply (a count is not a request to the model, and would halve a
// per-minute allowance). Keys do: a key that may not use the model may not count for it either.
// Targets are taken in priority order, never through the balancer, whose rotation it would disturb.
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { Gateway, HttpUpstream, Route, Target } from "../contract.ts";
import { ClientResponse } from "../client/response.ts";
import { errorBody, JSON_HEADERS, type ClientError } from "../client/errors.ts";
import { collectForwardHeaders } from "../upstream/forward-headers.ts";
import { readClientIdentity } from "../access/client-identity.ts";
import type { EndpointServices } from "../services.ts";
import { spliceModel } from "../upstream/model-splice.ts";
import { upstreamRequestHeaders } from "../upstream/request-headers.ts";
import { readBody } from "../client/read-body.ts";
import { bodyStalled, bodyTooLarge, invalidRequest, modelNotRouted, parseJsonBody } from "./json-request.ts";
import { baseRecord, recordError, newRequestId, traceIdOf, type AttemptRecord } from "../log/request-log.ts";
import type { Resilience } from "../resilience/resilience.ts";
import type { AttemptSpan } from "../observe/hooks.ts";
import { estimatePromptTokens } from "../usage/token-estimate.ts";

const COUNT_PATH_SUFFIX = "/count_tokens";

/**
 * The target that would answer the next message: the first one neither disabled nor behind an open
 * breaker. The breaker's state is only read; open-breaker targets passed over are added to `skipped`.
 */
function firstUsableTarget(route: Route, resilience: Resilience, skipped: AttemptRecord[], model: string): Target | undefined {
  const now = Date.now();
  for (const target of route.targets) {
    const upstream = target.upstream;
    if (upstream.kind === "http" && !upstream.enabled) continue;
    const retryAt = resilience.retryAt(route, target, target.model ?? model);
    if (retryAt !== null && retryAt > now) {
      skipped.push({ provider: upstream.name, model: target.model ?? model, status: null, latency_ms: 0, skipped: "circuit open" });
      continue;
    }
    return target;
  }
  return undefined;
}

/** The upstream's own count when it is Anthropic and can count; null means estimate locally. */
async function askUpstream(upstream: HttpUpstream, target: Target, raw: string, headers: Record<string, string>, clientKey: string | null, span: AttemptSpan | null) {
  // The route's header rules and bring-your-own-key apply here as on the messages it counts for.
  const body = target.modelJson === null ? raw : (spliceModel(raw, target.modelJson) ?? raw);
  try {
    const response = await upstream.dispatcher.request({
      path: upstream.paths.chat(target.model ?? "", false) + COUNT_PATH_SUFFIX,
      method: "POST",
      headers: upstreamRequestHeaders(headers, upstream, target.transforms?.requestHeaders, clientKey),
      body,
    });
    const text = await response.body.text();
    span?.end(response.statusCode, undefined);
    // 2xx: the count. 400: the request's own fault, which the client should see. Anything else
    // (404 from a server without the endpoint, auth, 5xx): estimate instead.
    if (response.statusCode < 300 || response.statusCode === 400) return { status: response.statusCode, text };
    return null;
  } catch (error) {
    span?.end(null, error instanceof Error ? error.message : String(error));
    return null;
  }
}

export function createCountTokensEndpoint(gateway: Gateway, services: EndpointServices) {
  const { record: recordRequest, tracing, inflight, resilience, gate, proxies } = services;
  const serverLimit = gateway.server.bodyLimitBytes;
  /** As for messages: read up to the largest route `body_limit`, then hold the request to its route's. */
  const limit = Math.max(serverLimit, gateway.router.maxBodyLimitBytes ?? 0);

  return (res: HttpResponse, req: HttpRequest): void => {
    const client = new ClientResponse(res);
    /* uWS: the request object is only valid until the first await, so read everything now. */
    const headers = collectForwardHeaders(req, "anthropic");
    const identity = readClientIdentity(res, req, proxies);
    const body = readBody(res, limit, Number(req.getHeader("content-length") || 0));
    const path = req.getUrl();
    const receivedAt = performance.now();
    const time = Date.now();
    const span = tracing === null ? null : tracing.start({ api: "anthropic", path, traceparent: headers.traceparent, receivedAt, time });
    const request = {
      api: "anthropic" as const,
      path,
      requestId: newRequestId(),
      receivedAt,
      time,
      span,
      traceId: span === null ? traceIdOf(headers.traceparent) : span.traceId,
      identity,
      attempts: [] as AttemptRecord[],
      route: null as Route | null,
      model: null as string | null,
      stream: false,
      raw: undefined,
    };
    const attempts = request.attempts;
    const done = (async () => {
      const reply = (status: number, text: string, error?: ClientError, estimate?: { input_tokens: number }) => {
        client.send(status, { ...JSON_HEADERS, "x-switchyard-request-id": request.requestId }, text, error?.closeConnection);
        const record = baseRecord(request, status);
        if (error) recordError(record, error);
        if (estimate) record.estimate = estimate;
        recordRequest(request, record);
      };
      const fail = (error: ClientError) => reply(error.status, errorBody("anthropic", error), error);

      const read = await body;
      // A body cut off mid-way ends the connection whoever sent it: what follows on it cannot be framed.
      if (!read.ok && read.reason === "timeout") return fail(bodyStalled());
      const denied = gate.authenticate(identity);
      if (denied) return fail(denied);
      const parsed = parseJsonBody(read, limit);
      if (!parsed.ok) return fail(parsed.error);
      const raw = parsed.raw;
      const json = parsed.json as { model?: unknown; system?: unknown; messages?: unknown; tools?: unknown } | null;
      if (typeof json !== "object" || json === null || typeof json.model !== "string") return fail(invalidRequest("invalid request at /model: must be a string"));
      request.model = json.model;
      if (!Array.isArray(json.messages)) return fail(invalidRequest("invalid request at /messages: must be an array"));
      // The route a messages request with this body would take, conditions (`when:`) included.
      const route = gateway.router.anthropic(json.model, { headers, client: identity }, json);
      if (!route) return fail(modelNotRouted(json.model));
      request.route = route;
      const refused = gate.refuseModel(identity, json.model);
      if (refused) return fail(refused);
      const routeLimit = route.bodyLimitBytes ?? serverLimit;
      if (parsed.bytes.byteLength > routeLimit) return fail(bodyTooLarge(routeLimit));
      const target = firstUsableTarget(route, resilience, attempts, json.model);
      if (target && target.upstream.kind === "http" && target.translation === null) {
        const span = request.span === null ? null : request.span.attempt(target, target.model ?? json.model, 0, json);
        // The upstream continues this ask's span, as chat tries do.
        if (span !== null) headers.traceparent = span.traceparent;
        const answer = await askUpstream(target.upstream, target, raw, headers, identity.key, span);
        if (answer) return reply(answer.status, answer.text);
      }
      const inputTokens = estimatePromptTokens(json);
      reply(200, JSON.stringify({ input_tokens: inputTokens }), undefined, { input_tokens: inputTokens });
    })().catch((error: unknown) => {
      client.send(500, JSON_HEADERS, errorBody("anthropic", { status: 500, message: `internal error: ${String(error)}` }));
    });
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
  };
}
