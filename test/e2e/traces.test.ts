// OpenTelemetry traces end to end: test/e2e/traces.routes.yaml is built and run as its own process, exporting
// over OTLP/HTTP to a receiver written here (a node:http server decoding the JSON the exporter POSTs). Each test
// sends requests, with and without a W3C traceparent, through a plain route, a retry and a fallback, and checks
// the spans that arrive: GenAI attributes, parent ids, retry and fallback events, error status; that the
// traceparent each upstream received names its try's span; and that the request log's trace_id is the trace's.
// A second bundle without `telemetry:` exports nothing and forwards the client's traceparent untouched.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";

const UPSTREAM_KEY = "sk-upstream-traces-0123456789abcdef";
const COLLECTOR_TOKEN = "collector-token-0123456789";
const CLIENT_KEY = "sk-client-own-key-0123456789abcdef";
/** OTLP span kinds (opentelemetry-proto trace.proto). */
const SERVER = 2;
const CLIENT = 3;
const STATUS_ERROR = 2;

// ---- the OTLP/HTTP receiver ----------------------------------------------------------------------------

type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } };
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: Array<{ key: string; value: AnyValue }>;
  events?: Array<{ name: string; timeUnixNano: string; attributes?: Array<{ key: string; value: AnyValue }> }>;
  status?: { code?: number; message?: string };
}

/** A span with its attributes as a plain object, and its resource's. */
interface Span extends OtlpSpan {
  attrs: Record<string, unknown>;
  resource: Record<string, unknown>;
}

function plain(value: AnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
}

function attributes(list: Array<{ key: string; value: AnyValue }> | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]));
}

interface Receiver {
  url: string;
  /** Every export as received: headers and the raw body text. */
  exports: Array<{ path: string; headers: IncomingHttpHeaders; body: string }>;
  spans(): Span[];
  /** Resolves with the spans of `traceId` once there are at least `n`. */
  waitForSpans(traceId: string, n: number, timeoutMs?: number): Promise<Span[]>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const exports: Receiver["exports"] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      exports.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const spans = (): Span[] =>
    exports.flatMap((e) =>
      (JSON.parse(e.body).resourceSpans ?? []).flatMap((rs: any) =>
        (rs.scopeSpans ?? []).flatMap((ss: any) => (ss.spans ?? []).map((s: OtlpSpan) => ({ ...s, attrs: attributes(s.attributes), resource: attributes(rs.resource?.attributes) }))),
      ),
    );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    exports,
    spans,
    async waitForSpans(traceId, n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = spans().filter((s) => s.traceId === traceId);
        if (found.length >= n) return found;
        if (Date.now() > deadline) throw new Error(`expected ${n} spans of trace ${traceId}, found ${found.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- the gateway under test ----------------------------------------------------------------------------

let receiver: Receiver;
let flaky: MockUpstream;
let down: MockUpstream;
let backup: MockUpstream;
let claude: MockUpstream;
let bundle: string;
let gw: RunningGateway;
const started: RunningGateway[] = [];

function upstreamEnv(): Record<string, string> {
  return { KEY: UPSTREAM_KEY, OTLP_TOKEN: COLLECTOR_TOKEN, FLAKY_URL: flaky.url, DOWN_URL: down.url, BACKUP_URL: backup.url, CLAUDE_URL: claude.url };
}

async function gateway(env: Record<string, string>, which = bundle): Promise<RunningGateway> {
  const started_ = await startGateway(which, { ...upstreamEnv(), ...env });
  started.push(started_);
  return started_;
}

beforeAll(async () => {
  [receiver, flaky, down, backup, claude] = await Promise.all([
    startReceiver(),
    startMockUpstream({ api: "openai" }),
    startMockUpstream({ api: "openai", default: { kind: "error", status: 503 } }),
    startMockUpstream({ api: "openai" }),
    startMockUpstream({ api: "anthropic" }),
  ]);
  ({ bundle } = await buildCase("traces", "test/e2e/traces.routes.yaml"));
  // Batches every 50 ms instead of the SDK's 5 s, through the standard OpenTelemetry variable.
  gw = await gateway({ OTLP_URL: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "50" });
});

afterAll(async () => {
  await Promise.all(started.map((g) => g.stop()));
  await Promise.all([receiver, flaky, down, backup, claude].map((m) => m?.close()));
});

/** One OpenAI chat completion through `target`; its response, the log record it left and its spans. */
async function chat(target: RunningGateway, model: string, options: { traceparent?: string; stream?: boolean; key?: string; spans?: number } = {}) {
  const before = await target.settledLogCount();
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.traceparent) headers.traceparent = options.traceparent;
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const body = { model, max_tokens: 64, temperature: 0.5, messages: [{ role: "user", content: "hi" }], ...(options.stream ? { stream: true, stream_options: { include_usage: true } } : {}) };
  const response = await fetch(`${target.url}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await response.text();
  const record = (await target.waitForLogRecords(before + 1))[before]!;
  return { status: response.status, text, record };
}

const serverSpan = (spans: Span[]) => {
  const found = spans.filter((s) => s.kind === SERVER);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const clientSpans = (spans: Span[]) => spans.filter((s) => s.kind === CLIENT).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
/** The W3C traceparent that names `span`, as the gateway must have sent it upstream. */
const traceparentOf = (span: Span) => `00-${span.traceId}-${span.spanId}-01`;

describe("with telemetry.otlp", () => {
  it("a request without a traceparent starts a trace: one SERVER span with the GenAI attributes, one CLIENT span under it, named by the upstream's traceparent", async () => {
    const sent = backup.requests.length;
    const { status, record } = await chat(gw, "plain");
    expect(status).toBe(200);
    expect(record.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const spans = await receiver.waitForSpans(record.trace_id, 2);
    const request = serverSpan(spans);
    expect(request.name).toBe("chat plain");
    expect(request.parentSpanId || undefined).toBeUndefined();
    expect(request.resource).toMatchObject({ "service.name": "switchyard-e2e", "deployment.environment.name": "dev" });
    expect(request.attrs).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "plain",
      "gen_ai.request.max_tokens": 64,
      "gen_ai.request.temperature": 0.5,
      "gen_ai.provider.name": "openai",
      "gen_ai.response.model": "backup-model",
      "gen_ai.response.id": expect.stringMatching(/^chatcmpl-/),
      // The mock's usage: 11 prompt tokens (3 of them cached), 7 completion tokens.
      "gen_ai.usage.input_tokens": 11,
      "gen_ai.usage.output_tokens": 7,
      "gen_ai.usage.cache_read.input_tokens": 3,
      "http.response.status_code": 200,
      "switchyard.route": "plain",
      "switchyard.request_id": record.id,
    });
    expect(request.status?.code ?? 0).not.toBe(STATUS_ERROR);
    const [attempt, ...more] = clientSpans(spans);
    expect(more).toHaveLength(0);
    expect(attempt!.parentSpanId).toBe(request.spanId);
    expect(attempt!.name).toBe("chat backup-model");
    expect(attempt!.attrs).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "backup-model",
      "gen_ai.request.max_tokens": 64,
      "server.address": "127.0.0.1",
      "server.port": new URL(backup.url).port === "" ? 80 : Number(new URL(backup.url).port),
      "http.response.status_code": 200,
      "switchyard.provider": "backup",
    });
    // The try lies within the request.
    expect(BigInt(attempt!.startTimeUnixNano) >= BigInt(request.startTimeUnixNano)).toBe(true);
    expect(BigInt(attempt!.endTimeUnixNano) <= BigInt(request.endTimeUnixNano)).toBe(true);
    expect(backup.requests.length).toBe(sent + 1);
    expect(backup.requests.at(-1)!.headers.traceparent).toBe(traceparentOf(attempt!));
  });

  it("an incoming traceparent is continued: same trace id in the spans and the log, the request span its child", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parent = "00f067aa0ba902b7";
    const { status, record } = await chat(gw, "plain", { traceparent: `00-${traceId}-${parent}-01` });
    expect(status).toBe(200);
    expect(record.trace_id).toBe(traceId);
    const spans = await receiver.waitForSpans(traceId, 2);
    const request = serverSpan(spans);
    expect(request.parentSpanId).toBe(parent);
    const [attempt] = clientSpans(spans);
    expect(attempt!.parentSpanId).toBe(request.spanId);
    // Not the client's own traceparent: the upstream's spans nest under this try.
    expect(backup.requests.at(-1)!.headers.traceparent).toBe(traceparentOf(attempt!));
  });

  it("a retry: two tries on one target, the first failed with its status, and a retry event with the reason", async () => {
    flaky.script({ kind: "error", status: 503 });
    const sent = flaky.requests.length;
    const { status, record } = await chat(gw, "retried");
    expect(status).toBe(200);
    expect(record.attempts).toMatchObject([{ provider: "flaky", status: 503 }, { provider: "flaky", status: 200, retry: 1 }]);
    const spans = await receiver.waitForSpans(record.trace_id, 3);
    const request = serverSpan(spans);
    const tries = clientSpans(spans);
    expect(tries).toHaveLength(2);
    for (const attempt of tries) expect(attempt.parentSpanId).toBe(request.spanId);
    expect(tries[0]!.attrs).toMatchObject({ "http.response.status_code": 503, "error.type": "503" });
    expect(tries[0]!.status).toMatchObject({ code: STATUS_ERROR, message: expect.stringContaining("HTTP 503") });
    expect(tries[1]!.attrs).toMatchObject({ "http.response.status_code": 200, "switchyard.retry": 1 });
    expect(tries[1]!.attrs["error.type"]).toBeUndefined();
    // Each try's own traceparent went upstream with it.
    expect(flaky.requests.slice(sent).map((r) => r.headers.traceparent)).toEqual(tries.map(traceparentOf));
    const retries = (request.events ?? []).filter((e) => e.name === "switchyard.retry");
    expect(retries).toHaveLength(1);
    expect(attributes(retries[0]!.attributes)).toMatchObject({ "switchyard.target": "flaky:retried", "switchyard.retry": 1, "switchyard.reason": expect.stringContaining("HTTP 503") });
    expect((request.events ?? []).some((e) => e.name === "switchyard.fallback")).toBe(false);
  });

  it("a fallback: the failed target's try, the next target's, and a fallback event naming both and why", async () => {
    const { status, record } = await chat(gw, "fallback", { traceparent: "00-5bf92f3577b34da6a3ce929d0e0e4737-10f067aa0ba902b8-01" });
    expect(status).toBe(200);
    const spans = await receiver.waitForSpans(record.trace_id, 3);
    const request = serverSpan(spans);
    expect(request.parentSpanId).toBe("10f067aa0ba902b8");
    const [failed, served] = clientSpans(spans);
    expect(failed!.name).toBe("chat down-model");
    expect(failed!.attrs).toMatchObject({ "switchyard.provider": "down", "error.type": "503" });
    expect(failed!.status?.code).toBe(STATUS_ERROR);
    expect(served!.name).toBe("chat backup-model");
    expect(served!.status?.code ?? 0).not.toBe(STATUS_ERROR);
    expect(down.requests.at(-1)!.headers.traceparent).toBe(traceparentOf(failed!));
    expect(backup.requests.at(-1)!.headers.traceparent).toBe(traceparentOf(served!));
    const fallbacks = (request.events ?? []).filter((e) => e.name === "switchyard.fallback");
    expect(fallbacks).toHaveLength(1);
    expect(attributes(fallbacks[0]!.attributes)).toEqual({ "switchyard.from": "down:down-model", "switchyard.to": "backup:backup-model", "switchyard.reason": expect.stringContaining("HTTP 503") });
    expect(request.attrs).toMatchObject({ "switchyard.provider": "backup", "gen_ai.response.model": "backup-model" });
  });

  it("every target failing: the request span has status ERROR with the client's 502 as error.type", async () => {
    backup.script({ kind: "error", status: 500 });
    const { status, record } = await chat(gw, "fallback");
    expect(status).toBe(502);
    const spans = await receiver.waitForSpans(record.trace_id, 3);
    const request = serverSpan(spans);
    expect(request.status).toMatchObject({ code: STATUS_ERROR, message: expect.stringContaining("every target of route fallback failed") });
    expect(request.attrs).toMatchObject({ "http.response.status_code": 502, "error.type": "502" });
    expect(clientSpans(spans).map((s) => s.attrs["error.type"])).toEqual(["503", "500"]);
  });

  it("a stream: usage and finish reason on the request span", async () => {
    const { status, record } = await chat(gw, "plain", { stream: true });
    expect(status).toBe(200);
    const request = serverSpan(await receiver.waitForSpans(record.trace_id, 2));
    expect(request.attrs).toMatchObject({ "switchyard.stream": true, "gen_ai.usage.input_tokens": 11, "gen_ai.usage.output_tokens": 7, "gen_ai.response.finish_reasons": ["stop"] });
  });

  it("the Anthropic API and count_tokens: spans named by their operation, the count's upstream ask a CLIENT span too", async () => {
    const before = await gw.settledLogCount();
    const headers = { "content-type": "application/json", "anthropic-version": "2023-06-01" };
    const body = JSON.stringify({ model: "claude-traced", max_tokens: 32, messages: [{ role: "user", content: "hi" }] });
    expect((await fetch(`${gw.url}/v1/messages`, { method: "POST", headers, body })).status).toBe(200);
    await fetch(`${gw.url}/v1/messages/count_tokens`, { method: "POST", headers, body });
    const [message, count] = (await gw.waitForLogRecords(before + 2)).slice(before);
    const messageSpan = serverSpan(await receiver.waitForSpans(message!.trace_id, 2));
    expect(messageSpan).toMatchObject({ name: "chat claude-traced" });
    expect(messageSpan.attrs).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "url.path": "/v1/messages", "gen_ai.request.max_tokens": 32 });
    const countSpans = await receiver.waitForSpans(count!.trace_id, 2);
    const countSpan = serverSpan(countSpans);
    expect(countSpan).toMatchObject({ name: "count_tokens claude-traced" });
    const [ask] = clientSpans(countSpans);
    expect(ask!.parentSpanId).toBe(countSpan.spanId);
    expect(claude.requests.at(-1)!.path).toMatch(/count_tokens$/);
    expect(claude.requests.at(-1)!.headers.traceparent).toBe(traceparentOf(ask!));
  });

  it("no secret reaches the collector: not the upstream key, not the client's key (its id only), the collector token only as its header", async () => {
    const { record } = await chat(gw, "plain", { key: CLIENT_KEY });
    expect(record.key_id).toMatch(/\S/);
    const request = serverSpan(await receiver.waitForSpans(record.trace_id, 2));
    expect(request.attrs["switchyard.key_id"]).toBe(record.key_id);
    expect(receiver.exports.length).toBeGreaterThan(0);
    for (const sent of receiver.exports) {
      expect(sent.path).toBe("/v1/traces");
      expect(sent.headers["content-type"]).toBe("application/json");
      expect(sent.headers["x-collector-token"]).toBe(COLLECTOR_TOKEN);
      for (const secret of [UPSTREAM_KEY, CLIENT_KEY, COLLECTOR_TOKEN]) expect(sent.body).not.toContain(secret);
    }
  });

  it("shutdown exports what is still buffered", async () => {
    // A schedule longer than the test: only the shutdown flush can deliver this request's spans.
    const lazy = await gateway({ OTLP_URL: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "600000" });
    const { record } = await chat(lazy, "plain");
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.spans().filter((s) => s.traceId === record.trace_id)).toHaveLength(0);
    expect(await lazy.stop("SIGTERM")).toBe(0);
    const spans = await receiver.waitForSpans(record.trace_id, 2, 1000);
    expect(serverSpan(spans).name).toBe("chat plain");
  });

  it("sample_ratio's decision follows an incoming traceparent: sampled-out traces export nothing, yet each try still gets its own traceparent", async () => {
    const traceId = "6bf92f3577b34da6a3ce929d0e0e4738";
    const { record } = await chat(gw, "plain", { traceparent: `00-${traceId}-20f067aa0ba902b9-00` });
    expect(record.trace_id).toBe(traceId);
    const forwarded = backup.requests.at(-1)!.headers.traceparent!;
    expect(forwarded).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    expect(forwarded).not.toContain("20f067aa0ba902b9");
    // A later sampled request's spans arrive, so the unsampled one's would have by now.
    const { record: later } = await chat(gw, "plain");
    await receiver.waitForSpans(later.trace_id, 2);
    expect(receiver.spans().filter((s) => s.traceId === traceId)).toHaveLength(0);
  });

  it("an endpoint that resolves empty turns tracing off", async () => {
    const off = await gateway({ OTEL_BSP_SCHEDULE_DELAY: "50" });
    expect(off.output()).not.toContain("traces to");
    const traceparent = "00-7bf92f3577b34da6a3ce929d0e0e4739-30f067aa0ba902ba-01";
    const { record } = await chat(off, "plain", { traceparent });
    expect(record.trace_id).toBe("7bf92f3577b34da6a3ce929d0e0e4739");
    expect(backup.requests.at(-1)!.headers.traceparent).toBe(traceparent);
  });
});

describe("without telemetry", () => {
  it("nothing is exported, no OpenTelemetry code is in the bundle, and the upstream gets the client's own traceparent", async () => {
    const { bundle: plainBundle } = await buildCase("traces-off", "test/e2e/traces-off.routes.yaml");
    expect(readFileSync(plainBundle, "utf8")).not.toContain("OTLPTraceExporter");
    // Even the standard OpenTelemetry variables point at the receiver: nothing may read them.
    const off = await gateway({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.replace(/\/v1\/traces$/, ""), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "50" }, plainBundle);
    const traceparent = "00-8bf92f3577b34da6a3ce929d0e0e4730-40f067aa0ba902bb-01";
    const { status, record } = await chat(off, "plain", { traceparent });
    expect(status).toBe(200);
    expect(record.trace_id).toBe("8bf92f3577b34da6a3ce929d0e0e4730");
    expect(backup.requests.at(-1)!.headers.traceparent).toBe(traceparent);
    const { record: fresh } = await chat(off, "plain");
    expect(fresh.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(backup.requests.at(-1)!.headers.traceparent).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(await off.stop("SIGTERM")).toBe(0);
    expect(receiver.spans().filter((s) => s.traceId === record.trace_id || s.traceId === fresh.trace_id)).toEqual([]);
    expect(receiver.spans().filter((s) => s.resource["service.name"] !== "switchyard-e2e")).toEqual([]);
  });
});
