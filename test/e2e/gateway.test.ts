// End to end: test/e2e/routes.yaml is compiled into a bundle, the bundle runs as its own process, and the
// official SDKs drive it against loopback mock upstreams. Each test scripts the mocks, makes real requests
// and checks what the client saw, what the upstreams received and what the request log says.
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildCase, logRecordsAfter, runToExit, startGateway, type RunningGateway } from "../support/gateway.ts";
import { DEFAULT_USAGE, refusedPort, startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";

const KEYS = {
  OA_PRIMARY_KEY: "sk-oaprimary-0123456789abcdefghij",
  OA_BACKUP_KEY: "sk-oabackup-0123456789abcdefghijk",
  AN_PRIMARY_KEY: "sk-ant-anprimary-0123456789abcdef",
  AN_BACKUP_KEY: "sk-ant-anbackup-0123456789abcdefg",
};
const CLIENT_KEY = "client-key-must-not-travel-upstream";

let bundle: string;
let generatedDir: string;
let oaPrimary: MockUpstream;
let oaBackup: MockUpstream;
let anPrimary: MockUpstream;
let anBackup: MockUpstream;
let env: Record<string, string>;
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  [oaPrimary, oaBackup, anPrimary, anBackup] = await Promise.all([
    startMockUpstream({ api: "openai" }),
    startMockUpstream({ api: "openai" }),
    startMockUpstream({ api: "anthropic" }),
    startMockUpstream({ api: "anthropic" }),
  ]);
  ({ bundle, generatedDir } = await buildCase("e2e", "test/e2e/routes.yaml"));
  env = {
    ...KEYS,
    OA_PRIMARY_URL: oaPrimary.url,
    OA_BACKUP_URL: oaBackup.url,
    AN_PRIMARY_URL: anPrimary.url,
    AN_BACKUP_URL: anBackup.url,
    REFUSED_PORT: String(await refusedPort()),
  };
  gw = await startGateway(bundle, env);
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([oaPrimary, oaBackup, anPrimary, anBackup].map((m) => m?.close()));
});

/** Each test counts requests from here, so earlier tests' traffic doesn't matter. */
let seen: { oaPrimary: number; oaBackup: number; anPrimary: number; anBackup: number; log: number };
beforeEach(async () => {
  const log = await gw.settledLogCount();
  seen = {
    oaPrimary: oaPrimary.requests.length,
    oaBackup: oaBackup.requests.length,
    anPrimary: anPrimary.requests.length,
    anBackup: anBackup.requests.length,
    log,
  };
});

/** The log records written by the current test. */
const hello = [{ role: "user" as const, content: "Say hello" }];

describe("OpenAI clients, pass-through", () => {
  it("answers a non-stream request through the first target, renaming the model and using the provider's key", async () => {
    const completion = await openai.chat.completions.create({ model: "gpt-test", messages: hello });
    expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    const upstream = oaPrimary.requests[seen.oaPrimary]!;
    expect(upstream.path).toBe("/v1/chat/completions");
    expect(upstream.json.model).toBe("upstream-gpt");
    expect(upstream.json.messages).toEqual(hello);
    expect(upstream.headers.authorization).toBe(`Bearer ${KEYS.OA_PRIMARY_KEY}`);
    expect(JSON.stringify(upstream.headers)).not.toContain(CLIENT_KEY);
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ route: "gpt-test", api: "openai", model: "gpt-test", status: 200, stream: false });
    expect(record!.attempts).toEqual([expect.objectContaining({ provider: "oa-primary", model: "upstream-gpt", status: 200 })]);
    expect(record!.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, cache_read_input_tokens: 3 });
    expect(record!.request_body).toEqual({ model: "gpt-test", messages: hello });
    expect(record!.response_body.choices[0].message.content).toBe("Hello from the mock upstream.");
  });

  it("streams, and logs the usage from the upstream's final chunk", async () => {
    const stream = await openai.chat.completions.create({ model: "gpt-test", messages: hello, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Hello from the mock upstream.");
    expect(usage).toMatchObject({ prompt_tokens: DEFAULT_USAGE.input, completion_tokens: DEFAULT_USAGE.output });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ stream: true, status: 200, response: { text: "Hello from the mock upstream.", finish_reason: "stop" } });
    expect(record!.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, input_tokens: 8, cache_read_input_tokens: 3 });
    expect(record!.ttfb_ms).toBeGreaterThan(0);
  });

  it("forwards the response bytes unchanged", async () => {
    const body = '{ "id":"x1",  "object":"chat.completion","created":1,"model":"upstream-gpt","choices":[{"index":0,"message":{"role":"assistant","content":"caf\\u00e9 ☕"},"finish_reason":"stop"}] ,"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}';
    oaPrimary.script({ kind: "raw", status: 200, headers: { "content-type": "application/json", "x-request-id": "upstream-req-1" }, body });
    const response = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-test", messages: hello }) });
    expect(await response.text()).toBe(body);
    expect(response.headers.get("x-request-id")).toBe("upstream-req-1");
    expect(response.headers.get("x-switchyard-request-id")).toMatch(/^req_/);
  });

  it("renames only the model: the rest of the request body reaches the upstream byte for byte", async () => {
    const sent = '{"messages":[{"role":"user","content":"model \\"gpt-test\\" in text"}],\n  "model" : "gpt-test", "temperature": 0.50}';
    await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: sent });
    expect(oaPrimary.requests[seen.oaPrimary]!.body).toBe(sent.replace('"model" : "gpt-test"', '"model" : "upstream-gpt"'));
  });

  it("routes a glob, forwarding the client's own model name", async () => {
    await openai.chat.completions.create({ model: "glob-anything", messages: hello });
    expect(oaPrimary.requests[seen.oaPrimary]!.json.model).toBe("glob-anything");
  });
});

describe("Anthropic clients, pass-through", () => {
  it("answers messages.create, renaming the model, with the provider's key and the client's anthropic-version", async () => {
    const message = await anthropic.messages.create({ model: "claude-test", max_tokens: 100, messages: hello });
    expect(message.content[0]).toMatchObject({ type: "text", text: "Hello from the mock upstream." });
    const upstream = anPrimary.requests[seen.anPrimary]!;
    expect(upstream.path).toBe("/v1/messages");
    expect(upstream.json.model).toBe("claude-upstream");
    expect(upstream.headers["x-api-key"]).toBe(KEYS.AN_PRIMARY_KEY);
    // The SDK's own version header travels unchanged.
    expect(upstream.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.stringify(upstream.headers)).not.toContain(CLIENT_KEY);
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.usage).toMatchObject({ input_tokens: 11, output_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 2, prompt_tokens: 16 });
  });

  it("sends the default anthropic-version for raw HTTP clients that omit it", async () => {
    const response = await fetch(`${gw.url}/anthropic/v1/messages`, { method: "POST", body: JSON.stringify({ model: "claude-test", max_tokens: 5, messages: hello }) });
    expect(response.status).toBe(200);
    expect(anPrimary.requests[seen.anPrimary]!.headers["anthropic-version"]).toBe("2023-06-01");
  });

  it("streams with messages.stream().finalMessage() and logs cumulative usage", async () => {
    const final = await anthropic.messages.stream({ model: "claude-test", max_tokens: 100, messages: hello }).finalMessage();
    expect(final.content[0]).toMatchObject({ type: "text", text: "Hello from the mock upstream." });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ stream: true, response: { text: "Hello from the mock upstream." } });
    expect(record!.usage).toMatchObject({ input_tokens: 11, output_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 });
  });

  it("passes a tool call through in both directions", async () => {
    anPrimary.script({ kind: "reply", toolCall: { name: "get_weather", arguments: { city: "Paris" } } });
    const message = await anthropic.messages.create({
      model: "claude-test",
      max_tokens: 100,
      tools: [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
      messages: hello,
    });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content.find((b) => b.type === "tool_use")).toMatchObject({ name: "get_weather", input: { city: "Paris" } });
    expect(anPrimary.requests[seen.anPrimary]!.json.tools[0].name).toBe("get_weather");
  });
});

describe("fallback", () => {
  for (const status of [429, 500, 401]) {
    it(`moves to the next target on ${status}`, async () => {
      oaPrimary.script({ kind: "error", status });
      const completion = await openai.chat.completions.create({ model: "gpt-test", messages: hello });
      expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
      expect(oaBackup.requests[seen.oaBackup]!.json.model).toBe("backup-gpt");
      expect(oaBackup.requests[seen.oaBackup]!.headers.authorization).toBe(`Bearer ${KEYS.OA_BACKUP_KEY}`);
      expect(oaBackup.requests[seen.oaBackup]!.headers["x-title"]).toBe("switchyard-e2e");
      const [record] = await logRecordsAfter(gw, seen.log, 1);
      expect(record!.attempts.map((a: any) => [a.provider, a.status])).toEqual([
        ["oa-primary", status],
        ["oa-backup", 200],
      ]);
      expect(record!.status).toBe(200);
    });
  }

  it("moves on when the first target does not answer within its first-byte timeout", async () => {
    oaPrimary.script({ kind: "hang" });
    const started = Date.now();
    const completion = await openai.chat.completions.create({ model: "gpt-test", messages: hello });
    expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    // undici's headers timeout runs on its own coarse clock, which lags real time on a busy machine: it can
    // fire a little before 700 ms of wall time. Well past zero is what shows the attempt waited for it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.attempts[0]).toMatchObject({ provider: "oa-primary", status: null, error: "first byte timeout" });
    expect(record!.attempts[0].latency_ms).toBeGreaterThanOrEqual(450);
  });

  it("moves on when the connection is refused", async () => {
    const completion = await openai.chat.completions.create({ model: "gpt-refused", messages: hello });
    expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.attempts[0]).toMatchObject({ provider: "oa-refused", status: null, error: "connection refused" });
    expect(record!.attempts[1]).toMatchObject({ provider: "oa-backup", status: 200 });
  });

  it("skips a provider whose key is empty", async () => {
    await openai.chat.completions.create({ model: "gpt-skip-disabled", messages: hello });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.attempts[0]).toMatchObject({ provider: "offline", skipped: expect.stringContaining("key") });
    expect(record!.attempts[1]).toMatchObject({ provider: "oa-backup", status: 200 });
  });

  it("does not fall back on a 400: the client gets the upstream's own error", async () => {
    oaPrimary.script({ kind: "error", status: 400, body: { error: { message: "bad temperature", type: "invalid_request_error", param: "temperature", code: null } } });
    const error = await openai.chat.completions.create({ model: "gpt-test", messages: hello }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toContain("bad temperature");
    expect(oaBackup.requests.length).toBe(seen.oaBackup);
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.attempts).toHaveLength(1);
    expect(record!.status).toBe(400);
  });

  it("names every attempt, in the OpenAI format, when all targets fail", async () => {
    oaPrimary.script({ kind: "error", status: 503 });
    oaBackup.script({ kind: "error", status: 500 });
    const error = await openai.chat.completions.create({ model: "gpt-test", messages: hello }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(502);
    expect(error.message).toContain("oa-primary:upstream-gpt → HTTP 503");
    expect(error.message).toContain("oa-backup:backup-gpt → HTTP 500");
  });

  it("answers 429 in the Anthropic format when every target is rate limited", async () => {
    anPrimary.script({ kind: "error", status: 429 });
    anBackup.script({ kind: "error", status: 429 });
    const error = await anthropic.messages.create({ model: "claude-test", max_tokens: 10, messages: hello }).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(error.error.error.message).toContain("an-primary:claude-upstream → HTTP 429");
  });
});

describe("streams and clients that go away", () => {
  it("aborts the upstream request when the client disconnects mid-stream", async () => {
    oaPrimary.script({ kind: "slowStream", chunks: 200, intervalMs: 20 });
    const controller = new AbortController();
    const stream = await openai.chat.completions.create({ model: "gpt-test", messages: hello, stream: true }, { signal: controller.signal });
    let received = 0;
    // The SDK's iterator ends quietly (or throws, depending on timing) once aborted; either way it stops.
    try {
      for await (const _ of stream) {
        if (++received === 3) controller.abort();
      }
    } catch {
      /* aborted */
    }
    expect(received).toBeLessThan(200);
    await oaPrimary.waitForAbort(seen.oaPrimary, 3000);
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.status).toBe(499);
  });

  it("forwards stream events as they arrive, not at the end", async () => {
    oaPrimary.script({ kind: "slowStream", chunks: 10, intervalMs: 100 });
    const stream = await openai.chat.completions.create({ model: "gpt-test", messages: hello, stream: true });
    const started = Date.now();
    const arrivals: number[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) arrivals.push(Date.now() - started);
    expect(arrivals.length).toBe(10);
    // Spread over ~1 s: the first content arrived long before the last was sent.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(500);
  });
});

describe("bad input gets a clean error in the client's format", () => {
  it("malformed JSON, OpenAI format", async () => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"model": "gpt-test", "messages": [' });
    expect(response.status).toBe(400);
    const body: any = await response.json();
    expect(body.error).toMatchObject({ type: "invalid_request_error" });
    expect(body.error.message).toContain("not valid JSON");
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ status: 400, request_body: '{"model": "gpt-test", "messages": [' });
  });

  it("malformed JSON, Anthropic format", async () => {
    const response = await fetch(`${gw.url}/v1/messages`, { method: "POST", body: "not json" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });

  it("an oversized body is refused with 413 and never reaches an upstream", async () => {
    const big = JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "x".repeat(70 * 1024) }] });
    const error = await openai.chat.completions.create(JSON.parse(big)).catch((e) => e);
    expect(error.status).toBe(413);
    expect(error.message).toContain("limit");
    expect(oaPrimary.requests.length).toBe(seen.oaPrimary);
  });

  it("a body of the wrong shape is refused with the offending path", async () => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "gpt-test", messages: "hi" }) });
    expect(response.status).toBe(400);
    const body: any = await response.json();
    expect(body.error.message).toContain("/messages");
  });

  it("an unknown role is named with the roles the API accepts", async () => {
    const response = await fetch(`${gw.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "claude-test", max_tokens: 5, messages: [{ role: "robot", content: "hi" }] }) });
    expect(response.status).toBe(400);
    const { error }: any = await response.json();
    expect(error.message).toContain("/messages/0/role");
    expect(error.message).toMatch(/must be one of .*"user".*"assistant"|must be one of .*"assistant".*"user"/);
  });

  it("an unknown model is a 404 the SDK recognises", async () => {
    const error = await openai.chat.completions.create({ model: "no-such-model", messages: hello }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.message).toContain("no-such-model");
    const anthropicError = await anthropic.messages.create({ model: "gpt-test", max_tokens: 5, messages: hello }).catch((e) => e);
    expect(anthropicError).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it("an unknown path is a 404 in the client's format", async () => {
    const response = await fetch(`${gw.url}/v1/nothing-here`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(((await response.json()) as any).error.message).toContain("/v1/nothing-here");
  });
});

describe("models, health and the offline demo", () => {
  it("lists routed models in each SDK's format", async () => {
    const openaiModels = [];
    for await (const model of openai.models.list()) openaiModels.push(model.id);
    expect(openaiModels).toEqual(expect.arrayContaining(["gpt-test", "gpt-refused", "demo"]));
    expect(openaiModels).not.toContain("claude-test");
    const anthropicModels = [];
    for await (const model of anthropic.models.list()) anthropicModels.push(model.id);
    expect(anthropicModels).toEqual(expect.arrayContaining(["claude-test", "demo"]));
    expect(anthropicModels).not.toContain("gpt-test");
  });

  it("reports health", async () => {
    const response = await fetch(`${gw.url}/health`);
    expect(await response.json()).toMatchObject({ status: "ok" });
  });

  it("answers model demo offline through both SDKs, streamed and not", async () => {
    const completion = await openai.chat.completions.create({ model: "demo", messages: hello });
    expect(completion.choices[0]!.message.content).toMatch(/Switchyard/);
    const message = await anthropic.messages.stream({ model: "demo", max_tokens: 200, messages: hello }).finalMessage();
    expect(message.content.some((b) => b.type === "text" && /Switchyard/.test(b.text))).toBe(true);
  });
});

describe("secrets", () => {
  it("no provider key appears in any log line, generated file or the bundle", async () => {
    await openai.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: `echo ${KEYS.OA_PRIMARY_KEY}` }] });
    await logRecordsAfter(gw, seen.log, 1);
    const texts: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else texts.push(readFileSync(full, "utf8"));
      }
    };
    walk(path.join(gw.cwd, "logs"));
    walk(generatedDir);
    texts.push(readFileSync(bundle, "utf8"));
    for (const key of [...Object.values(KEYS), CLIENT_KEY]) {
      for (const text of texts) expect(text).not.toContain(key);
    }
  });

  it("a missing environment variable stops start-up, naming it and the provider", async () => {
    const { OA_BACKUP_KEY: _, ...withoutBackupKey } = env;
    const result = await runToExit(bundle, withoutBackupKey);
    expect(result.code).toBe(1);
    expect(result.output).toContain("OA_BACKUP_KEY");
    expect(result.output).toContain("provider oa-backup");
  });
});
