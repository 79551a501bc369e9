// Fault injection end to end: test/e2e/resilience.routes.yaml is compiled and run as its own process, loopback
// mocks inject faults on cue, and the official SDKs (with their own retries off, so every retry measured is
// the gateway's) drive it. Each test checks what the client saw, what the upstreams received and the
// attempts, waits and timings the request log records; breaker transitions are read from GET /health.
// Timing bounds are generous: CI has two busy cores.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, logged, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";

let flaky: MockUpstream;
let down: MockUpstream;
let slow: MockUpstream;
let anSlow: MockUpstream;
let backup: MockUpstream;
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;

const hello = [{ role: "user" as const, content: "hi" }];

beforeAll(async () => {
  [flaky, down, slow, anSlow, backup] = await Promise.all([
    startMockUpstream({ api: "openai" }),
    startMockUpstream({ api: "openai", default: { kind: "error", status: 503 } }),
    startMockUpstream({ api: "openai" }),
    startMockUpstream({ api: "anthropic" }),
    startMockUpstream({ api: "openai" }),
  ]);
  const { bundle } = await buildCase("resilience", "test/e2e/resilience.routes.yaml");
  gw = await startGateway(bundle, {
    KEY: "sk-upstream-0123456789abcdefghij",
    FLAKY_URL: flaky.url,
    DOWN_URL: down.url,
    SLOW_URL: slow.url,
    AN_SLOW_URL: anSlow.url,
    BACKUP_URL: backup.url,
  });
  openai = new OpenAI({ apiKey: "client-key", baseURL: `${gw.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "client-key", baseURL: gw.url, maxRetries: 0 });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([flaky, down, slow, anSlow, backup].map((m) => m?.close()));
});

const chat = (model: string) => () => openai.chat.completions.create({ model, messages: hello });

async function health(): Promise<Array<Record<string, any>>> {
  const body = (await (await fetch(`${gw.url}/health`)).json()) as { status: string; targets: Array<Record<string, any>> };
  expect(body.status).toBe("ok");
  return body.targets;
}

async function breakerOf(route: string, target: string): Promise<Record<string, any>> {
  const found = (await health()).find((t) => t.route === route && t.target === target);
  expect(found, `${route} ${target} in /health`).toBeDefined();
  return found!;
}

/** Polls /health until the breaker reaches `state` (open_ms elapsing), rather than sleeping a guess. */
async function breakerBecomes(route: string, target: string, state: string, timeoutMs = 6000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await breakerOf(route, target)).state !== state) {
    if (Date.now() > deadline) throw new Error(`${route} ${target} never became ${state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("retries on the same target", () => {
  it("retries 503s with growing full-jitter backoff and succeeds on the third try", async () => {
    const seen = { flaky: flaky.requests.length, backup: backup.requests.length };
    flaky.script({ kind: "error", status: 503 }, { kind: "error", status: 503 });
    const { result, record } = await logged(gw, chat("retry-5xx"));
    expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(flaky.requests.length - seen.flaky).toBe(3);
    expect(backup.requests.length).toBe(seen.backup);
    expect(record.attempts.map((a: any) => [a.provider, a.status, a.retry])).toEqual([
      ["flaky", 503, undefined],
      ["flaky", 503, 1],
      ["flaky", 200, 2],
    ]);
    // Full jitter: the n-th retry waits in [0, min(max_ms, base_ms·2^(n-1))).
    expect(record.attempts[1].backoff_ms).toBeLessThan(50);
    expect(record.attempts[2].backoff_ms).toBeLessThan(100);
    expect(record.status).toBe(200);
  });

  it("falls back to the next target once max_attempts tries failed", async () => {
    flaky.script({ kind: "error", status: 500 }, { kind: "error", status: 502 }, { kind: "error", status: 503 });
    const { result, record } = await logged(gw, chat("retry-5xx"));
    expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(record.attempts.map((a: any) => [a.provider, a.status])).toEqual([
      ["flaky", 500],
      ["flaky", 502],
      ["flaky", 503],
      ["backup", 200],
    ]);
    expect(record.attempts[2].no_retry).toBe("max attempts (3)");
  });

  it("retries a connection reset before the response", async () => {
    flaky.script({ kind: "reset" });
    const { result, record } = await logged(gw, chat("retry-5xx"));
    expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(record.attempts[0]).toMatchObject({ provider: "flaky", status: null, error: "connection reset" });
    expect(record.attempts[1]).toMatchObject({ provider: "flaky", status: 200, retry: 1 });
  });

  it("does not retry a stream that broke after it started: the client sees the break", async () => {
    const seen = { flaky: flaky.requests.length, backup: backup.requests.length };
    flaky.script({ kind: "reset", afterEvents: 2 });
    const { error, record } = await logged(gw, async () => {
      const stream = await openai.chat.completions.create({ model: "retry-5xx", messages: hello, stream: true });
      for await (const _ of stream);
    });
    expect(error).toBeInstanceOf(Error);
    expect(flaky.requests.length - seen.flaky).toBe(1);
    expect(backup.requests.length).toBe(seen.backup);
    expect(record.attempts).toHaveLength(1);
    expect(record.error).toBe("upstream stream broke: connection reset");
  });

  it("does not retry a 401: the key will not get better, so the next target at once", async () => {
    flaky.script({ kind: "error", status: 401 });
    const { record } = await logged(gw, chat("retry-5xx"));
    expect(record.attempts.map((a: any) => [a.provider, a.status])).toEqual([
      ["flaky", 401],
      ["backup", 200],
    ]);
    expect(record.attempts[0].no_retry).toBe("not retryable");
  });

  it("retries after a first-byte timeout", async () => {
    flaky.script({ kind: "reply", delayMs: 1500 });
    const { result, record, elapsed } = await logged(gw, chat("first-byte"));
    expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(record.attempts[0]).toMatchObject({ provider: "impatient", status: null, error: "first byte timeout" });
    expect(record.attempts[0].latency_ms).toBeGreaterThanOrEqual(280);
    expect(record.attempts[1]).toMatchObject({ provider: "impatient", status: 200, retry: 1 });
    expect(elapsed).toBeLessThan(1400);
  });
});

describe("retries through the Anthropic SDK and through a translator", () => {
  it("retries an Anthropic 529 (overloaded) for an Anthropic client", async () => {
    const seen = anSlow.requests.length;
    anSlow.script({ kind: "error", status: 529 });
    const { result, record } = await logged(gw, () => anthropic.messages.create({ model: "claude-retry", max_tokens: 50, messages: hello }));
    expect(result!.content[0]).toMatchObject({ type: "text", text: "Hello from the mock upstream." });
    expect(anSlow.requests.length - seen).toBe(2);
    expect(record.attempts.map((a: any) => [a.provider, a.status, a.retry])).toEqual([
      ["an-stalling", 529, undefined],
      ["an-stalling", 200, 1],
    ]);
    expect(record.attempts[1].backoff_ms).toBeLessThan(10);
  });

  it("honours an Anthropic upstream's retry-after-ms for an OpenAI client, translating every try", async () => {
    anSlow.script({ kind: "error", status: 429, headers: { "retry-after-ms": "300" } });
    const { result, record, elapsed } = await logged(gw, chat("gpt-via-claude"));
    expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(record.attempts).toEqual([
      expect.objectContaining({ provider: "an-stalling", status: 429, translated: expect.objectContaining({ to: "anthropic" }) }),
      expect.objectContaining({ provider: "an-stalling", status: 200, retry: 1, backoff_ms: 300, translated: expect.objectContaining({ to: "anthropic" }) }),
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(280);
  });

  it("ends a translated stream that stalls with an error event in the OpenAI format", async () => {
    anSlow.script({ kind: "stall", afterEvents: 4 });
    const chunks: unknown[] = [];
    const { error, record } = await logged(gw, async () => {
      const stream = await openai.chat.completions.create({ model: "gpt-via-claude", messages: hello, stream: true });
      for await (const chunk of stream) chunks.push(chunk);
    });
    expect(chunks.length).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("idle timeout");
    expect(record.attempts).toHaveLength(1);
    expect(record.error).toBe("upstream stream broke: idle timeout");
  });
});

describe("Retry-After", () => {
  it.each([
    ["retry-after in seconds", { "retry-after": "1" }, 1000],
    ["retry-after-ms", { "retry-after-ms": "400" }, 400],
    ["Azure's x-ms-retry-after-ms", { "x-ms-retry-after-ms": "300" }, 300],
  ])("waits what a 429's %s asks, then retries the same target", async (_, headers, waitMs) => {
    flaky.script({ kind: "error", status: 429, headers });
    const { result, record, elapsed } = await logged(gw, chat("retry-after"));
    expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(record.attempts.map((a: any) => [a.provider, a.status])).toEqual([
      ["flaky", 429],
      ["flaky", 200],
    ]);
    // Beyond max_ms (200): an upstream's own wait is honoured up to patience_ms.
    expect(record.attempts[1]).toMatchObject({ retry: 1, backoff_ms: waitMs });
    expect(elapsed).toBeGreaterThanOrEqual(waitMs - 20);
    expect(elapsed).toBeLessThan(waitMs + 1500);
  });

  it("an HTTP-date Retry-After is honoured too", async () => {
    const send = chat("retry-after");
    const { record, elapsed } = await logged(gw, () => {
      // Dated just before the request goes out; whole seconds, so the wait is between 1 and 2 s.
      const at = new Date(Date.now() + 2000).toUTCString();
      flaky.script({ kind: "error", status: 429, headers: { "retry-after": at } });
      return send();
    });
    expect(record.attempts[1]).toMatchObject({ provider: "flaky", status: 200, retry: 1 });
    expect(record.attempts[1].backoff_ms).toBeGreaterThan(500);
    expect(record.attempts[1].backoff_ms).toBeLessThanOrEqual(2000);
    expect(elapsed).toBeGreaterThanOrEqual(record.attempts[1].backoff_ms - 20);
  });

  it("a 429 asking for longer than patience_ms falls back to the next target at once", async () => {
    const seen = flaky.requests.length;
    flaky.script({ kind: "error", status: 429, headers: { "retry-after": "30" } });
    const { result, record, elapsed } = await logged(gw, chat("retry-after"));
    expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(record.attempts.map((a: any) => [a.provider, a.status])).toEqual([
      ["flaky", 429],
      ["backup", 200],
    ]);
    expect(record.attempts[0].no_retry).toBe("retry-after 30000 ms exceeds patience 2000 ms");
    expect(flaky.requests.length - seen).toBe(1);
    expect(elapsed).toBeLessThan(1000);
  });

  it("a 429 without any wait gets the default one, capped by max_ms", async () => {
    flaky.script({ kind: "error", status: 429 });
    const { record, elapsed } = await logged(gw, chat("retry-after"));
    expect(record.attempts[1]).toMatchObject({ provider: "flaky", status: 200, retry: 1, backoff_ms: 200 });
    expect(elapsed).toBeGreaterThanOrEqual(180);
  });
});

describe("retry budget", () => {
  it("stops retrying once the route's budget is spent, so an outage does not double the traffic", async () => {
    const requests = 30;
    const seen = down.requests.length;
    const records: Array<Record<string, any>> = [];
    for (let i = 0; i < requests; i++) {
      const { result, record } = await logged(gw, chat("budget"));
      expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
      records.push(record);
    }
    const retries = records.filter((r) => r.attempts.some((a: any) => a.retry === 1)).length;
    // A reserve of 10 retries, then 0.1 per request: about 10 + 0.1·20 = 12 of 30 requests retried.
    expect(retries).toBeGreaterThanOrEqual(10);
    expect(retries).toBeLessThanOrEqual(13);
    expect(down.requests.length - seen).toBe(requests + retries);
    const refused = records.filter((r) => r.attempts[0].no_retry === "retry budget exhausted");
    expect(refused.length).toBe(requests - retries);
    expect(records.at(-1)!.attempts.map((a: any) => a.provider)).toContain("backup");
  });
});

describe("circuit breaker", () => {
  it("opens after consecutive failures, skips the target at once, probes after open_ms and closes on success", async () => {
    expect(await breakerOf("breaker-consecutive", "down:breaker-consecutive")).toMatchObject({ state: "closed", failures: 0 });
    for (let i = 0; i < 2; i++) {
      const { record } = await logged(gw, chat("breaker-consecutive"));
      expect(record.attempts.map((a: any) => [a.provider, a.status])).toEqual([
        ["down", 503],
        ["backup", 200],
      ]);
    }
    const open = await breakerOf("breaker-consecutive", "down:breaker-consecutive");
    expect(open).toMatchObject({ state: "open", failures: 2 });
    expect(Date.parse(open.retry_at) - Date.parse(open.opened_at)).toBe(3000);

    const seen = down.requests.length;
    const { record: skipped } = await logged(gw, chat("breaker-consecutive"));
    expect(skipped.attempts[0]).toMatchObject({ provider: "down", status: null, latency_ms: 0, skipped: "circuit open" });
    expect(skipped.attempts[1]).toMatchObject({ provider: "backup", status: 200 });
    expect(down.requests.length).toBe(seen);

    await breakerBecomes("breaker-consecutive", "down:breaker-consecutive", "half_open");
    down.script({ kind: "reply" });
    const { record: probe } = await logged(gw, chat("breaker-consecutive"));
    expect(probe.attempts).toHaveLength(1);
    expect(probe.attempts[0]).toMatchObject({ provider: "down", status: 200 });
    expect(await breakerOf("breaker-consecutive", "down:breaker-consecutive")).toMatchObject({ state: "closed", failures: 0, opened_at: null, retry_at: null });
  });

  it("a failed probe re-opens the breaker for another open_ms", async () => {
    for (let i = 0; i < 2; i++) await logged(gw, chat("breaker-consecutive"));
    const first = await breakerOf("breaker-consecutive", "down:breaker-consecutive");
    expect(first.state).toBe("open");
    await breakerBecomes("breaker-consecutive", "down:breaker-consecutive", "half_open");
    const { record: probe } = await logged(gw, chat("breaker-consecutive"));
    expect(probe.attempts.map((a: any) => [a.provider, a.status])).toEqual([
      ["down", 503],
      ["backup", 200],
    ]);
    const again = await breakerOf("breaker-consecutive", "down:breaker-consecutive");
    expect(again.state).toBe("open");
    expect(Date.parse(again.opened_at)).toBeGreaterThan(Date.parse(first.opened_at));
    const { record: skipped } = await logged(gw, chat("breaker-consecutive"));
    expect(skipped.attempts[0].skipped).toBe("circuit open");
  });

  it("opens when the error rate over the window passes error_rate with min_requests attempts", async () => {
    // fail, ok, fail: 2 of 3, below min_requests; the fourth failure makes 3 of 4 = 0.75 > 0.5.
    flaky.script({ kind: "error", status: 500 }, { kind: "reply" }, { kind: "error", status: 500 });
    for (let i = 0; i < 3; i++) await logged(gw, chat("breaker-rate"));
    expect(await breakerOf("breaker-rate", "flaky:breaker-rate")).toMatchObject({ state: "closed", failures: 1, window_requests: 3, window_failures: 2 });
    flaky.script({ kind: "error", status: 500 });
    await logged(gw, chat("breaker-rate"));
    expect(await breakerOf("breaker-rate", "flaky:breaker-rate")).toMatchObject({ state: "open", window_requests: 4, window_failures: 3 });
    const { record } = await logged(gw, chat("breaker-rate"));
    expect(record.attempts[0].skipped).toBe("circuit open");
  });

  it("keys a glob target's breakers by model: failures on some models leave the others served", async () => {
    // Before, one breaker covered every model of the route: these two failures answered glob-c with a 503.
    flaky.script({ kind: "error", status: 500 }, { kind: "error", status: 500 });
    for (const model of ["glob-a", "glob-b"]) {
      const { error, record } = await logged(gw, chat(model));
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect(record.attempts[0]).toMatchObject({ provider: "flaky", model, status: 500 });
    }
    const { result, record } = await logged(gw, chat("glob-c"));
    expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(record.attempts).toEqual([expect.objectContaining({ provider: "flaky", model: "glob-c", status: 200 })]);
    // The failed models' own breakers are open: the upstream is not asked again for them.
    const seen = flaky.requests.length;
    const { error } = await logged(gw, chat("glob-a"));
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(flaky.requests.length).toBe(seen);
    const target = await breakerOf("glob-star", "flaky:*");
    expect(target).toMatchObject({ state: "open", failures: 1, models_tracked: 3 });
    expect(target.models.map((m: any) => [m.model, m.state]).sort()).toEqual([
      ["glob-a", "open"],
      ["glob-b", "open"],
    ]);
  });

  it("a stream total_ms cuts while it flows is the client's long answer: the breaker does not count it", async () => {
    slow.script({ kind: "slowStream", chunks: 60, intervalMs: 50 });
    const { error, record } = await logged(gw, async () => {
      const stream = await openai.chat.completions.create({ model: "long-answer", messages: hello, stream: true });
      for await (const _ of stream);
    });
    expect((error as Error).message).toContain("total timeout");
    expect(record.error).toBe("upstream stream broke: total timeout");
    expect(await breakerOf("long-answer", "bounded:long-answer")).toMatchObject({ state: "closed", failures: 0 });
    const { result } = await logged(gw, chat("long-answer"));
    expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
  });

  it("/health lists every target of every route, breakers off shown as disabled", async () => {
    const targets = await health();
    expect(targets.find((t) => t.route === "idle" && t.target === "stalling:idle")).toMatchObject({ state: "disabled" });
    expect(targets.filter((t) => t.route === "retry-5xx").map((t) => t.target)).toEqual(["flaky:retry-5xx", "backup:retry-5xx"]);
  });
});

describe("timeouts", () => {
  it("idle_ms ends a stream that stalls after it started with an error event in the OpenAI format", async () => {
    const seen = backup.requests.length;
    slow.script({ kind: "stall", afterEvents: 2 });
    const chunks: unknown[] = [];
    const { error, record, elapsed } = await logged(gw, async () => {
      const stream = await openai.chat.completions.create({ model: "idle", messages: hello, stream: true });
      for await (const chunk of stream) chunks.push(chunk);
    });
    expect(chunks).toHaveLength(2);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("idle timeout");
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(2500);
    expect(record.error).toBe("upstream stream broke: idle timeout");
    expect(backup.requests.length).toBe(seen);
  });

  it("idle_ms ends an Anthropic stream with an Anthropic error event", async () => {
    anSlow.script({ kind: "stall", afterEvents: 3 });
    const { error, record } = await logged(gw, async () => {
      const stream = anthropic.messages.stream({ model: "claude-idle", max_tokens: 50, messages: hello });
      await stream.finalMessage();
    });
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toContain("timeout_error");
    expect(record.error).toBe("upstream stream broke: idle timeout");
  });

  it("idle_ms on a body nothing of which was relayed yet falls back to the next target", async () => {
    slow.script({ kind: "stall", afterEvents: 0 });
    const { result, record, elapsed } = await logged(gw, chat("idle"));
    expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(record.attempts[0]).toMatchObject({ provider: "stalling", status: 200, error: "body: idle timeout" });
    expect(record.attempts[1]).toMatchObject({ provider: "backup", status: 200 });
    expect(elapsed).toBeLessThan(2500);
  });

  it("total_ms cuts a stream that keeps trickling past it", async () => {
    slow.script({ kind: "slowStream", chunks: 60, intervalMs: 50 });
    const chunks: unknown[] = [];
    const { error, record, elapsed } = await logged(gw, async () => {
      const stream = await openai.chat.completions.create({ model: "total", messages: hello, stream: true });
      for await (const chunk of stream) chunks.push(chunk);
    });
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("total timeout");
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.length).toBeLessThan(40);
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(2500);
    expect(record.error).toBe("upstream stream broke: total timeout");
  });

  it("total_ms bounds a hung attempt and the next target answers", async () => {
    slow.script({ kind: "hang" });
    const { result, record, elapsed } = await logged(gw, chat("total"));
    expect(result!.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(record.attempts[0]).toMatchObject({ provider: "bounded", status: null, error: "total timeout" });
    expect(record.attempts[0].latency_ms).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(3000);
  });
});
