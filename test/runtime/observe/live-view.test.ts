// The dashboard's live view (runtime/observe/): the latency histogram's buckets and quantiles, per-minute
// aggregates over a ring of minutes, and the ring of recent requests with its body budget and redaction.
import { describe, expect, it } from "vitest";
import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS, latencyBucket, latencyQuantile } from "../../../runtime/observe/latency-histogram.ts";
import { MinuteStats } from "../../../runtime/observe/minute-stats.ts";
import { BODY_BUDGET_CHARS, MAX_BODY_CHARS, RecentRequests } from "../../../runtime/observe/recent-requests.ts";
import { LiveView } from "../../../runtime/observe/live-view.ts";
import { registerSecret } from "../../../runtime/log/secrets.ts";
import type { RequestLogRecord } from "../../../runtime/log/request-log.ts";

const MINUTE = 60_000;
/** 2026-12-03T10:00:00Z: a minute boundary. */
const T0 = Date.UTC(2026, 11, 3, 10, 0, 0);

let seq = 0;
function record(fields: Partial<RequestLogRecord> = {}): RequestLogRecord {
  return {
    id: `req_${String(++seq).padStart(24, "0")}`,
    time: new Date(T0).toISOString(),
    trace_id: "0".repeat(31) + "1",
    key_id: "key_0000000000000001",
    key_name: "alice",
    client_ip: "127.0.0.1",
    route: "gpt-4o",
    api: "openai",
    path: "/v1/chat/completions",
    model: "gpt-4o",
    stream: false,
    attempts: [{ provider: "oa", model: "gpt-4o", status: 200, latency_ms: 40 }],
    status: 200,
    latency_ms: 42,
    upstream_latency_ms: 40,
    ttfb_ms: 41,
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    cost_usd: 0.001,
    ...fields,
  };
}

describe("latency histogram", () => {
  it("puts a latency in the first bucket whose upper bound holds it", () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1)).toBe(0);
    expect(latencyBucket(1.0001)).toBe(1);
    expect(latencyBucket(100)).toBe(LATENCY_BOUNDS_MS.indexOf(100));
    expect(latencyBucket(101)).toBe(LATENCY_BOUNDS_MS.indexOf(150));
    expect(latencyBucket(10 * 60_000 + 1)).toBe(LATENCY_BUCKETS - 1);
    for (let ms = 0.5; ms < 700_000; ms *= 1.37) {
      const bucket = latencyBucket(ms);
      expect(ms <= (LATENCY_BOUNDS_MS[bucket] ?? Infinity) && ms > (LATENCY_BOUNDS_MS[bucket - 1] ?? -Infinity), `${ms}`).toBe(true);
    }
  });

  it("reads quantiles within a bucket of the true value", () => {
    const counts = new Uint32Array(LATENCY_BUCKETS);
    const samples = Array.from({ length: 1000 }, (_, i) => 5 + i * 0.8); // 5 … 804 ms, uniform
    for (const s of samples) counts[latencyBucket(s)]! += 1;
    const p50 = latencyQuantile(counts, 0.5)!;
    const p95 = latencyQuantile(counts, 0.95)!;
    expect(p50).toBeGreaterThan(404 / 1.5);
    expect(p50).toBeLessThan(404 * 1.5);
    expect(p95).toBeGreaterThan(764 / 1.5);
    expect(p95).toBeLessThan(764 * 1.5);
    expect(latencyQuantile(new Uint32Array(LATENCY_BUCKETS), 0.5)).toBeNull();
    // One sample of 42 ms: the median lies in its bucket (30, 50].
    const one = new Uint32Array(LATENCY_BUCKETS);
    one[latencyBucket(42)] = 1;
    expect(latencyQuantile(one, 0.5)).toBeGreaterThan(30);
    expect(latencyQuantile(one, 0.5)).toBeLessThanOrEqual(50);
  });
});

describe("per-minute aggregates", () => {
  it("counts requests, errors, tokens and cost per minute and in total, by model and by key", () => {
    const stats = new MinuteStats(1);
    stats.add(T0 + 1000, record());
    stats.add(T0 + 2000, record({ status: 429, usage: null, cost_usd: undefined, key_id: null, key_name: undefined }));
    stats.add(T0 + MINUTE + 5, record({ status: 502, model: "claude", usage: null, cost_usd: undefined, latency_ms: 900 }));
    stats.add(T0 + 3 * MINUTE, record({ model: "claude", cost_usd: 0.25 }));
    const view = stats.window(T0 + 3 * MINUTE + 10, 5);
    expect(view.minutes).toBe(5);
    expect(view.from).toBe(new Date(T0 - MINUTE).toISOString());
    expect(view.to).toBe(new Date(T0 + 4 * MINUTE).toISOString());
    expect(view.series.t).toEqual([-1, 0, 1, 2, 3].map((m) => (T0 + m * MINUTE) / 1000));
    expect(view.series.requests).toEqual([0, 2, 1, 0, 1]);
    expect(view.series.client_errors).toEqual([0, 1, 0, 0, 0]);
    expect(view.series.server_errors).toEqual([0, 0, 1, 0, 0]);
    expect(view.series.input_tokens).toEqual([0, 10, 0, 0, 10]);
    expect(view.series.output_tokens).toEqual([0, 5, 0, 0, 5]);
    expect(view.series.cost_usd).toEqual([0, 0.001, 0, 0, 0.25]);
    expect(view.series.p50_ms[0]).toBeNull();
    expect(view.series.p50_ms[2]).toBeGreaterThan(750);
    expect(view.totals).toMatchObject({ requests: 4, client_errors: 1, server_errors: 1, error_rate: 0.5, input_tokens: 20, output_tokens: 10, cost_usd: 0.251 });
    expect(view.by_model).toEqual([
      { model: "claude", requests: 2, errors: 1, input_tokens: 10, output_tokens: 5, cost_usd: 0.25 },
      { model: "gpt-4o", requests: 2, errors: 1, input_tokens: 10, output_tokens: 5, cost_usd: 0.001 },
    ]);
    expect(view.by_key).toEqual([
      { key_id: "key_0000000000000001", key_name: null, requests: 3, errors: 1, input_tokens: 20, output_tokens: 10, cost_usd: 0.251 },
      { key_id: null, key_name: null, requests: 1, errors: 1, input_tokens: 0, output_tokens: 0, cost_usd: 0 },
    ]);
  });

  it("forgets a minute once the ring comes round to it again, and bounds the window by the history kept", () => {
    const stats = new MinuteStats(1);
    stats.add(T0, record());
    expect(stats.window(T0 + 59 * MINUTE, 60).totals.requests).toBe(1);
    expect(stats.window(T0 + 60 * MINUTE, 60).totals.requests).toBe(0);
    // A request 60 minutes later reuses the slot: the old minute is cleared, not added to.
    stats.add(T0 + 60 * MINUTE, record({ model: "claude" }));
    const view = stats.window(T0 + 60 * MINUTE, 10_000);
    expect(view.minutes).toBe(60);
    expect(view.totals.requests).toBe(1);
    expect(view.by_model.map((m) => m.model)).toEqual(["claude"]);
  });

  it("counts made-up model names past the per-minute cap under (other)", () => {
    const stats = new MinuteStats(1);
    for (let i = 0; i < 500; i++) stats.add(T0, record({ model: `m${i}` }));
    const models = stats.window(T0, 1).by_model;
    expect(models.length).toBe(201);
    expect(models[0]).toMatchObject({ model: "(other)", requests: 300 });
  });
});

describe("recent requests", () => {
  it("keeps the last N, newest first, and filters them", () => {
    const recent = new RecentRequests(3, true);
    const records = [record(), record({ status: 500, model: "claude" }), record(), record({ status: 401, key_id: null })];
    for (const r of records) recent.add(r);
    expect(recent.count).toBe(3);
    expect(recent.list(10).map((s) => s.id)).toEqual([records[3]!.id, records[2]!.id, records[1]!.id]);
    expect(recent.list(1).map((s) => s.id)).toEqual([records[3]!.id]);
    expect(recent.list(10, { outcome: "error" }).map((s) => s.status)).toEqual([401, 500]);
    expect(recent.list(10, { outcome: "ok" }).map((s) => s.id)).toEqual([records[2]!.id]);
    expect(recent.list(10, { model: "claude" }).map((s) => s.id)).toEqual([records[1]!.id]);
    expect(recent.detailJson(records[0]!.id)).toBeNull();
    expect(recent.list(1)[0]).toMatchObject({ served_by: "oa:gpt-4o", attempts: 1, input_tokens: 10, output_tokens: 5, cost_usd: 0.001, key_id: null });
  });

  it("applies routes.yaml's logs.redact rules to the bodies it shows, as a sink would", () => {
    const account = /ACME-[0-9]{6}/g;
    const rules = { json: (body: any) => void (body.user = "[user]"), text: (text: string) => text.replace(account, "[account]") };
    const recent = new RecentRequests(5, true, rules);
    const r = record({
      request_body: JSON.stringify({ model: "gpt-4o", user: "alice@example.com", messages: [{ role: "user", content: "bill ACME-123456" }] }),
      response: { text: "done for ACME-654321", finish_reason: "stop" },
    });
    recent.add(r);
    const shown = recent.detailJson(r.id)!;
    expect(shown).not.toContain("ACME-123456");
    expect(shown).not.toContain("ACME-654321");
    expect(shown).not.toContain("alice@example.com");
    expect(JSON.parse(JSON.parse(shown).request_body)).toMatchObject({ user: "[user]", messages: [{ content: "bill [account]" }] });
    // The record the ring holds (shared with nothing else) is left as it was.
    expect(r.response!.text).toBe("done for ACME-654321");
  });

  it("keeps bodies only when the request log does, and redacts secrets when read", () => {
    registerSecret("provider-secret-abcdef123456");
    const body = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "sk-abcdefghijklmnopqrstuv and provider-secret-abcdef123456" }] });
    const withBodies = new RecentRequests(5, true);
    const withoutBodies = new RecentRequests(5, false);
    const r = record({ request_body: body, response_body: '{"ok":true}' });
    withBodies.add(r);
    withoutBodies.add(r);
    const kept = JSON.parse(withBodies.detailJson(r.id)!);
    expect(kept.request_body).toContain("[REDACTED] and [REDACTED]");
    expect(withBodies.detailJson(r.id)).not.toContain("provider-secret-abcdef123456");
    expect(kept.response_body).toBe('{"ok":true}');
    const bare = JSON.parse(withoutBodies.detailJson(r.id)!);
    expect(bare.request_body).toBeUndefined();
    expect(bare.response_body).toBeUndefined();
    expect(bare.status).toBe(200);
    // The caller's record is left as it was.
    expect(r.request_body).toBe(body);
  });

  it("keeps its own copy of a stream's bytes, which the request log's thread takes, and assembles it when shown", () => {
    const text = 'data: {"choices":[{"index":0,"delta":{"content":"done for ACME-654321"}}]}\n\ndata: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
    const rules = { json: () => {}, text: (t: string) => t.replace(/ACME-[0-9]{6}/g, "[account]") };
    const recent = new RecentRequests(5, true, rules);
    const without = new RecentRequests(5, false);
    const r = record({ stream: true, response_stream: { api: "openai", bytes: new TextEncoder().encode(text), finishReason: "stop" } });
    recent.add(r);
    without.add(r);
    // The log moves the bytes to its thread after the observers saw the record.
    structuredClone(r.response_stream!.bytes, { transfer: [r.response_stream!.bytes.buffer as ArrayBuffer] });
    expect(r.response_stream!.bytes.byteLength).toBe(0);
    for (let i = 0; i < 2; i++) {
      const shown = JSON.parse(recent.detailJson(r.id)!);
      expect(shown.response).toEqual({ text: "done for [account]", finish_reason: "stop" });
      expect(shown).not.toHaveProperty("response_stream");
    }
    const bare = JSON.parse(without.detailJson(r.id)!);
    expect(bare).not.toHaveProperty("response");
    expect(bare).not.toHaveProperty("response_stream");
  });

  it("leaves out bodies over the per-request limit and drops the oldest bodies past the budget", () => {
    const recent = new RecentRequests(1000, true);
    const huge = record({ request_body: "x".repeat(MAX_BODY_CHARS + 1) });
    recent.add(huge);
    expect(JSON.parse(recent.detailJson(huge.id)!)).toMatchObject({ bodies_omitted: expect.stringContaining("larger than") });
    const perRequest = MAX_BODY_CHARS - 10;
    const count = Math.ceil(BODY_BUDGET_CHARS / perRequest) + 5;
    const added = Array.from({ length: count }, () => record({ request_body: "y".repeat(perRequest) }));
    for (const r of added) recent.add(r);
    const held = added.filter((r) => JSON.parse(recent.detailJson(r.id)!).request_body !== undefined);
    expect(held.length * perRequest).toBeLessThanOrEqual(BODY_BUDGET_CHARS);
    expect(held.length).toBe(Math.floor(BODY_BUDGET_CHARS / perRequest));
    // The newest keep theirs; the oldest say where theirs went.
    expect(held.at(-1)).toBe(added.at(-1));
    expect(JSON.parse(recent.detailJson(added[0]!.id)!).bodies_omitted).toContain("pushed out");
  });
});

describe("live view", () => {
  it("feeds both from each record, at the minute the clock says", () => {
    let now = T0 + 30_000;
    const view = new LiveView({ recentRequests: 10, historyHours: 1, bodies: false }, () => now);
    view.observe(record());
    now += MINUTE;
    view.observe(record({ status: 503 }));
    expect(view.minutes.window(now, 2).series.requests).toEqual([1, 1]);
    expect(view.recent.list(10).map((r) => r.status)).toEqual([503, 200]);
  });
});
