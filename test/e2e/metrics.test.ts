// GET /metrics through the built bundle: scraped and parsed with a Prometheus text-format parser
// (prom2javascript), every counter and histogram checked to move by exactly what the test sent, both
// client APIs, a retry and a fallback after upstream 500s, a breaker opening, a rate-limit 429, a budget
// 429, bounded labels (a glob route's client-chosen models are labelled with its pattern, keys by id), the
// admin-key guard, the log-drop counter, and `metrics: { enabled: false }` answering 404.
import { Readable } from "node:stream";
import { getMetricsFromStream, type PromHistogramData, type PromMetrics } from "prom2javascript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";

const UPSTREAM_KEY = "sk-upstream-metrics-test-aaaaaaaa";
const ADMIN_KEY = "admin-key-for-the-metrics-test-0123456789";
const CONFIG = "test/e2e/metrics.routes.yaml";
/** Every mock reply reports these tokens: at the fixture's prices ($0.001 an output token), $0.01 a request. */
const USAGE = { input: 5, output: 10, cacheRead: 0, cacheCreation: 0 };
const ANTHROPIC_USAGE = { input: 5, output: 10, cacheRead: 3, cacheCreation: 2 };

let oa: MockUpstream;
let ob: MockUpstream;
let an: MockUpstream;
const bundles: Record<string, string> = {};
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  [oa, ob, an] = await Promise.all([
    startMockUpstream({ api: "openai", default: { kind: "reply", usage: USAGE } }),
    startMockUpstream({ api: "openai", default: { kind: "reply", usage: USAGE } }),
    startMockUpstream({ api: "anthropic", default: { kind: "reply", usage: ANTHROPIC_USAGE } }),
  ]);
  for (const env of ["dev", "open", "off"]) bundles[env] = (await buildCase(`metrics-${env}`, CONFIG, env)).bundle;
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await Promise.all([oa?.close(), ob?.close(), an?.close()]);
});

async function gateway(env: string): Promise<RunningGateway> {
  const gw = await startGateway(bundles[env]!, { OA_URL: oa.url, OB_URL: ob.url, AN_URL: an.url, UPSTREAM_KEY, SWITCHYARD_ADMIN_KEY: ADMIN_KEY, SWITCHYARD_STORE: "sqlite:keys.db" });
  gateways.push(gw);
  return gw;
}

async function scrapeText(gw: RunningGateway, key: string | null = ADMIN_KEY): Promise<Response> {
  return fetch(`${gw.url}/metrics`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
}

async function scrape(gw: RunningGateway): Promise<PromMetrics> {
  const res = await scrapeText(gw);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  return getMetricsFromStream(Readable.from([await res.text()]));
}

function matches(labels: Record<string, string>, want: Record<string, string>): boolean {
  return Object.entries(want).every(([name, value]) => labels[name] === value);
}

/** The sum of a counter's or gauge's samples whose labels include `want` (0 when there are none). */
function value(metrics: PromMetrics, name: string, want: Record<string, string> = {}): number {
  const metric = metrics[name];
  if (metric === undefined) return 0;
  return (metric.data as Array<{ labels: Record<string, string>; value: number }>).filter((d) => matches(d.labels, want)).reduce((sum, d) => sum + d.value, 0);
}

/** A histogram's observation count and sum over the series whose labels include `want`. */
function histogram(metrics: PromMetrics, name: string, want: Record<string, string> = {}): { count: number; sum: number; buckets: Record<string, number> } {
  const out = { count: 0, sum: 0, buckets: {} as Record<string, number> };
  for (const d of (metrics[name]?.data ?? []) as PromHistogramData[]) {
    if (!matches(d.labels, want)) continue;
    out.count += d.count;
    out.sum += d.sum ?? 0;
    for (const [le, n] of Object.entries(d.buckets)) out.buckets[le] = (out.buckets[le] ?? 0) + n;
  }
  return out;
}

/** Every label set a metric reports. */
function labelSets(metrics: PromMetrics, name: string): Array<Record<string, string>> {
  return ((metrics[name]?.data ?? []) as Array<{ labels: Record<string, string> }>).map((d) => d.labels);
}

const messages = [{ role: "user", content: "hi" }];

async function chat(gw: RunningGateway, key: string | null, model: string, extra: object = {}): Promise<number> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify({ model, messages, max_tokens: 10, ...extra }) });
  await res.arrayBuffer();
  return res.status;
}

async function message(gw: RunningGateway, key: string, model: string, extra: object = {}): Promise<number> {
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": key },
    body: JSON.stringify({ model, messages, max_tokens: 10, ...extra }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function createKey(gw: RunningGateway, body: object): Promise<{ id: string; key: string }> {
  const res = await fetch(`${gw.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string };
}

describe("metrics with keys required", () => {
  let gw: RunningGateway;
  let alice: { id: string; key: string };
  let tight: { id: string; key: string };
  /** Log records so far: a request's record reaches the observers before its log line is written. */
  let records = 0;

  /** Runs `send`, waits until its `n` records are logged (so the metrics saw them), and returns the scrapes around it. */
  async function step(n: number, send: () => Promise<unknown>): Promise<{ before: PromMetrics; after: PromMetrics }> {
    const before = await scrape(gw);
    await send();
    records += n;
    await gw.waitForLogRecords(records);
    return { before, after: await scrape(gw) };
  }

  beforeAll(async () => {
    gw = await gateway("dev");
    alice = await createKey(gw, { name: "alice" });
    tight = await createKey(gw, { name: "tight", budget_usd: 0.01, budget_period: "day" });
  });

  it("refuses a scrape without the admin key, or with a wrong one, and never shows a secret", async () => {
    const missing = await scrapeText(gw, null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toBe("Bearer");
    expect(((await missing.json()) as any).error.message).toContain("missing admin key");
    expect((await scrapeText(gw, "not-the-admin-key")).status).toBe(401);
    // A client key is not an admin key.
    expect((await scrapeText(gw, alice.key)).status).toBe(401);
    const text = await (await scrapeText(gw)).text();
    for (const secret of [UPSTREAM_KEY, ADMIN_KEY, alice.key, tight.key]) expect(text).not.toContain(secret);
    expect(text).toContain("# TYPE switchyard_requests_total counter");
  });

  it("an OpenAI request: requests, duration, upstream duration, tokens and cost move by exactly one request", async () => {
    const { before, after } = await step(1, async () => expect(await chat(gw, alice.key, "gpt-4o")).toBe(200));
    const served = { route: "gpt-4o", provider: "oa", model: "gpt-4o" };
    expect(value(after, "switchyard_requests_total") - value(before, "switchyard_requests_total")).toBe(1);
    expect(value(after, "switchyard_requests_total", { ...served, status_class: "2xx", api: "openai" }) - value(before, "switchyard_requests_total", { ...served, status_class: "2xx", api: "openai" })).toBe(1);
    const duration = histogram(after, "switchyard_request_duration_seconds", { ...served, status_class: "2xx" });
    expect(duration.count - histogram(before, "switchyard_request_duration_seconds", { ...served, status_class: "2xx" }).count).toBe(1);
    expect(duration.buckets["+Inf"]).toBe(duration.count);
    expect(duration.sum).toBeGreaterThan(0);
    expect(histogram(after, "switchyard_upstream_duration_seconds").count - histogram(before, "switchyard_upstream_duration_seconds").count).toBe(1);
    expect(histogram(after, "switchyard_upstream_duration_seconds", { ...served, status_class: "2xx" }).count).toBeGreaterThanOrEqual(1);
    const tokens = (direction: string, m: PromMetrics) => value(m, "switchyard_tokens_total", { direction, model: "gpt-4o", key: alice.id });
    expect(tokens("input", after) - tokens("input", before)).toBe(USAGE.input);
    expect(tokens("output", after) - tokens("output", before)).toBe(USAGE.output);
    expect(tokens("cache_read", after) - tokens("cache_read", before)).toBe(0);
    const cost = (m: PromMetrics) => value(m, "switchyard_cost_usd_total", { model: "gpt-4o", key: alice.id });
    expect(cost(after) - cost(before)).toBeCloseTo(0.01, 9);
    // A non-stream answer has no time to first token.
    expect(histogram(after, "switchyard_time_to_first_token_seconds").count).toBe(histogram(before, "switchyard_time_to_first_token_seconds").count);
  });

  it("a stream: one time-to-first-token observation, no longer than the request took", async () => {
    const { before, after } = await step(1, async () => expect(await chat(gw, alice.key, "gpt-4o", { stream: true })).toBe(200));
    const served = { route: "gpt-4o", provider: "oa", model: "gpt-4o" };
    const ttft = histogram(after, "switchyard_time_to_first_token_seconds", served);
    expect(ttft.count - histogram(before, "switchyard_time_to_first_token_seconds", served).count).toBe(1);
    const record = gw.logRecords().at(-1)!;
    expect(ttft.sum - histogram(before, "switchyard_time_to_first_token_seconds", served).sum).toBeCloseTo(record.ttfb_ms / 1000, 5);
    expect(value(after, "switchyard_requests_total", { ...served, status_class: "2xx" }) - value(before, "switchyard_requests_total", { ...served, status_class: "2xx" })).toBe(1);
  });

  it("upstream 500s: one retry on the first target, one fallback to the second, each try timed", async () => {
    oa.script({ kind: "error", status: 500 }, { kind: "error", status: 500 });
    const { before, after } = await step(1, async () => expect(await chat(gw, alice.key, "gpt-4o")).toBe(200));
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    expect(delta("switchyard_retries_total", {})).toBe(1);
    expect(delta("switchyard_retries_total", { route: "gpt-4o", provider: "oa" })).toBe(1);
    expect(delta("switchyard_fallbacks_total", {})).toBe(1);
    expect(delta("switchyard_fallbacks_total", { route: "gpt-4o", provider: "ob" })).toBe(1);
    const tries = (labels: Record<string, string>) => histogram(after, "switchyard_upstream_duration_seconds", labels).count - histogram(before, "switchyard_upstream_duration_seconds", labels).count;
    expect(tries({ route: "gpt-4o", provider: "oa", model: "gpt-4o", status_class: "5xx" })).toBe(2);
    expect(tries({ route: "gpt-4o", provider: "ob", model: "gpt-4o-mini", status_class: "2xx" })).toBe(1);
    expect(tries({})).toBe(3);
    // The request is counted once, under the target that served it.
    expect(delta("switchyard_requests_total", {})).toBe(1);
    expect(delta("switchyard_requests_total", { route: "gpt-4o", provider: "ob", model: "gpt-4o-mini", status_class: "2xx", api: "openai" })).toBe(1);
    expect(delta("switchyard_tokens_total", { direction: "output", model: "gpt-4o-mini", key: alice.id })).toBe(USAGE.output);
  });

  it("the Anthropic API on a glob route: client-chosen models are labelled with the route's pattern", async () => {
    const { before, after } = await step(2, async () => {
      expect(await message(gw, alice.key, "claude-3-haiku")).toBe(200);
      expect(await message(gw, alice.key, "claude-opus-9", { stream: true })).toBe(200);
    });
    const served = { route: "claude-star", provider: "an", model: "claude-*" };
    expect(labelSets(after, "switchyard_requests_total").some((l) => matches(l, served))).toBe(true);
    expect(value(after, "switchyard_requests_total", { ...served, api: "anthropic", status_class: "2xx" }) - value(before, "switchyard_requests_total", { ...served, api: "anthropic", status_class: "2xx" })).toBe(2);
    const tokens = (direction: string) =>
      value(after, "switchyard_tokens_total", { direction, model: "claude-*", key: alice.id }) - value(before, "switchyard_tokens_total", { direction, model: "claude-*", key: alice.id });
    expect(tokens("input")).toBe(2 * ANTHROPIC_USAGE.input);
    expect(tokens("output")).toBe(2 * ANTHROPIC_USAGE.output);
    expect(tokens("cache_read")).toBe(2 * ANTHROPIC_USAGE.cacheRead);
    expect(tokens("cache_write")).toBe(2 * ANTHROPIC_USAGE.cacheCreation);
    const text = await (await scrapeText(gw)).text();
    expect(text).not.toContain("claude-3-haiku");
    expect(text).not.toContain("claude-opus-9");
  });

  it("a rate-limit 429 counts once per refused request, by route and key id, and as a 4xx with no provider", async () => {
    const { before, after } = await step(3, async () => {
      expect(await chat(gw, alice.key, "limited")).toBe(200);
      expect(await chat(gw, alice.key, "limited")).toBe(429);
      expect(await chat(gw, alice.key, "limited")).toBe(429);
    });
    expect(value(after, "switchyard_rate_limited_total") - value(before, "switchyard_rate_limited_total")).toBe(2);
    expect(value(after, "switchyard_rate_limited_total", { route: "limited", key: alice.id }) - value(before, "switchyard_rate_limited_total", { route: "limited", key: alice.id })).toBe(2);
    const refused = { route: "limited", provider: "none", model: "none", status_class: "4xx", api: "openai" };
    expect(value(after, "switchyard_requests_total", refused) - value(before, "switchyard_requests_total", refused)).toBe(2);
    expect(value(after, "switchyard_budget_exceeded_total") - value(before, "switchyard_budget_exceeded_total")).toBe(0);
  });

  it("a budget 429 counts by key id; the request it allowed is in the cost", async () => {
    const { before, after } = await step(2, async () => {
      expect(await chat(gw, tight.key, "gpt-4o")).toBe(200);
      expect(await chat(gw, tight.key, "gpt-4o")).toBe(429);
    });
    expect(value(after, "switchyard_budget_exceeded_total") - value(before, "switchyard_budget_exceeded_total")).toBe(1);
    expect(value(after, "switchyard_budget_exceeded_total", { key: tight.id })).toBe(1);
    expect(value(after, "switchyard_cost_usd_total", { key: tight.id })).toBeCloseTo(0.01, 9);
    expect(value(after, "switchyard_rate_limited_total") - value(before, "switchyard_rate_limited_total")).toBe(0);
  });

  it("refusals before routing: no key, and an unknown model, under route \"none\"", async () => {
    const { before, after } = await step(2, async () => {
      expect(await chat(gw, null, "gpt-4o")).toBe(401);
      expect(await chat(gw, alice.key, "no-such-model")).toBe(404);
    });
    const none = { route: "none", provider: "none", model: "none", status_class: "4xx", api: "openai" };
    expect(value(after, "switchyard_requests_total", none) - value(before, "switchyard_requests_total", none)).toBe(2);
    expect(value(after, "switchyard_requests_total") - value(before, "switchyard_requests_total")).toBe(2);
    // Anonymous: the key label is empty, and a refused request has no tokens.
    expect(value(after, "switchyard_tokens_total") - value(before, "switchyard_tokens_total")).toBe(0);
  });

  it("breaker state: 0 while closed, 2 once a failure opened it", async () => {
    const closed = await scrape(gw);
    expect(labelSets(closed, "switchyard_breaker_state")).toContainEqual({ route: "fragile", target: "ob:gpt-4o-fragile" });
    expect(value(closed, "switchyard_breaker_state", { route: "fragile" })).toBe(0);
    ob.script({ kind: "error", status: 500 });
    const { after } = await step(1, async () => expect(await chat(gw, alice.key, "fragile")).toBe(502));
    expect(value(after, "switchyard_breaker_state", { route: "fragile", target: "ob:gpt-4o-fragile" })).toBe(2);
    expect(value(after, "switchyard_breaker_state", { route: "gpt-4o", target: "oa:gpt-4o" })).toBe(0);
  });

  it("in-flight requests are read at scrape time", async () => {
    expect(value(await scrape(gw), "switchyard_in_flight")).toBe(0);
    oa.script({ kind: "reply", usage: USAGE, delayMs: 1500 });
    const slow = chat(gw, alice.key, "gpt-4o");
    await oa.waitForRequests(oa.requests.length + 1);
    expect(value(await scrape(gw), "switchyard_in_flight")).toBe(1);
    expect(await slow).toBe(200);
    records += 1;
    await gw.waitForLogRecords(records);
    expect(value(await scrape(gw), "switchyard_in_flight")).toBe(0);
  });

  it("every request so far is counted exactly once, and the log lost none", async () => {
    const metrics = await scrape(gw);
    expect(value(metrics, "switchyard_requests_total")).toBe(gw.logRecords().length);
    expect(histogram(metrics, "switchyard_request_duration_seconds").count).toBe(gw.logRecords().length);
    expect(labelSets(metrics, "switchyard_log_records_dropped_total")).toEqual([{ sink: "jsonl" }]);
    expect(value(metrics, "switchyard_log_records_dropped_total")).toBe(0);
  });
});

describe("metrics without keys", () => {
  it("are open when client keys are not required, and count request-log records that could not be written", async () => {
    const gw = await gateway("open");
    const first = await scrapeText(gw, null);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('switchyard_log_records_dropped_total{sink="jsonl"} 0');
    for (let i = 0; i < 5; i++) expect(await chat(gw, null, "gpt-4o")).toBe(200);
    // The log's directory cannot be created (/dev/null is not a directory): the sink's queue keeps 2 records
    // for its retries, and the 3 that do not fit are dropped and counted.
    const deadline = Date.now() + 5000;
    let dropped = 0;
    while (Date.now() < deadline && dropped < 3) {
      dropped = value(await getMetricsFromStream(Readable.from([await (await scrapeText(gw, null)).text()])), "switchyard_log_records_dropped_total", { sink: "jsonl" });
      if (dropped < 3) await new Promise((r) => setTimeout(r, 25));
    }
    expect(dropped).toBe(3);
    const metrics = await getMetricsFromStream(Readable.from([await (await scrapeText(gw, null)).text()]));
    expect(value(metrics, "switchyard_requests_total", { route: "gpt-4o", provider: "oa", status_class: "2xx" })).toBe(5);
    // Anonymous requests: tokens under key "".
    expect(value(metrics, "switchyard_tokens_total", { direction: "output", model: "gpt-4o", key: "" })).toBe(5 * USAGE.output);
  });

  it("metrics: { enabled: false } answers 404 and still serves requests", async () => {
    const gw = await gateway("off");
    const key = await createKey(gw, { name: "bob" });
    expect(await chat(gw, key.key, "gpt-4o")).toBe(200);
    const res = await scrapeText(gw);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("switchyard_");
  });
});
