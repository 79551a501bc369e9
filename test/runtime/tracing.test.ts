// runtime/observe/tracing.ts against an exporter that keeps what it is given: which traceparents are
// continued and which start a new trace, sampling, provider names and span kinds per upstream, error types,
// redaction of status messages, fallback events for skipped targets, and export failures reported once.
import { describe, expect, it } from "vitest";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Gateway, TelemetrySettings, Target, Upstream } from "../../runtime/contract.ts";
import type { RequestLogRecord } from "../../runtime/log/request-log.ts";
import { registerSecret } from "../../runtime/log/secrets.ts";
import { openTracing } from "../../runtime/observe/tracing.ts";

class KeepingExporter implements SpanExporter {
  readonly spans: ReadableSpan[] = [];
  fail = false;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.fail) return done({ code: ExportResultCode.FAILED, error: new Error("connect ECONNREFUSED collector") });
    this.spans.push(...spans);
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

const http = (name: string, api: string, origin: string) => ({ kind: "http", name, api, origin }) as unknown as Upstream;
const UPSTREAMS = {
  openai: http("openai", "openai", "http://127.0.0.1:9"),
  azure: http("azure", "openai", "https://corp.openai.azure.com"),
  vertex: http("vertex", "gemini", "https://europe-west4-aiplatform.googleapis.com"),
  studio: http("studio", "gemini", "https://generativelanguage.googleapis.com"),
  demo: { kind: "scenario", name: "demo" } as unknown as Upstream,
};
const gateway = { env: "test", upstreams: Object.values(UPSTREAMS) } as unknown as Gateway;
const target = (upstream: Upstream, model = "m"): Target => ({ upstream, label: `${upstream.name}:${model}`, model }) as unknown as Target;
const SETTINGS: TelemetrySettings = { endpoint: "http://127.0.0.1:9/v1/traces", headers: { "x-token": "collector-secret-token-42" }, serviceName: "unit", sampleRatio: 1 };

function setup(settings: Partial<TelemetrySettings> = {}) {
  const exporter = new KeepingExporter();
  const warnings: string[] = [];
  const tracing = openTracing({ ...SETTINGS, ...settings }, gateway, { exporter, warn: (m) => warnings.push(m) });
  return { exporter, warnings, tracing };
}

const start = (traceparent?: string, path = "/v1/chat/completions") => ({ api: "openai" as const, path, traceparent, receivedAt: performance.now(), time: Date.now() });
const record = (fields: Partial<RequestLogRecord> = {}): RequestLogRecord =>
  ({ id: "req_1", model: "gpt", status: 200, latency_ms: 1, client_ip: "127.0.0.1", route: "r", key_id: null, stream: false, usage: null, attempts: [], ...fields }) as unknown as RequestLogRecord;

describe("trace identity", () => {
  it("continues a valid traceparent, any version but ff; anything invalid starts a new trace", async () => {
    const { tracing, exporter } = setup();
    const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const cases: Array<[string, boolean]> = [
      [`00-${trace}-00f067aa0ba902b7-01`, true],
      [`01-${trace}-00f067aa0ba902b7-01-future-fields`, true],
      [`ff-${trace}-00f067aa0ba902b7-01`, false],
      [`00-${"0".repeat(32)}-00f067aa0ba902b7-01`, false],
      [`00-${trace}-${"0".repeat(16)}-01`, false],
      [`00-${trace}-00f067aa0ba902b7-01-extra`, false],
      [`00-${trace.toUpperCase()}-00f067aa0ba902b7-01`, false],
      ["garbage", false],
    ];
    for (const [traceparent, continued] of cases) {
      const span = tracing.start(start(traceparent));
      expect(span.traceId === trace, traceparent).toBe(continued);
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      span.end(record());
    }
    await tracing.shutdown();
    const parents = exporter.spans.map((s) => s.parentSpanContext?.spanId);
    expect(parents).toEqual(cases.map(([, continued]) => (continued ? "00f067aa0ba902b7" : undefined)));
  });

  it("sample_ratio 0: nothing is exported, yet every try has a traceparent of its own, unsampled", async () => {
    const { tracing, exporter } = setup({ sampleRatio: 0 });
    const span = tracing.start(start());
    const first = span.attempt(target(UPSTREAMS.openai), "m", 0, {});
    const second = span.attempt(target(UPSTREAMS.openai), "m", 1, {});
    expect(first.traceparent).toMatch(new RegExp(`^00-${span.traceId}-[0-9a-f]{16}-00$`));
    expect(second.traceparent).not.toBe(first.traceparent);
    first.end(503, "HTTP 503");
    second.end(200, undefined);
    span.end(record());
    await tracing.shutdown();
    expect(exporter.spans).toEqual([]);
  });

  it("a sampled caller is followed even below the ratio, so a trace is never recorded in pieces", async () => {
    const { tracing, exporter } = setup({ sampleRatio: 0 });
    const span = tracing.start(start("00-5bf92f3577b34da6a3ce929d0e0e4737-10f067aa0ba902b8-01"));
    expect(span.attempt(target(UPSTREAMS.openai), "m", 0, {}).traceparent).toMatch(/-01$/);
    span.end(record());
    await tracing.shutdown();
    expect(exporter.spans).toHaveLength(1);
  });
});

describe("spans", () => {
  it("names the provider as the conventions do, and the scenario provider's tries are INTERNAL", async () => {
    const { tracing, exporter } = setup();
    const span = tracing.start(start(undefined, "/v1/embeddings"));
    for (const upstream of Object.values(UPSTREAMS)) span.attempt(target(upstream), "m", 0, {}).end(200, undefined);
    span.end(record({ model: "e" }));
    await tracing.shutdown();
    const tries = exporter.spans.filter((s) => s.parentSpanContext !== undefined);
    expect(tries.map((s) => [s.attributes["switchyard.provider"], s.attributes["gen_ai.provider.name"], s.kind])).toEqual([
      ["openai", "openai", 2],
      ["azure", "azure.ai.openai", 2],
      ["vertex", "gcp.vertex_ai", 2],
      ["studio", "gcp.gemini", 2],
      ["demo", "switchyard.scenario", 0],
    ]);
    expect(tries[1]!.attributes).toMatchObject({ "server.address": "corp.openai.azure.com", "server.port": 443 });
    const request = exporter.spans.find((s) => s.parentSpanContext === undefined)!;
    expect(request.name).toBe("embeddings e");
    expect(request.attributes["gen_ai.operation.name"]).toBe("embeddings");
  });

  it("error.type is the status, else the kind of transport failure; status messages are redacted", async () => {
    registerSecret("sk-upstream-unit-0123456789abcdef");
    const { tracing, exporter } = setup();
    const span = tracing.start(start());
    const ends: Array<[number | null, string | undefined]> = [
      [429, "HTTP 429: slow down"],
      [null, "connect ECONNREFUSED 127.0.0.1:9"],
      [null, "first byte timeout after 300 ms"],
      [null, "client closed the connection"],
      [401, "HTTP 401: Incorrect API key provided: sk-upstream-unit-0123456789abcdef"],
      [502, "HTTP 502: the collector said collector-secret-token-42"],
      // A key across the 512-character cut must not leave its first half behind.
      [500, `HTTP 500: ${"x".repeat(490)} sk-upstream-unit-0123456789abcdef`],
    ];
    for (const [status, error] of ends) span.attempt(target(UPSTREAMS.openai), "m", 0, {}).end(status, error);
    span.end(record({ status: 502, error: "every target failed" }));
    await tracing.shutdown();
    const tries = exporter.spans.filter((s) => s.parentSpanContext !== undefined);
    expect(tries.map((s) => s.attributes["error.type"])).toEqual(["429", "ECONNREFUSED", "timeout", "cancelled", "401", "502", "500"]);
    expect(tries.every((s) => s.status.code === 2)).toBe(true);
    expect(tries[4]!.status.message).toBe("HTTP 401: Incorrect API key provided: [REDACTED]");
    // The collector's own header values count as secrets too.
    expect(tries[5]!.status.message).toBe("HTTP 502: the collector said [REDACTED]");
    expect(tries[6]!.status.message).toMatch(/x \[REDACTED\]$/);
    expect(tries[6]!.status.message).not.toContain("sk-upstream");
  });

  it("a target passed over is a fallback event with its reason; retries say how long they waited", async () => {
    const { tracing, exporter } = setup();
    const span = tracing.start(start());
    span.skipped("a", "m", "circuit open");
    span.skipped("b", "m", "provider disabled: its api key is empty");
    const first = span.attempt(target(UPSTREAMS.openai), "m", 0, { max_tokens: 5 });
    first.end(503, "HTTP 503");
    await new Promise((r) => setTimeout(r, 20));
    span.attempt(target(UPSTREAMS.openai), "m", 1, { max_tokens: 5 }).end(200, undefined);
    span.end(record());
    await tracing.shutdown();
    const request = exporter.spans.find((s) => s.parentSpanContext === undefined)!;
    expect(request.events.map((e) => [e.name, e.attributes])).toEqual([
      ["switchyard.fallback", { "switchyard.from": "a:m", "switchyard.to": "b:m", "switchyard.reason": "circuit open" }],
      ["switchyard.fallback", { "switchyard.from": "b:m", "switchyard.to": "openai:m", "switchyard.reason": "provider disabled: its api key is empty" }],
      ["switchyard.retry", { "switchyard.target": "openai:m", "switchyard.retry": 1, "switchyard.reason": "HTTP 503", "switchyard.backoff_ms": expect.any(Number) }],
    ]);
    expect(request.events[2]!.attributes!["switchyard.backoff_ms"]).toBeGreaterThanOrEqual(15);
    expect(request.attributes["gen_ai.request.max_tokens"]).toBe(5);
  });
});

describe("export", () => {
  it("reports a failing collector once, and once more when it works again", async () => {
    // Batches every 20 ms, through the standard variable the processor reads when it is made.
    process.env.OTEL_BSP_SCHEDULE_DELAY = "20";
    const { tracing, exporter, warnings } = setup();
    delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    exporter.fail = true;
    for (let batch = 0; batch < 2; batch++) {
      tracing.start(start()).end(record());
      await new Promise((r) => setTimeout(r, 100));
    }
    exporter.fail = false;
    for (let batch = 0; batch < 2; batch++) {
      tracing.start(start()).end(record());
      await new Promise((r) => setTimeout(r, 100));
    }
    await tracing.shutdown();
    expect(exporter.spans).toHaveLength(2);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/trace export to http:\/\/127\.0\.0\.1:9\/v1\/traces failed \(connect ECONNREFUSED collector\)/);
    expect(warnings[1]).toMatch(/works again/);
  });

  it("an endpoint from the environment that is not an http(s) URL stops the start", () => {
    expect(() => openTracing({ ...SETTINGS, endpoint: "collector:4318" }, gateway)).toThrow(/not an http:\/\/ or https:\/\/ URL/);
    expect(() => openTracing({ ...SETTINGS, endpoint: "not a url" }, gateway)).toThrow(/not an http:\/\/ or https:\/\/ URL/);
  });
});
