// One attempt against an HTTP target that speaks another API than the client: the request is translated
// before it leaves, and the answer is translated back on its way in. Whole bodies are parsed, translated
// and sent in one write; streams go event by event through the route's stream translator, each event's
// output written as soon as it is produced, with the same backpressure and abort rules as pass-through.
// Fallback rules are those of attempts/http.ts: nothing has reached the client until the first write.
import type { Dispatcher } from "undici";
import type { HttpUpstream, Target, Translation } from "../contract.ts";
import type { ClientResponse } from "../client/response.ts";
import { isFallbackStatus } from "./failure-kind.ts";
import type { AttemptOutcome, AttemptRequest } from "./http.ts";
import { AttemptSettle, ERROR_TEXT_CAP, type BrokenAt } from "./settle.ts";
import { parseRetryAfter } from "../resilience/retry-after.ts";
import { createLineSplitter } from "../streams/ndjson-lines.ts";
import { createSseReader } from "../streams/sse-events.ts";
import { createStreamTap, type ResponseSummary } from "../streams/stream-tap.ts";
import type { Usage } from "../usage/usage.ts";
import type { StreamTranslator, TranslationState } from "../translate/translator.ts";
import type { TargetTransforms } from "../transforms/types.ts";
import { createSseTransform, transformJsonText, transformJsonValue } from "../transforms/apply.ts";
import { translatedRequestHeaders } from "../upstream/request-headers.ts";

export interface TranslatedRequest {
  readonly body: string;
  readonly state: TranslationState;
  /** The model the target is asked for (some kinds put it in the URL). */
  readonly model: string;
}

/** Reads an upstream's stream event by event: SSE for most, newline-delimited JSON for Ollama. */
interface EventReader {
  push(chunk: Uint8Array): void;
  /** The stream ended: flush a last unterminated event. */
  end(): void;
}

export function attemptTranslated(
  request: AttemptRequest,
  translated: TranslatedRequest,
  translation: Translation,
  upstream: HttpUpstream,
  client: ClientResponse,
  transforms?: TargetTransforms,
): Promise<AttemptOutcome> {
  const { translator } = translation;
  /** Response rules apply on the client's side of the translation, to what the client receives. */
  const bodyTransform = transforms?.responseBody ?? null;
  const clientHeaders = (headers: Record<string, string>) => (transforms?.responseHeaders ? transforms.responseHeaders(headers) : headers);
  return new Promise((resolve) => {
    let status = 0;
    let accepted = false;
    let streaming = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let ttfbMs = -1;
    let tap: ReturnType<typeof createStreamTap> | null = null;
    let reader: EventReader | null = null;
    let stream: StreamTranslator | null = null;
    /** For provider-native streams: a tap over the translated output, fed by writeOut. */
    let clientSide: ReturnType<typeof createStreamTap> | null = null;
    let closeStream: () => void = () => {};
    /** Provider-native streams: the upstream's own usage, which the client-format stream may not carry. */
    let nativeUsage: (() => Usage | null) | undefined;
    let retryAfterMs: number | null = null;
    const attempt = new AttemptSettle(upstream, client, request.api, resolve);
    const { started } = attempt;
    const emit = (text: string) => {
      client.write(text);
      clientSide?.push(Buffer.from(text));
    };
    const rewriter = bodyTransform === null ? null : createSseTransform(bodyTransform, emit);
    const writeOut = (text: string) => {
      if (text === "") return;
      if (ttfbMs < 0) ttfbMs = performance.now() - request.receivedAt;
      if (rewriter !== null) rewriter.push(text);
      else emit(text);
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        attempt.requestStarted(controller);
      },

      onResponseStart(controller, statusCode, headers) {
        status = statusCode;
        if (isFallbackStatus(statusCode)) {
          retryAfterMs = parseRetryAfter(headers as Record<string, string | string[] | undefined>);
          return;
        }
        accepted = true;
        const contentType = String(headers["content-type"] ?? "");
        const isSse = contentType.startsWith("text/event-stream");
        const isNdjson = contentType.startsWith("application/x-ndjson");
        if (statusCode < 300 && (isSse || isNdjson)) {
          streaming = true;
          const events = translator.stream(translated.state);
          stream = events;
          if (upstream.api === "openai" || upstream.api === "anthropic") {
            // The log's summary comes from the upstream's own events (its usage is always there); the tap's
            // parser also feeds the translator, so each byte is parsed once.
            tap = createStreamTap(upstream.api, request.assemble, (event, data) => writeOut(events.event(event, data)));
            reader = { push: tap.push, end: () => void tap!.finish() };
          } else {
            // Provider-native streams: the summary is read from what the client receives.
            const clientTap = createStreamTap(request.api, request.assemble);
            tap = clientTap;
            clientSide = clientTap;
            nativeUsage = events.upstreamUsage;
            reader = isNdjson
              ? createLineSplitter((line) => writeOut(events.event(undefined, line)))
              : createSseReader((event, data) => writeOut(events.event(event, data)));
          }
          closeStream = () => {
            reader!.end();
            writeOut(events.end());
            rewriter?.end();
          };
          client.begin(statusCode, clientHeaders({ "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-switchyard-request-id": request.requestId }), controller);
        }
      },

      onResponseData(controller, chunk) {
        if (streaming) {
          reader!.push(chunk);
          // An event the translator could not read: the stream cannot go on (StreamTranslator.unreadable).
          if (stream!.unreadable !== null) attempt.unreadableStream(stream!.unreadable, brokenAt(), controller);
          return;
        }
        // A failed answer is kept only up to what its reason quotes (its first chunk is kept whatever its size).
        if (!accepted && size > ERROR_TEXT_CAP) return;
        size += chunk.length;
        if (size > upstream.responseLimitBytes) {
          // Held whole to be translated: past the provider's bound nothing more is kept, and the attempt fails
          // at once (the abort's error then finds it settled). The next target, with its own bound, may answer.
          chunks.length = 0;
          attempt.tooLarge(status, controller);
          return;
        }
        chunks.push(chunk);
      },

      onResponseEnd() {
        if (attempt.clientGone()) return;
        if (!accepted) return attempt.fallbackStatus(status, chunks, retryAfterMs);
        const latencyMs = performance.now() - started;
        const text = Buffer.concat(chunks).toString("utf8");
        if (streaming) {
          closeStream();
          // The last event, read only now that the stream ended, may be the unreadable one.
          if (stream!.unreadable !== null) return attempt.unreadableStream(stream!.unreadable, brokenAt(), null);
          const summary = withNativeUsage(tap!.finish(), nativeUsage);
          client.end();
          return attempt.settle({ kind: "relayed", status, latencyMs, ttfbMs: ttfbMs < 0 ? latencyMs : ttfbMs, summary, responseBody: undefined });
        }
        const headers = clientHeaders({ "content-type": "application/json", "x-switchyard-request-id": request.requestId });
        let body: string;
        if (status >= 300) {
          // The client's own mistake (400, 404, 422, …), said in the client's API.
          body = translator.error(status, text);
          if (bodyTransform !== null) body = transformJsonText(body, bodyTransform);
        } else {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            return attempt.settle({ kind: "failed", status, latencyMs, reason: `upstream answered ${status} with a body that is not JSON: ${text.slice(0, 100)}`, timeout: false });
          }
          const response = translator.response(parsed, translated.state);
          body = bodyTransform === null ? JSON.stringify(response) : transformJsonValue(response, bodyTransform);
        }
        client.send(status, headers, body);
        attempt.settle({ kind: "relayed", status, latencyMs, ttfbMs: performance.now() - request.receivedAt, summary: null, responseBody: body });
      },

      onResponseError(_controller, error) {
        attempt.transportError(error, brokenAt());
      },
    };

    /** Where the attempt stands, for an end that is not the upstream's own. */
    const brokenAt = (): BrokenAt => {
      const tapped = tap;
      const summary = () => (tapped !== null ? withNativeUsage(tapped.finish(), nativeUsage) : null);
      return { status, clientStarted: client.started, eventStream: streaming, ttfbMs, summary };
    };

    const dispatch = (auth: Readonly<Record<string, string>> | null) => {
      const headers = translatedRequestHeaders(request.headers, upstream, transforms?.requestHeaders, request.client.key);
      if (auth !== null) Object.assign(headers, auth);
      upstream.dispatcher.dispatch({ path: upstream.paths.chat(translated.model, request.stream), method: "POST", headers, body: translated.body }, handler);
    };
    if (upstream.auth === null) return dispatch(null);
    const cached = upstream.auth.cached();
    if (cached !== null) return dispatch(cached);
    upstream.auth.headers().then(dispatch, (error: unknown) => {
      attempt.fail(null, `credentials: ${error instanceof Error ? error.message : String(error)}`, false);
    });
  });
}

/** The log's usage for a provider-native stream: what the client saw, else what the upstream reported. */
function withNativeUsage(summary: ResponseSummary, nativeUsage: (() => Usage | null) | undefined): ResponseSummary {
  if (summary.usage !== null || nativeUsage === undefined) return summary;
  // Set in place: a copy would read (and so assemble) the summary's body now, on the response path.
  summary.usage = nativeUsage();
  return summary;
}

/** Translates the client's request for one target: the upstream body, or a problem to answer with 400. */
export function translateRequest(
  request: AttemptRequest,
  json: unknown,
  target: Target,
  translation: Translation,
): { ok: true; value: TranslatedRequest } | { ok: false; path: string; message: string } {
  const result = translation.translator.request(json, {
    clientModel: request.model,
    upstreamModel: target.model ?? request.model,
    requestId: request.requestId,
    now: Math.floor(Date.now() / 1000),
    options: translation.options,
  });
  if (!result.ok) return { ok: false, path: result.problem.path, message: result.problem.message };
  // Request rules apply to what the target receives: the translated body.
  const rules = target.transforms?.requestBody;
  const body = rules ? transformJsonValue(result.body, rules) : JSON.stringify(result.body);
  return { ok: true, value: { body, state: result.state, model: target.model ?? request.model } };
}
