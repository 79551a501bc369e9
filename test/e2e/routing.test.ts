// End to end: load balancing, conditional routes, route body limits and CORS, through the official SDKs
// against loopback mock upstreams (test/e2e/routing.routes.yaml).
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildCase, logRecordsAfter, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";

let a: MockUpstream;
let b: MockUpstream;
let c: MockUpstream;
let d: MockUpstream;
/** Only the latency route uses these two: e answers slowly unless scripted otherwise. */
let e: MockUpstream;
let f: MockUpstream;
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  [a, b, c, d, f] = await Promise.all([1, 2, 3, 4, 5].map(() => startMockUpstream({ api: "openai" })));
  e = await startMockUpstream({ api: "openai", default: { kind: "reply", delayMs: 120 } });
  const { bundle } = await buildCase("routing", "test/e2e/routing.routes.yaml");
  gw = await startGateway(bundle, { A_URL: a.url, B_URL: b.url, C_URL: c.url, D_URL: d.url, E_URL: e.url, F_URL: f.url });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "client-key", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: "client-key", maxRetries: 0 });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([a, b, c, d, e, f].map((m) => m?.close()));
});

/** Requests each mock received since the test began. */
let seen: { a: number; b: number; c: number; d: number; log: number };
const since = () => ({ a: a.requests.length - seen.a, b: b.requests.length - seen.b, c: c.requests.length - seen.c, d: d.requests.length - seen.d });
const last = (mock: MockUpstream) => mock.requests[mock.requests.length - 1]!;
beforeEach(async () => {
  const log = await gw.settledLogCount();
  seen = { a: a.requests.length, b: b.requests.length, c: c.requests.length, d: d.requests.length, log };
});
/** The request-log records written since the test began, once there are `n`. */

const hello = [{ role: "user" as const, content: "Say hello" }];
const weatherTool = {
  type: "function" as const,
  function: { name: "weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

describe("weighted balancing", () => {
  it("sends about three of four requests to the weight-3 target over 200 requests, none to the fallback", async () => {
    for (let i = 0; i < 200; i++) {
      const completion = await openai.chat.completions.create({ model: "balanced", messages: hello });
      expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    }
    const counts = since();
    expect(counts.a + counts.b).toBe(200);
    expect(counts.a).toBeGreaterThanOrEqual(140);
    expect(counts.a).toBeLessThanOrEqual(160);
    expect(counts.c).toBe(0);

    // /health shows what the balancer learned: weights, nothing in flight, latency averages from the samples.
    const health = (await (await fetch(`${gw.url}/health`)).json()) as { balancers: Array<{ route: string; targets: Array<Record<string, unknown>> }> };
    const balanced = health.balancers.find((b) => b.route === "balanced")!;
    expect(balanced.targets.map((t) => [t.target, t.weight, t.inflight])).toEqual([["a:balanced", 3, 0], ["b:balanced", 1, 0], ["c:balanced", 1, 0]]);
    const [a, b] = balanced.targets;
    expect((a!.samples as number) + (b!.samples as number)).toBeGreaterThanOrEqual(200);
    expect(a!.latency_ms).toEqual(expect.any(Number));
  });

  it("tries the rest of the group, then the lower-priority group, when targets fail", async () => {
    a.script({ kind: "error", status: 503 }, { kind: "error", status: 503 });
    b.script({ kind: "error", status: 503 }, { kind: "error", status: 503 });
    // Two requests: whichever target each picks first fails, then the other fails, then c answers.
    for (let i = 0; i < 2; i++) {
      const completion = await openai.chat.completions.create({ model: "balanced", messages: hello });
      expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    }
    expect(since()).toEqual({ a: 2, b: 2, c: 2, d: 0 });
    const records = await logRecordsAfter(gw, seen.log, 2);
    for (const record of records) {
      expect(record.status).toBe(200);
      expect(record.attempts.map((x: { provider: string }) => x.provider).sort()).toEqual(["a", "b", "c"]);
      expect(record.attempts[2].provider).toBe("c");
    }
  });
});

describe("sticky balancing", () => {
  it("keeps one key on one target and spreads different keys", async () => {
    const targetsOf = async (key: string, n: number) => {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
      const hits = new Set<string>();
      for (let i = 0; i < n; i++) {
        const before = { a: a.requests.length, b: b.requests.length, c: c.requests.length };
        await client.chat.completions.create({ model: "sticky", messages: hello });
        if (a.requests.length > before.a) hits.add("a");
        if (b.requests.length > before.b) hits.add("b");
        if (c.requests.length > before.c) hits.add("c");
      }
      return [...hits];
    };
    const alice = await targetsOf("sk-alice-0001", 10);
    expect(alice).toHaveLength(1);
    const firsts = new Set<string>();
    for (let i = 0; i < 12; i++) firsts.add((await targetsOf(`sk-user-${i}`, 2)).join());
    expect(firsts.size).toBeGreaterThan(1);
    for (const hit of firsts) expect(hit).toMatch(/^[abc]$/);
  });
});

describe("least in-flight balancing", () => {
  it("keeps sending requests to the idle target while the other is busy", async () => {
    // Idle targets take turns (the route's first request goes to a); a busy one is passed over, which
    // round robin would not do: the third request would be a's turn.
    a.script({ kind: "reply", delayMs: 800 });
    const slow = openai.chat.completions.create({ model: "busy", messages: hello });
    await a.waitForRequests(seen.a + 1);
    await openai.chat.completions.create({ model: "busy", messages: hello });
    await openai.chat.completions.create({ model: "busy", messages: hello });
    expect(since()).toMatchObject({ a: 1, b: 2 });
    await slow;
    await openai.chat.completions.create({ model: "busy", messages: hello });
    await openai.chat.completions.create({ model: "busy", messages: hello });
    expect(since()).toMatchObject({ a: 2, b: 3 });
  });
});

describe("latency balancing", () => {
  const served = async (n: number) => {
    const before = { e: e.requests.length, f: f.requests.length };
    for (let i = 0; i < n; i++) await openai.chat.completions.create({ model: "fastest", messages: hello });
    return { e: e.requests.length - before.e, f: f.requests.length - before.f };
  };

  it("prefers the faster target, keeps probing the slower one, and switches when they trade places", async () => {
    // e takes 120 ms, f answers at once. One request in ten explores (random): a clear majority is asserted,
    // not a count (the exact choices are unit-tested with an injected random in test/runtime/balance.test.ts).
    const first = await served(30);
    expect(first.f).toBeGreaterThanOrEqual(18);
    expect(first.e).toBeGreaterThanOrEqual(1); // measured at least once
    // Now f degrades to 250 ms and e recovers: exploration brings e's average down, f's goes up.
    f.script(...Array.from({ length: 60 }, () => ({ kind: "reply" as const, delayMs: 250 })));
    e.script(...Array.from({ length: 60 }, () => ({ kind: "reply" as const })));
    await served(10);
    const after = await served(30);
    expect(after.e).toBeGreaterThanOrEqual(18);
  });
});

describe("conditional routes", () => {
  it("serves a request with tools from the tools route", async () => {
    await openai.chat.completions.create({ model: "smart", messages: hello, tools: [weatherTool] });
    expect(since()).toEqual({ a: 0, b: 1, c: 0, d: 0 });
    expect(last(b).json.model).toBe("tools-model");
  });

  it("serves a long prompt from the long-context route, beyond the server's body limit", async () => {
    const long = "lorem ipsum dolor sit amet ".repeat(4000); // ~108 kB, ~27k estimated tokens
    await openai.chat.completions.create({ model: "smart", messages: [{ role: "user", content: long }] });
    expect(since()).toEqual({ a: 0, b: 0, c: 1, d: 0 });
    expect(last(c).json.model).toBe("long-context-model");
  });

  it("serves a header match, exact or by pattern, before any other condition", async () => {
    await openai.chat.completions.create({ model: "smart", messages: hello, tools: [weatherTool] }, { headers: { "x-tier": "gold" } });
    expect(last(d).json.model).toBe("gold-model");
    await openai.chat.completions.create({ model: "smart", messages: hello }, { headers: { "x-team": "Research" } });
    expect(last(d).json.model).toBe("team-model");
    await openai.chat.completions.create({ model: "smart", messages: hello }, { headers: { "x-team": "research-lab", "x-tier": "silver" } });
    expect(last(a).json.model).toBe("small-model");
    expect(since()).toEqual({ a: 1, b: 0, c: 0, d: 2 });
  });

  it("falls back to the unconditional route", async () => {
    await openai.chat.completions.create({ model: "smart", messages: hello });
    expect(since()).toEqual({ a: 1, b: 0, c: 0, d: 0 });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ route: "smart-default", model: "smart", status: 200 });
  });

  it("routes Anthropic clients by the same conditions (tools, through the translator)", async () => {
    const message = await anthropic.messages.create({
      model: "smart",
      max_tokens: 50,
      messages: hello,
      tools: [{ name: "weather", description: "Weather for a city", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
    });
    expect(message.content[0]).toMatchObject({ type: "text" });
    expect(since()).toEqual({ a: 0, b: 1, c: 0, d: 0 });
    expect(last(b).json.model).toBe("tools-model");
    await anthropic.messages.create({ model: "smart", max_tokens: 50, messages: hello });
    expect(last(a).json.model).toBe("small-model");
  });

  it("counts tokens on the route the same messages request would take", async () => {
    const tools = [{ name: "weather", input_schema: { type: "object" as const, properties: {} } }];
    const counted = await anthropic.messages.countTokens({ model: "smart", messages: hello, tools });
    expect(counted.input_tokens).toBeGreaterThan(0);
    await anthropic.messages.countTokens({ model: "smart", messages: hello }, { headers: { "x-tier": "gold" } });
    const records = await logRecordsAfter(gw, seen.log, 2);
    expect(records.map((r) => [r.path, r.route])).toEqual([
      ["/v1/messages/count_tokens", "smart-tools"],
      ["/v1/messages/count_tokens", "smart-gold"],
    ]);
  });

  it("serves a model by client key only to that key", async () => {
    const vip = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "sk-vip-client-key", maxRetries: 0 });
    await vip.chat.completions.create({ model: "vip", messages: hello });
    expect(since()).toEqual({ a: 0, b: 0, c: 0, d: 1 });
    const error = await openai.chat.completions.create({ model: "vip", messages: hello }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(since().d).toBe(1);
  });

  it("lists a conditional model once", async () => {
    const models = await openai.models.list();
    const ids = models.data.map((m) => m.id);
    expect(ids.filter((id) => id === "smart")).toHaveLength(1);
  });
});

describe("body limits", () => {
  it("answers 413 in the client's format over the route's body_limit", async () => {
    const error = await openai.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "x".repeat(2000) }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toMatch(/larger than the 1024 byte limit/);
    await openai.chat.completions.create({ model: "tiny", messages: hello });
    expect(since().a).toBe(1);
  });

  it("holds embeddings and completions to the route's body_limit too", async () => {
    for (const call of [
      () => openai.embeddings.create({ model: "tiny", input: "x".repeat(2000) }),
      () => openai.completions.create({ model: "tiny", prompt: "x".repeat(2000) }),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
      expect((error as InstanceType<typeof OpenAI.APIError>).message).toMatch(/larger than the 1024 byte limit/);
    }
    expect(since().a).toBe(0);
  });

  it("count_tokens takes a body as large as its messages route allows, beyond the server's limit", async () => {
    const long = "lorem ipsum dolor sit amet ".repeat(4000); // ~108 KB: over the server's 64kb, under smart-long's 256kb
    const count = await anthropic.messages.countTokens({ model: "smart", messages: [{ role: "user", content: long }] });
    expect(count.input_tokens).toBeGreaterThan(2000);
  });

  it("holds routes without their own limit to the server's, even when another route allows more", async () => {
    const long = "lorem ipsum dolor sit amet ".repeat(4000);
    const error = await anthropic.messages
      .create({ model: "smart", max_tokens: 10, messages: [{ role: "user", content: long }], tools: [{ name: "t", input_schema: { type: "object" } }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(413);
    expect(JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error)).toContain("65536 byte limit");
    expect(since()).toEqual({ a: 0, b: 0, c: 0, d: 0 });
  });
});

describe("provider body limits", () => {
  it("skips a provider whose body_limit the request exceeds, and falls back to the next target", async () => {
    await openai.chat.completions.create({ model: "provider-limit", messages: hello });
    expect(since()).toMatchObject({ a: 1, b: 0 });
    const completion = await openai.chat.completions.create({ model: "provider-limit", messages: [{ role: "user", content: "x".repeat(2000) }] });
    expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(since()).toMatchObject({ a: 1, b: 1 });
    const [, record] = await logRecordsAfter(gw, seen.log, 2);
    expect(record!.attempts[0]).toMatchObject({ provider: "a-small", status: null });
    expect(record!.attempts[0].skipped).toMatch(/exceeds the provider's body_limit \(1024\)/);
    expect(record!.attempts[1]).toMatchObject({ provider: "b", status: 200 });
  });
});

describe("CORS", () => {
  it("answers a preflight from an allowed origin", async () => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "http://allowed.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    expect(response.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
    expect(response.headers.get("access-control-max-age")).toBe("300");
  });

  it("gives a disallowed origin no CORS headers", async () => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "POST" },
    });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const post = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", messages: hello }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("marks responses to an allowed origin, errors included", async () => {
    const post = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { origin: "http://allowed.example", "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", messages: hello }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
    expect(post.headers.get("vary")).toBe("Origin");
    expect(((await post.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("Hello from the mock upstream.");
    const missing = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { origin: "http://allowed.example", "content-type": "application/json" },
      body: JSON.stringify({ model: "nope", messages: hello }),
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
    const models = await fetch(`${gw.url}/v1/models`, { headers: { origin: "http://allowed.example" } });
    expect(models.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
  });
});
