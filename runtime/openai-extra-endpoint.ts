// POST /v1/embeddings and POST /v1/completions (legacy text completions): OpenAI-format endpoints routed by
// model like chat, through the same route table (routes that serve the openai API). Targets that speak the
// OpenAI format (OpenAI, Azure, OpenRouter, vLLM…) get the request passed through with fallback, streams
// included; Gemini and Ollama answer embeddings through their embeddings translators; a target whose kind
// has no such endpoint (Anthropic, scenario, command) is skipped and named in the log.
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { Gateway, HttpUpstream, Target } from "./contract.ts";
import { ClientResponse } from "./client-response.ts";
import { errorBody, JSON_HEADERS, type ClientError } from "./client-errors.ts";
import { collectForwardHeaders } from "./forward-headers.ts";
import { readClientIdentity } from "./client-identity.ts";
import { attemptHttp, upstreamPath, type AttemptOutcome, type AttemptRequest, type Endpoint } from "./http-attempt.ts";
import { readBody } from "./read-body.ts";
import { modelNotRouted, parseJsonBody } from "./json-request.ts";
import { newRequestId, type AttemptRecord, type RequestLog, type RequestLogRecord } from "./request-log.ts";
import { usageFromBody } from "./usage.ts";
import { translateEmbeddings } from "./embeddings-translation.ts";

/** What the body must carry besides a string model. */
const REQUIRED_INPUT: Record<Exclude<Endpoint, "chat">, string> = { embeddings: "input", completions: "prompt" };

export function createOpenAIExtraEndpoint(endpoint: Exclude<Endpoint, "chat">, gateway: Gateway, log: RequestLog, inflight: Set<Promise<void>>) {
  const limit = gateway.server.bodyLimitBytes;
  const findRoute = gateway.router.openai;

  return (res: HttpResponse, req: HttpRequest): void => {
    const client = new ClientResponse(res);
    /* uWS: the request object is only valid until the first await, so read everything now. */
    const path = req.getUrl();
    const headers = collectForwardHeaders(req, "openai");
    const identity = readClientIdentity(res, req);
    const body = readBody(res, limit, Number(req.getHeader("content-length") || 0));
    const requestId = newRequestId();
    const receivedAt = performance.now();
    const time = new Date().toISOString();
    const record = (status: number, attempts: AttemptRecord[], extra: Partial<RequestLogRecord>): RequestLogRecord => ({
      id: requestId, time, route: null, api: "openai", path, model: null, stream: false, attempts, status,
      latency_ms: Math.round((performance.now() - receivedAt) * 1000) / 1000, upstream_latency_ms: null, ttfb_ms: null, usage: null, ...extra,
    });
    const fail = (error: ClientError, attempts: AttemptRecord[], extra: Partial<RequestLogRecord> = {}) => {
      client.send(error.status, { ...JSON_HEADERS, "x-switchyard-request-id": requestId }, errorBody("openai", error));
      log.write(record(client.aborted ? 499 : error.status, attempts, { ...extra, error: error.message }));
    };

    const done = (async () => {
      const parsed = parseJsonBody(await body, limit);
      if (!parsed.ok) return fail(parsed.error, []);
      const raw = parsed.raw;
      const json = parsed.json as Record<string, unknown>;
      if (typeof json !== "object" || json === null || Array.isArray(json)) return fail({ status: 400, message: "request body must be a JSON object" }, []);
      if (typeof json.model !== "string") return fail({ status: 400, message: "invalid request at /model: must be a string", param: "model" }, []);
      const field = REQUIRED_INPUT[endpoint];
      if (json[field] === undefined) return fail({ status: 400, message: `invalid request: must have required property '${field}'`, param: field }, []);
      const model = json.model;
      const route = findRoute(model, { headers, client: identity }, json);
      if (!route) return fail(modelNotRouted(model), [], { model });
      const stream = json.stream === true;
      const request: AttemptRequest = {
        api: "openai", endpoint, model, stream, raw, rawBytes: parsed.bytes, headers, client: identity, requestId, receivedAt, assemble: gateway.logs.bodies,
      };
      const attempts: AttemptRecord[] = [];
      for (const target of route.targets) {
        const upstream = target.upstream;
        const skip = (reason: string) => attempts.push({ provider: upstream.name, model: target.model ?? model, status: null, latency_ms: 0, skipped: reason });
        if (upstream.kind !== "http") {
          skip(`a ${upstream.kind} provider has no ${endpoint} endpoint`);
          continue;
        }
        if (!upstream.enabled) {
          skip("provider disabled: its api key is empty");
          continue;
        }
        const outcome = await attemptTarget(endpoint, request, json, target, upstream, client);
        if (outcome === null) {
          skip(`a ${upstream.api} provider has no ${endpoint} endpoint here`);
          continue;
        }
        const attempt: AttemptRecord = { provider: upstream.name, model: target.model ?? model, status: outcome.kind === "client-gone" ? null : outcome.status, latency_ms: Math.round(outcome.latencyMs * 1000) / 1000 };
        if (outcome.kind === "failed") attempt.error = outcome.reason;
        attempts.push(attempt);
        if (outcome.kind === "client-gone") return log.write(record(499, attempts, { route: route.id, model, stream, request_body: raw }));
        if (outcome.kind === "relayed") {
          const usage = outcome.summary?.usage ?? (outcome.responseBody !== undefined ? usageFromBody("openai", outcome.responseBody).usage : null);
          return log.write(
            record(outcome.status, attempts, {
              route: route.id, model, stream, request_body: raw, usage, ttfb_ms: outcome.ttfbMs, upstream_latency_ms: outcome.latencyMs,
              ...(endpoint === "completions" && outcome.responseBody !== undefined ? { response_body: outcome.responseBody } : {}),
              ...(outcome.error ? { error: outcome.error } : {}),
            }),
          );
        }
      }
      const tried = attempts.map((a) => `${a.provider}:${a.model} → ${a.skipped ?? a.error ?? a.status}`).join("; ");
      const status = attempts.some((a) => a.status !== null || a.error) ? 502 : 400;
      fail({ status, code: "all_targets_failed", message: `no target of route ${route.id} could answer ${endpoint}: ${tried}` }, attempts, { route: route.id, model, request_body: raw });
    })().catch((error: unknown) => {
      if (!client.started) client.send(500, JSON_HEADERS, errorBody("openai", { status: 500, message: `internal error: ${String(error)}` }));
      else client.close();
    });
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
  };
}

/** One target: pass-through for OpenAI-format upstreams, an embeddings translator for the others; null when it cannot answer. */
function attemptTarget(endpoint: Exclude<Endpoint, "chat">, request: AttemptRequest, json: Record<string, unknown>, target: Target, upstream: HttpUpstream, client: ClientResponse): Promise<AttemptOutcome> | null {
  if (upstream.api === "openai") return upstreamPath(request, target, upstream) === null ? null : attemptHttp(request, target, upstream, client);
  if (endpoint !== "embeddings") return null;
  const translator = upstream.embeddings;
  const path = upstreamPath(request, target, upstream);
  if (translator === null || path === null) return null;
  return translateEmbeddings(translator, request, json, target, upstream, path, client);
}
