// The bounded connection queue end to end (issue 15): test/e2e/connection-queue.routes.yaml is built and run as
// its own process in front of slow loopback mocks. Requests beyond a provider's max_connections wait in its
// queue; the next one past queue.max, or a waiter past queue.timeout_ms, gets a 503 with Retry-After in its
// client's own format, or the route's next target when it has one. /health and /metrics show the queue.
// Nothing here times the gateway: the slow mock holds its answers long enough (seconds) for the test to look.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, logged, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { until } from "../support/wait.ts";

/** Long enough for the test to see the requests wait on a busy machine; short enough to keep the suite quick. */
const HOLD_MS = 3000;

let slow: MockUpstream;
let anSlow: MockUpstream;
let backup: MockUpstream;
let gw: RunningGateway;

beforeAll(async () => {
  [slow, anSlow, backup] = await Promise.all([
    startMockUpstream({ api: "openai", default: { kind: "reply", delayMs: HOLD_MS } }),
    startMockUpstream({ api: "anthropic", default: { kind: "reply", delayMs: HOLD_MS } }),
    startMockUpstream({ api: "openai" }),
  ]);
  const { bundle } = await buildCase("connection-queue", "test/e2e/connection-queue.routes.yaml");
  gw = await startGateway(bundle, { KEY: "sk-upstream-0123456789abcdefghij", SLOW_URL: slow.url, AN_SLOW_URL: anSlow.url, BACKUP_URL: backup.url });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([slow, anSlow, backup].map((m) => m?.close()));
});

const openaiChat = (model: string) =>
  fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }) });
const anthropicMessages = (model: string) =>
  fetch(`${gw.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
  });

async function connections(provider: string): Promise<Record<string, number>> {
  const body = (await (await fetch(`${gw.url}/health`)).json()) as { upstreams: Array<Record<string, any>> };
  const found = body.upstreams.find((u) => u.provider === provider);
  expect(found, `${provider} in /health upstreams`).toBeDefined();
  return found!;
}

/** One series' value from /metrics, 0 when it is absent. */
async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** Fills `provider`'s two connections and two queue places, waiting until /health says so. */
async function fill(provider: string, send: () => Promise<Response>): Promise<Array<Promise<Response>>> {
  const held = [send(), send()];
  await until(`${provider}: 2 in flight`, () => connections(provider), (c) => c.in_flight === 2);
  held.push(send(), send());
  await until(`${provider}: 2 waiting`, () => connections(provider), (c) => c.queued === 2);
  return held;
}

describe("a provider's connection queue", () => {
  it("OpenAI: the 5th concurrent request gets 503 + Retry-After in OpenAI's format; /health and /metrics show the queue while it waits and 0 after", async () => {
    const rejectedBefore = await metric("switchyard_upstream_queue_rejected_total", 'provider="narrow",reason="full"');
    const held = await fill("narrow", () => openaiChat("slow"));
    expect(await metric("switchyard_upstream_queue_depth", 'provider="narrow"')).toBe(2);
    expect(await metric("switchyard_upstream_in_flight", 'provider="narrow"')).toBe(2);
    expect(await connections("narrow")).toMatchObject({ max_connections: 2, queue_max: 2, queue_timeout_ms: 20000 });

    const { result, record } = await logged(gw, async () => {
      const response = await openaiChat("slow");
      return { status: response.status, retryAfter: response.headers.get("retry-after"), body: (await response.json()) as any };
    });
    expect(result!.status).toBe(503);
    expect(result!.retryAfter).toBe("1");
    expect(result!.body.error).toMatchObject({ type: expect.any(String), code: "all_targets_failed" });
    expect(result!.body.error.message).toContain("narrow:slow → connection queue full: 2 connections in use, 2 requests waiting");
    expect(record).toMatchObject({ status: 503, route: "slow", error_code: "all_targets_failed" });
    expect(record.attempts).toEqual([{ provider: "narrow", model: "slow", status: null, latency_ms: 0, skipped: "connection queue full: 2 connections in use, 2 requests waiting" }]);
    expect(await metric("switchyard_upstream_queue_rejected_total", 'provider="narrow",reason="full"')).toBe(rejectedBefore + 1);

    // The four admitted requests all get their answer: two at once, two after a connection came free.
    const statuses = await Promise.all(held.map(async (r) => (await r).status));
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(await connections("narrow")).toMatchObject({ in_flight: 0, queued: 0, rejected_full: 1 });
    expect(await metric("switchyard_upstream_queue_depth", 'provider="narrow"')).toBe(0);
  });

  it("Anthropic: the 5th concurrent request gets 503 + Retry-After in Anthropic's format", async () => {
    const held = await fill("narrow-anthropic", () => anthropicMessages("claude-slow"));
    const response = await anthropicMessages("claude-slow");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    const body = (await response.json()) as any;
    expect(body).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(body.error.message).toContain("connection queue full");
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });

  it("a request that waits past queue.timeout_ms gets 503 + Retry-After; the one holding the connection is unharmed", async () => {
    const holder = openaiChat("brief");
    await until("brief: 1 in flight", () => connections("brief"), (c) => c.in_flight === 1);
    const { result, record } = await logged(gw, async () => {
      const response = await openaiChat("brief");
      return { status: response.status, retryAfter: response.headers.get("retry-after"), body: (await response.json()) as any };
    });
    expect(result!.status).toBe(503);
    expect(result!.retryAfter).toBe("1");
    expect(result!.body.error.message).toContain("brief:brief → no free connection within 300 ms");
    expect(record.attempts).toMatchObject([{ provider: "brief", skipped: "no free connection within 300 ms (1 in use)" }]);
    expect(await connections("brief")).toMatchObject({ queued: 0, rejected_timeout: 1 });
    expect(await metric("switchyard_upstream_queue_rejected_total", 'provider="brief",reason="timeout"')).toBe(1);
    expect((await holder).status).toBe(200);
  });

  it("a target whose queue is full is skipped and the route falls back to its next target", async () => {
    const holder = openaiChat("spill");
    await until("spill: 1 in flight", () => connections("spill"), (c) => c.in_flight === 1);
    const backupSeen = backup.requests.length;
    const { result, record } = await logged(gw, async () => {
      const response = await openaiChat("spill");
      return { status: response.status, body: (await response.json()) as any };
    });
    expect(result!.status).toBe(200);
    expect(result!.body.choices[0].message.content).toBeTruthy();
    expect(backup.requests.length).toBe(backupSeen + 1);
    expect(record.attempts.map((a: any) => [a.provider, a.status, a.skipped])).toEqual([
      ["spill", null, "connection queue full: 1 connections in use, 0 requests waiting"],
      ["backup", 200, undefined],
    ]);
    expect((await holder).status).toBe(200);
  });
});
