// The metrics observer on its own: label values stay within what the config bounds, and a bug in it never
// reaches the request path. What it costs per request is `make bench`'s business (the sy-metoff row), not a
// timed assertion here.
import { Readable } from "node:stream";
import { getMetricsFromStream, type PromMetrics } from "prom2javascript";
import { describe, expect, it } from "vitest";
import type { Route, Router } from "../../runtime/contract.ts";
import { GatewayMetrics } from "../../runtime/observe/metrics.ts";
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
