// OpenTelemetry traces: runtime/observe/hooks.ts's Tracing on the OpenTelemetry SDK (a BasicTracerProvider with a
// BatchSpanProcessor) exporting OTLP/HTTP JSON. One SERVER span per request, named "{operation} {model}" as the
// GenAI semantic conventions name spans; one CLIENT span per upstream try, its child, whose traceparent the
// target walk sends upstream so the provider's spans nest under the try that caused them. Retries and
// fallbacks are events on the request span, with the reason. An incoming W3C traceparent is continued: the
// request span is its child and the request log's trace_id is the span's trace id.
//
// Only the generated main.ts of a bundle whose routes.yaml has `telemetry:` imports this file, so bundles
// without it carry no OpenTelemetry code and a request pays one null check. With it, the request path only
// creates spans and sets attributes; serialisation and the HTTP export happen in the processor's batches.
//
// What never reaches a span: provider keys, client keys (the key id only), the OTLP headers, bodies. Error
// texts (which may quote an upstream's answer) go through the request log's redaction first.
// @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
// @see https://www.w3.org/TR/trace-context/#traceparent-header
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import type { Gateway, TelemetrySettings, Target, Upstream } from "../contract.ts";
import type { RequestLogRecord } from "../log/request-log.ts";
import { redactSecrets, registerSecret } from "../log/secrets.ts";
import { requestedMaxTokens } from "../spend/budget.ts";
import type { AttemptSpan, RequestSpan, SpanStart, Tracing } from "./hooks.ts";
import { endpointText } from "./endpoint-text.ts";

export interface TracingOptions {
  /** Replaces the OTLP exporter (tests). */
  exporter?: SpanExporter;
  /** Where export trouble is reported, once per outage. Default console.error. */
  warn?: (message: string) => void;
  /** Bound on the final flush at shutdown. Default 5000 ms. */
  shutdownTimeoutMs?: number;
}

/** gen_ai.operation.name per endpoint; count_tokens has no well-known value, so it gets its own. */
function operationOf(path: string): string {
  if (path.endsWith("/count_tokens")) return "count_tokens";
  if (path.endsWith("/embeddings")) return "embeddings";
  if (path.endsWith("/chat/completions") || path.endsWith("/messages")) return "chat";
  if (path.endsWith("/completions")) return "text_completion";
  return "chat";
}

/** gen_ai.provider.name: the semantic conventions' well-known values where one applies, by API and host. */
function providerNameOf(upstream: Upstream): string {
  if (upstream.kind !== "http") return `switchyard.${upstream.kind}`;
  const host = hostOf(upstream.origin);
  switch (upstream.api) {
    case "anthropic":
      return "anthropic";
    case "gemini":
      return host.endsWith("aiplatform.googleapis.com") ? "gcp.vertex_ai" : "gcp.gemini";
    case "ollama":
      return "ollama";
    default:
      return host.endsWith(".openai.azure.com") ? "azure.ai.openai" : "openai";
  }
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).hostname;
  } catch {
    return "";
  }
}

/** What every try on one upstream shares, built once at start so a try copies it rather than works it out. */
interface UpstreamFacts {
  readonly attributes: Attributes;
  /** The scenario provider runs in this process: INTERNAL, as the conventions say for in-process models. */
  readonly kind: SpanKind;
}

function upstreamFacts(upstream: Upstream): UpstreamFacts {
  const attributes: Attributes = { "gen_ai.provider.name": providerNameOf(upstream), "switchyard.provider": upstream.name };
  if (upstream.kind === "http") {
    try {
      const url = new URL(upstream.origin);
      attributes["server.address"] = url.hostname;
      attributes["server.port"] = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
    } catch {
      // An origin that is not a URL cannot have been dialled either; the span just lacks the address.
    }
  }
  return { attributes: Object.freeze(attributes), kind: upstream.kind === "scenario" ? SpanKind.INTERNAL : SpanKind.CLIENT };
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-|$)/;
const ZERO_TRACE = "00000000000000000000000000000000";
const ZERO_SPAN = "0000000000000000";

/** The context an incoming traceparent names, or the root (a new trace) when it is absent or invalid. */
function parentContext(traceparent: string | undefined): Context {
  if (traceparent === undefined) return ROOT_CONTEXT;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (match === null) return ROOT_CONTEXT;
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  // Version ff is forbidden; version 00 has nothing after the flags; all-zero ids are invalid.
  if (version === "ff" || (version === "00" && traceparent.trim().length !== 55) || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true });
}

/** error.type: low cardinality, as the conventions ask: the HTTP status, else the kind of transport failure. */
function errorType(status: number | null, reason: string): string {
  if (status !== null && status >= 400) return String(status);
  if (/timeout|timed out/i.test(reason)) return "timeout";
  if (reason.startsWith("client closed")) return "cancelled";
  const code = /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(reason);
  return code === null ? "_OTHER" : code[1]!;
}

/** Status messages are for people; an upstream's whole error body is not. */
const MAX_MESSAGE = 512;

/** Redacted before it is cut, so a key that straddles the cut cannot leave its first half behind. */
function statusMessage(text: string): string {
  const redacted = redactSecrets(text);
  return redacted.length > MAX_MESSAGE ? redacted.slice(0, MAX_MESSAGE) + "…" : redacted;
}

/** The response's own id and model, from the head of a whole JSON body (both APIs put them before the content). */
const RESPONSE_FIELD = /"(id|model)"\s*:\s*"([^"\\]{1,256})"/g;
const RESPONSE_HEAD = 1024;

function responseIdentity(body: string, span: Span): void {
  const head = body.length > RESPONSE_HEAD ? body.slice(0, RESPONSE_HEAD) : body;
  RESPONSE_FIELD.lastIndex = 0;
  let id = false;
  let model = false;
  // The first of each: a later "id" is a tool call's or a content block's.
  for (let match = RESPONSE_FIELD.exec(head); match !== null && !(id && model); match = RESPONSE_FIELD.exec(head)) {
    if (match[1] === "id" ? id : model) continue;
    if (match[1] === "id") id = true;
    else model = true;
    span.setAttribute(match[1] === "id" ? "gen_ai.response.id" : "gen_ai.response.model", match[2]!);
  }
}

/** The request settings the conventions name, read once from the client's body (absent ones are left out). */
function requestSettings(body: unknown): Attributes {
  const out: Attributes = {};
  if (typeof body !== "object" || body === null) return out;
  const maxTokens = requestedMaxTokens(body);
  if (maxTokens !== null) out["gen_ai.request.max_tokens"] = maxTokens;
  const { temperature, top_p, top_k } = body as { temperature?: unknown; top_p?: unknown; top_k?: unknown };
  if (typeof temperature === "number") out["gen_ai.request.temperature"] = temperature;
  if (typeof top_p === "number") out["gen_ai.request.top_p"] = top_p;
  if (typeof top_k === "number") out["gen_ai.request.top_k"] = top_k;
  return out;
}

/**
 * Reports export failures and recoveries once each, so a collector that is down does not flood stderr at
 * the batch rate; the spans of a failed batch are dropped (the processor's queue is bounded).
 */
class ReportingExporter implements SpanExporter {
  private failing = false;

  constructor(
    private readonly inner: SpanExporter,
    private readonly where: string,
    private readonly warn: (message: string) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) {
        if (!this.failing) {
          this.failing = true;
          const why = result.error === undefined ? "unknown error" : statusMessage(result.error.message);
          this.warn(`switchyard: trace export to ${this.where} failed (${why}); spans are dropped until it works again`);
        }
      } else if (this.failing) {
        this.failing = false;
        this.warn(`switchyard: trace export to ${this.where} works again`);
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

function samplerFor(ratio: number): Sampler {
  const root = ratio >= 1 ? new AlwaysOnSampler() : ratio <= 0 ? new AlwaysOffSampler() : new TraceIdRatioBasedSampler(ratio);
  // A continued trace keeps its caller's decision, so a trace is never recorded in pieces.
  return new ParentBasedSampler({ root });
}

/** Tries and skips of one request, in order: what the next retry or fallback event says happened before it. */
interface Previous {
  readonly target: string;
  readonly reason: string;
  /** performance.now() when it ended, for the wait before a retry. */
  readonly endedAt: number;
}

class TracedAttempt implements AttemptSpan {
  readonly traceparent: string;

  constructor(
    private readonly request: TracedRequest,
    private readonly span: Span,
    private readonly upstream: Upstream,
    private readonly target: string,
  ) {
    const context = span.spanContext();
    this.traceparent = `00-${context.traceId}-${context.spanId}-0${context.traceFlags & TraceFlags.SAMPLED}`;
  }

  end(status: number | null, error: string | undefined): void {
    const span = this.span;
    const failed = error !== undefined || status === null || status >= 400;
    if (span.isRecording()) {
      if (status !== null) span.setAttribute("http.response.status_code", status);
      if (failed) {
        const reason = error ?? `HTTP ${status}`;
        span.setAttribute("error.type", errorType(status, reason));
        span.setStatus({ code: SpanStatusCode.ERROR, message: statusMessage(reason) });
      }
    }
    span.end();
    this.request.tried(this.upstream, this.target, status, failed ? (error ?? `HTTP ${status}`) : null);
  }
}

class TracedRequest implements RequestSpan {
  readonly traceId: string;
  /** The context whose span is this request's: the parent of every try; made at the first. */
  private context: Context | null = null;
  /** The client's request settings, read at the first try and copied onto every try. */
  private settings: Attributes | null = null;
  private previous: Previous | null = null;
  /** The upstream of the last try that got an answer: the request's provider. */
  private served: Upstream | null = null;

  constructor(
    private readonly tracing: OtelTracing,
    private readonly span: Span,
    private readonly operation: string,
    private readonly receivedAt: number,
  ) {
    this.traceId = span.spanContext().traceId;
  }

  attempt(target: Target, model: string, retry: number, body: unknown): AttemptSpan {
    const upstream = target.upstream;
    const recording = this.span.isRecording();
    if (this.settings === null && recording) {
      this.settings = requestSettings(body);
      this.span.setAttributes(this.settings);
    }
    const label = `${upstream.name}:${model}`;
    const previous = this.previous;
    if (previous !== null && recording) {
      if (retry > 0) {
        this.span.addEvent("switchyard.retry", {
          "switchyard.target": label,
          "switchyard.retry": retry,
          "switchyard.reason": statusMessage(previous.reason),
          "switchyard.backoff_ms": Math.round(performance.now() - previous.endedAt),
        });
      } else {
        this.fallback(previous, label);
      }
    }
    const facts = this.tracing.factsOf(upstream);
    this.context ??= trace.setSpan(ROOT_CONTEXT, this.span);
    // Attributes after the sampler's decision: the SDK would check and copy start attributes twice, and an
    // unsampled span (whose parent is not recording) needs none.
    const span = this.tracing.tracer.startSpan(`${this.operation} ${model}`, { kind: facts.kind, startTime: performance.now() }, this.context);
    if (span.isRecording()) {
      span.setAttributes(facts.attributes);
      if (this.settings !== null) span.setAttributes(this.settings);
      span.setAttribute("gen_ai.operation.name", this.operation);
      span.setAttribute("gen_ai.request.model", model);
      if (retry > 0) span.setAttribute("switchyard.retry", retry);
    }
    return new TracedAttempt(this, span, upstream, label);
  }

  skipped(provider: string, model: string, reason: string): void {
    const label = `${provider}:${model}`;
    if (this.previous !== null && this.span.isRecording()) this.fallback(this.previous, label);
    this.previous = { target: label, reason, endedAt: performance.now() };
  }

  /** A try ended with `status` (null: no answer); `failure` is why it failed, null when it did not. */
  tried(upstream: Upstream, target: string, status: number | null, failure: string | null): void {
    if (status !== null) this.served = upstream;
    this.previous = failure === null ? null : { target, reason: failure, endedAt: performance.now() };
  }

  private fallback(previous: Previous, to: string): void {
    this.span.addEvent("switchyard.fallback", {
      "switchyard.from": previous.target,
      "switchyard.to": to,
      "switchyard.reason": statusMessage(previous.reason),
    });
  }

  end(record: RequestLogRecord): void {
    const span = this.span;
    if (span.isRecording()) this.describe(span, record);
    span.end(this.receivedAt + record.latency_ms);
  }

  private describe(span: Span, record: RequestLogRecord): void {
    if (record.model !== null) {
      span.updateName(`${this.operation} ${record.model}`);
      span.setAttribute("gen_ai.request.model", record.model);
    }
    span.setAttribute("http.response.status_code", record.status);
    span.setAttribute("client.address", record.client_ip);
    span.setAttribute("switchyard.request_id", record.id);
    span.setAttribute("switchyard.stream", record.stream);
    if (record.route !== null) span.setAttribute("switchyard.route", record.route);
    if (record.key_id !== null) span.setAttribute("switchyard.key_id", record.key_id);
    const served = this.served;
    if (served !== null) {
      span.setAttribute("gen_ai.provider.name", this.tracing.factsOf(served).attributes["gen_ai.provider.name"]!);
      span.setAttribute("switchyard.provider", served.name);
    }
    const usage = record.usage;
    if (usage !== null) {
      // The conventions count cached prompt tokens in input_tokens, as OpenAI's prompt_tokens (and our Usage) does.
      span.setAttribute("gen_ai.usage.input_tokens", usage.prompt_tokens);
      span.setAttribute("gen_ai.usage.output_tokens", usage.completion_tokens);
      if (usage.cache_read_input_tokens > 0) span.setAttribute("gen_ai.usage.cache_read.input_tokens", usage.cache_read_input_tokens);
      if (usage.cache_creation_input_tokens > 0) span.setAttribute("gen_ai.usage.cache_creation.input_tokens", usage.cache_creation_input_tokens);
      if (record.usage_estimated) span.setAttribute("switchyard.usage_estimated", true);
    }
    if (record.cost_usd !== undefined) span.setAttribute("switchyard.cost_usd", record.cost_usd);
    if (record.cost_estimated) span.setAttribute("switchyard.cost_estimated", true);
    const finishReason = record.response?.finish_reason ?? record.response_stream?.finishReason;
    if (finishReason) span.setAttribute("gen_ai.response.finish_reasons", [finishReason]);
    if (record.status < 300 && typeof record.response_body === "string") responseIdentity(record.response_body, span);
    // A server span fails on a 5xx or an answer that broke off; a 4xx is the client's (HTTP conventions).
    if (record.status >= 500 || (record.status < 400 && record.error !== undefined)) {
      span.setAttribute("error.type", record.status >= 500 ? String(record.status) : "stream_error");
      span.setStatus({ code: SpanStatusCode.ERROR, message: statusMessage(record.error ?? `HTTP ${record.status}`) });
    }
  }
}

class OtelTracing implements Tracing {
  readonly tracer: Tracer;
  private readonly facts: Map<Upstream, UpstreamFacts>;
  /** Per client path, the operation and the attributes every request span on it starts with. */
  private readonly paths = new Map<string, { operation: string; attributes: Attributes }>();

  constructor(
    private readonly provider: BasicTracerProvider,
    gateway: Gateway,
    private readonly shutdownTimeoutMs: number,
  ) {
    this.tracer = provider.getTracer("switchyard");
    this.facts = new Map(gateway.upstreams.map((upstream) => [upstream, upstreamFacts(upstream)]));
  }

  factsOf(upstream: Upstream): UpstreamFacts {
    let facts = this.facts.get(upstream);
    if (facts === undefined) {
      // Every target's upstream is in gateway.upstreams; this is for one that somehow is not.
      facts = upstreamFacts(upstream);
      this.facts.set(upstream, facts);
    }
    return facts;
  }

  start(start: SpanStart): RequestSpan {
    let path = this.paths.get(start.path);
    if (path === undefined) {
      // uWS calls an endpoint only for the paths it was registered on, so this map stays a handful of entries.
      const operation = operationOf(start.path);
      path = { operation, attributes: Object.freeze({ "gen_ai.operation.name": operation, "http.request.method": "POST", "url.path": start.path }) };
      this.paths.set(start.path, path);
    }
    const span = this.tracer.startSpan(path.operation, { kind: SpanKind.SERVER, startTime: start.receivedAt }, parentContext(start.traceparent));
    if (span.isRecording()) span.setAttributes(path.attributes);
    return new TracedRequest(this, span, path.operation, start.receivedAt);
  }

  async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.shutdownTimeoutMs);
    });
    try {
      await Promise.race([this.provider.shutdown().catch(() => undefined), bound]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The tracing of a bundle with `telemetry:`; generated main.ts hands this to the server. */
export function openTracing(settings: TelemetrySettings, gateway: Gateway, options: TracingOptions = {}): Tracing {
  const warn = options.warn ?? ((message: string) => console.error(message));
  // A literal endpoint was checked at build time; one from the environment is checked here, before anything listens.
  let url: URL;
  try {
    url = new URL(settings.endpoint);
  } catch {
    throw new Error(`telemetry.otlp.endpoint ${JSON.stringify(endpointText(settings.endpoint))} is not an http:// or https:// URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`telemetry.otlp.endpoint ${endpointText(settings.endpoint)} is not an http:// or https:// URL`);
  // Collector credentials are secrets like provider keys: redacted wherever an error might echo them.
  for (const value of Object.values(settings.headers)) registerSecret(value);
  for (const value of [url.username, url.password, ...url.searchParams.values()]) registerSecret(value);
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: settings.endpoint, headers: { ...settings.headers } });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": settings.serviceName, "deployment.environment.name": gateway.env }),
    sampler: samplerFor(settings.sampleRatio),
    spanProcessors: [new BatchSpanProcessor(new ReportingExporter(exporter, endpointText(settings.endpoint), warn))],
  });
  const tracing = new OtelTracing(provider, gateway, options.shutdownTimeoutMs ?? 5000);
  return tracing;
}
