// Embeddings for upstreams with their own embeddings API (Gemini's batchEmbedContents, Ollama's /api/embed):
// the OpenAI request is translated, sent, and the answer translated back in one body. The translator comes
// with the generated provider (its kind decides it at build time).
import type { HttpUpstream, Target } from "../contract.ts";
import type { ClientResponse } from "../client/response.ts";
import { describeTransportError, isFallbackStatus } from "./failure-kind.ts";
import type { AttemptOutcome, AttemptRequest } from "./http.ts";
import { gatewayRequestHeaders } from "../upstream/request-headers.ts";
import type { AnyEmbeddingsTranslator } from "../translate/embeddings.ts";

const ERROR_TEXT_CAP = 300;

export async function translateEmbeddings(
  translator: AnyEmbeddingsTranslator,
  request: AttemptRequest,
  json: unknown,
  target: Target,
  upstream: HttpUpstream,
  path: string,
  client: ClientResponse,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const translated = translator.request(json as never, {
    clientModel: request.model,
    upstreamModel: target.model ?? request.model,
    requestId: request.requestId,
    now: Math.floor(Date.now() / 1000),
    options: { defaultMaxTokens: 0, unsupported: "drop", keepCacheControl: false },
  });
  const headers = { "content-type": "application/json", "x-switchyard-request-id": request.requestId };
  if (!translated.ok) {
    const body = translator.error(400, JSON.stringify({ error: { message: `invalid request at ${translated.problem.path}: ${translated.problem.message}` } }));
    client.send(400, headers, body);
    return { kind: "relayed", status: 400, latencyMs: 0, ttfbMs: performance.now() - request.receivedAt, summary: null, responseBody: body };
  }
  const auth = upstream.auth === null ? {} : (upstream.auth.cached() ?? (await upstream.auth.headers()));
  try {
    const response = await upstream.dispatcher.request({
      path,
      method: "POST",
      headers: gatewayRequestHeaders(upstream, { "content-type": "application/json", ...auth }),
      body: JSON.stringify(translated.body),
    });
    const text = await response.body.text();
    const latencyMs = performance.now() - started;
    if (client.aborted) return { kind: "client-gone", latencyMs };
    const status = response.statusCode;
    if (isFallbackStatus(status)) return { kind: "failed", status, latencyMs, reason: `HTTP ${status}: ${text.slice(0, ERROR_TEXT_CAP)}`, timeout: false };
    let body: string;
    if (status >= 300) body = translator.error(status, text);
    else {
      try {
        body = JSON.stringify(translator.response(JSON.parse(text), translated.state));
      } catch {
        return { kind: "failed", status, latencyMs, reason: `upstream answered ${status} with a body that is not JSON`, timeout: false };
      }
    }
    client.send(status, headers, body);
    return { kind: "relayed", status, latencyMs, ttfbMs: performance.now() - request.receivedAt, summary: null, responseBody: body };
  } catch (error) {
    const { reason, timeout } = describeTransportError(error);
    return { kind: "failed", status: null, latencyMs: performance.now() - started, reason, timeout };
  }
}
