// The metrics observer on its own: label values stay within what the config bounds, a bug in it never
// reaches the request path, and what it costs per request (a micro-loop over realistic records, next to the
// same counting done through prom-client's own labelled `inc`/`observe`).
import { Readable } from "node:stream";
import { Counter, Histogram, Registry } from "prom-client";
import { getMetricsFromStream, type PromMetrics } from "prom2javascript";
import { describe, expect, it } from "vitest";
import type { Route, Router } from "../../runtime/contract.ts";
import { DURATION_BUCKETS, GatewayMetrics } from "../../runtime/observe/metrics.ts";
import type { RequestLogRecord } from "../../runtime/log/request-log.ts";

function route(id: string, models: Array<string | null>): Route {
  return { id, targets: models.map((model) => ({ model })) } as unknown as Route;
}

const router = {
  models: { openai: ["gpt-4o", "smart"], anthropic: [] },
  routes: [route("gpt-4o", ["gpt-4o", "gpt-4o-mini"]), route("smart", ["gpt-4o"]), route("claude-star", [null])],
} as unknown as Router;

const sources = { router, inflight: new Set<Promise<void>>(), resilience: { health: () => [] }, droppedRecords: () => ({ file: 0 }) };

function record(overrides: Partial<RequestLogRecord> = {}): RequestLogRecord {
  return {
    id: "req_1",
    time: "2025-03-10T12:00:00.000Z",
    trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
    key_id: "key_0123456789abcdef",
    key_name: "alice",
    client_ip: "127.0.0.1",
    route: "gpt-4o",
    api: "openai",
    path: "/v1/chat/completions",
    model: "gpt-4o",
    stream: true,
    attempts: [{ provider: "oa", model: "gpt-4o", status: 200, latency_ms: 812 }],
    status: 200,
    latency_ms: 815,
    upstream_latency_ms: 812,
    ttfb_ms: 240,
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, input_tokens: 11, output_tokens: 7, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    cost_usd: 0.0001,
    ...overrides,
  };
}

async function parse(metrics: GatewayMetrics): Promise<PromMetrics> {
  return getMetricsFromStream(Readable.from([await metrics.scrape()]));
}

function labelValues(parsed: PromMetrics, metric: string, label: string): string[] {
  const data = (parsed[metric]?.data ?? []) as Array<{ labels: Record<string, string> }>;
  return [...new Set(data.map((d) => d.labels[label]!))].sort();
}

describe("GatewayMetrics labels", () => {
  it("keeps model names the config spells out, labels a glob route's forwarded models with its pattern, and unknown keys as anonymous", async () => {
    const metrics = new GatewayMetrics({ globs: [["claude-star", "claude-*"]] }, sources);
    metrics.observe(record());
    metrics.observe(record({ attempts: [{ provider: "oa", model: "gpt-4o-mini", status: 200, latency_ms: 5 }] }));
    for (const model of ["claude-3-haiku", "claude-opus-4-1-20250805", "claude-\"quoted\"\n"]) {
      metrics.observe(record({ route: "claude-star", api: "anthropic", model, attempts: [{ provider: "an", model, status: 200, latency_ms: 5 }] }));
    }
    // A key Switchyard does not know (no key_name): its id is a hash of whatever the client sent.
    metrics.observe(record({ key_id: "c0ffee123456", key_name: undefined }));
    const parsed = await parse(metrics);
    expect(labelValues(parsed, "switchyard_requests_total", "model")).toEqual(["claude-*", "gpt-4o", "gpt-4o-mini"]);
    expect(labelValues(parsed, "switchyard_tokens_total", "model")).toEqual(["claude-*", "gpt-4o", "gpt-4o-mini"]);
    expect(labelValues(parsed, "switchyard_tokens_total", "key")).toEqual(["", "key_0123456789abcdef"]);
    expect(await metrics.scrape()).not.toContain("c0ffee");
  });

  it("a skipped target makes the next one a fallback; retries count on the retried target", async () => {
    const metrics = new GatewayMetrics({ globs: [] }, sources);
    metrics.observe(
      record({
        attempts: [
          { provider: "oa", model: "gpt-4o", status: null, latency_ms: 0, skipped: "circuit open" },
          { provider: "ob", model: "gpt-4o", status: 503, latency_ms: 3, error: "upstream 503" },
          { provider: "ob", model: "gpt-4o", status: 200, latency_ms: 4, retry: 1, backoff_ms: 1 },
        ],
      }),
    );
    const text = await metrics.scrape();
    expect(text).toContain('switchyard_fallbacks_total{route="gpt-4o",provider="ob"} 1');
    expect(text).toContain('switchyard_retries_total{route="gpt-4o",provider="ob"} 1');
    // The skip was no try: no upstream duration for it.
    expect(text).not.toContain('switchyard_upstream_duration_seconds_count{route="gpt-4o",provider="oa"');
    expect(text).toContain('switchyard_upstream_duration_seconds_count{route="gpt-4o",provider="ob",model="gpt-4o",status_class="5xx"} 1');
  });

  it("a bug while observing is reported once and never thrown at the request path", () => {
    const errors: unknown[] = [];
    const metrics = new GatewayMetrics({ globs: [] }, sources, (error) => errors.push(error));
    const broken = record({ attempts: null as unknown as [] });
    expect(() => metrics.observe(broken)).not.toThrow();
    expect(() => metrics.observe(broken)).not.toThrow();
    expect(errors).toHaveLength(1);
  });
});

describe("GatewayMetrics cost per request", () => {
  const N = 200_000;
  const records = [
    record(),
    record({ stream: false, ttfb_ms: 800 }),
    record({ route: "smart", api: "anthropic" }),
    record({ status: 429, attempts: [], usage: null, cost_usd: undefined, error_code: "rate_limit_exceeded" }),
    record({
      attempts: [
        { provider: "oa", model: "gpt-4o", status: 500, latency_ms: 3, error: "upstream 500" },
        { provider: "oa", model: "gpt-4o-mini", status: 200, latency_ms: 4 },
      ],
    }),
  ];

  function nsPerRecord(observe: (r: RequestLogRecord) => void): number {
    for (let i = 0; i < 20_000; i++) observe(records[i % records.length]!);
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) observe(records[i % records.length]!);
    return Number(process.hrtime.bigint() - start) / N;
  }

  it("stays within a few hundred nanoseconds a record, well under prom-client's labelled calls", () => {
    const metrics = new GatewayMetrics({ globs: [] }, sources);
    const ours = nsPerRecord((r) => metrics.observe(r));

    // The same counting through prom-client's own API, as a naive observer would do it.
    const registry = new Registry();
    const served = ["route", "provider", "model"];
    const requests = new Counter({ name: "r_total", help: "r", labelNames: [...served, "status_class", "api"], registers: [registry] });
    const duration = new Histogram({ name: "d_seconds", help: "d", labelNames: [...served, "status_class"], buckets: DURATION_BUCKETS, registers: [registry] });
    const upstream = new Histogram({ name: "u_seconds", help: "u", labelNames: [...served, "status_class"], buckets: DURATION_BUCKETS, registers: [registry] });
    const tokens = new Counter({ name: "t_total", help: "t", labelNames: ["direction", "model", "key"], registers: [registry] });
    const naive = nsPerRecord((r) => {
      const a = r.attempts.at(-1);
      const labels = { route: r.route ?? "none", provider: a?.provider ?? "none", model: a?.model ?? "none" };
      for (const attempt of r.attempts) upstream.observe({ ...labels, status_class: `${Math.trunc((attempt.status ?? 0) / 100)}xx` }, attempt.latency_ms / 1000);
      requests.inc({ ...labels, status_class: `${Math.trunc(r.status / 100)}xx`, api: r.api });
      duration.observe({ ...labels, status_class: `${Math.trunc(r.status / 100)}xx` }, r.latency_ms / 1000);
      if (r.usage) for (const direction of ["input", "output", "cache_read", "cache_write"]) tokens.inc({ direction, model: labels.model, key: r.key_id ?? "" }, 1);
    });
    console.log(`metrics observer: ${ours.toFixed(0)} ns a record; through prom-client's labelled calls: ${naive.toFixed(0)} ns`);
    // Generous bounds (the machine is shared): the point is the order of magnitude.
    expect(ours).toBeLessThan(2_000);
    expect(ours * 3).toBeLessThan(naive);
  });
});
