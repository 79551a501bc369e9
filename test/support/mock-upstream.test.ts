// Proves the mock upstreams are faithful enough to stand in for the real APIs: the official SDKs, pointed
// straight at them, accept every answer, and each fault kind fails or stalls the way the gateway will see it.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_TEXT, refusedPort, startMockUpstream } from "./mock-upstream.ts";
import type { MockApi, MockUpstream, MockUpstreamOptions } from "./mock-upstream.ts";

const mocks: MockUpstream[] = [];
afterEach(async () => {
  await Promise.all(mocks.splice(0).map((mock) => mock.close()));
});

async function mockUpstream(api: MockApi, options: Omit<MockUpstreamOptions, "api"> = {}): Promise<MockUpstream> {
  const mock = await startMockUpstream({ api, ...options });
  mocks.push(mock);
  return mock;
}

function openaiClient(mock: MockUpstream): OpenAI {
  return new OpenAI({ apiKey: "sk-test", baseURL: `${mock.url}/v1`, maxRetries: 0 });
}

function anthropicClient(mock: MockUpstream): Anthropic {
  return new Anthropic({ apiKey: "sk-ant-test", baseURL: mock.url, maxRetries: 0 });
}

const TOOL = { name: "get_weather", arguments: { city: "Paris", units: "celsius", days: [1, 2] } };
const OPENAI_TOOLS = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object" } } }];
const ANTHROPIC_TOOLS = [{ name: "get_weather", input_schema: { type: "object" as const } }];
const openaiBody = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "hi" }] };
const anthropicBody = { model: "claude-test-1", max_tokens: 64, messages: [{ role: "user" as const, content: "hi" }] };

/** The rejection of a promise, failing the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

describe("openai mock: SDK acceptance", () => {
  it("answers a non-stream request with text, the request's model and the default usage", async () => {
    const mock = await mockUpstream("openai");
    const completion = await openaiClient(mock).chat.completions.create(openaiBody);
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("gpt-4o-mini");
    expect(completion.choices[0].message).toMatchObject({ role: "assistant", content: DEFAULT_TEXT });
    expect(completion.choices[0].finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({
      prompt_tokens: 11,
      completion_tokens: 7,
      total_tokens: 18,
      prompt_tokens_details: { cached_tokens: 3 },
    });
    const [request] = mock.requests;
    expect(request).toMatchObject({ method: "POST", path: "/v1/chat/completions", aborted: false });
    expect(request.headers.authorization).toBe("Bearer sk-test");
    expect(request.json).toEqual({ ...openaiBody });
    expect(JSON.parse(request.body)).toEqual(request.json);
  });

  it("answers a non-stream request with a tool call", async () => {
    const mock = await mockUpstream("openai", { default: { kind: "reply", toolCall: TOOL } });
    const completion = await openaiClient(mock).chat.completions.create({ ...openaiBody, tools: OPENAI_TOOLS });
    const { message, finish_reason } = completion.choices[0];
    expect(finish_reason).toBe("tool_calls");
    expect(message.content).toBeNull();
    expect(message.tool_calls).toHaveLength(1);
    const call = message.tool_calls![0];
    expect(call.type).toBe("function");
    if (call.type !== "function") throw new Error("unreachable");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual(TOOL.arguments);
  });

  it("streams text as role delta, several content deltas and a finish chunk, without usage unless asked", async () => {
    const mock = await mockUpstream("openai", { default: { kind: "reply", text: "The quick brown fox." } });
    const stream = await openaiClient(mock).chat.completions.create({ ...openaiBody, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const pieces = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").filter((piece) => piece !== "");
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join("")).toBe("The quick brown fox.");
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe("stop");
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk" && chunk.model === "gpt-4o-mini")).toBe(true);
    expect(chunks.some((chunk) => "usage" in chunk)).toBe(false);
  });

  it("ends the stream with a usage chunk with empty choices when stream_options.include_usage is set", async () => {
    const mock = await mockUpstream("openai");
    const stream = await openaiClient(mock).chat.completions.create({ ...openaiBody, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, prompt_tokens_details: { cached_tokens: 3 } });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it("streams a tool call that the SDK's stream helper reassembles", async () => {
    const mock = await mockUpstream("openai", { default: { kind: "reply", toolCall: TOOL, usage: { input: 100, output: 20 } } });
    const stream = openaiClient(mock).chat.completions.stream({
      ...openaiBody,
      tools: OPENAI_TOOLS,
      stream_options: { include_usage: true },
    });
    const completion = await stream.finalChatCompletion();
    const { message, finish_reason } = completion.choices[0];
    expect(finish_reason).toBe("tool_calls");
    const call = message.tool_calls![0];
    if (call.type !== "function") throw new Error("expected a function tool call");
    expect(call.id).toMatch(/^call_/);
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual(TOOL.arguments);
    expect(completion.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 });
  });
});

describe("anthropic mock: SDK acceptance", () => {
  it("answers a non-stream request with text, the request's model and the default usage", async () => {
    const mock = await mockUpstream("anthropic");
    const message = await anthropicClient(mock).messages.create(anthropicBody);
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-test-1",
      content: [{ type: "text", text: DEFAULT_TEXT }],
      stop_reason: "end_turn",
      usage: { input_tokens: 11, output_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 },
    });
    const [request] = mock.requests;
    expect(request).toMatchObject({ method: "POST", path: "/v1/messages", aborted: false });
    // This SDK version sends the key as a bearer token; older ones used x-api-key.
    expect(request.headers.authorization ?? request.headers["x-api-key"]).toContain("sk-ant-test");
    expect(request.headers["anthropic-version"]).toBeDefined();
    expect(request.json.model).toBe("claude-test-1");
  });

  it("answers a non-stream request with text and a tool call", async () => {
    const mock = await mockUpstream("anthropic", { default: { kind: "reply", text: "Let me check.", toolCall: TOOL } });
    const message = await anthropicClient(mock).messages.create({ ...anthropicBody, tools: ANTHROPIC_TOOLS });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: expect.stringMatching(/^toolu_/), name: "get_weather", input: TOOL.arguments },
    ]);
  });

  it("streams the real event sequence, with one ping and usage split over message_start and message_delta", async () => {
    const mock = await mockUpstream("anthropic", { default: { kind: "reply", text: "One two three." } });
    const stream = await anthropicClient(mock).messages.create({ ...anthropicBody, stream: true });
    const types: string[] = [];
    let text = "";
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "message_start") expect(event.message.usage).toMatchObject({ input_tokens: 11, cache_read_input_tokens: 3 });
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
      if (event.type === "message_delta") expect(event.usage.output_tokens).toBe(7);
    }
    // The SDK drops ping events, so the raw bytes are checked for it below.
    expect(types).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(text).toBe("One two three.");
    const raw = await fetch(`${mock.url}/v1/messages`, { method: "POST", body: JSON.stringify({ ...anthropicBody, stream: true }) });
    const body = await raw.text();
    expect(raw.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(body.match(/^event: ping$/gm)).toHaveLength(1);
    expect(body.startsWith("event: message_start\ndata: {")).toBe(true);
  });

  it("streams text that messages.stream().finalMessage() accumulates", async () => {
    const mock = await mockUpstream("anthropic");
    const message = await anthropicClient(mock).messages.stream(anthropicBody).finalMessage();
    expect(message.content).toEqual([{ type: "text", text: DEFAULT_TEXT }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage).toMatchObject({ input_tokens: 11, output_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 });
  });

  it("streams a tool call whose partial JSON finalMessage() parses back into the input", async () => {
    const mock = await mockUpstream("anthropic", { default: { kind: "reply", toolCall: TOOL } });
    const message = await anthropicClient(mock).messages.stream({ ...anthropicBody, tools: ANTHROPIC_TOOLS }).finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([{ type: "tool_use", id: expect.stringMatching(/^toolu_/), name: "get_weather", input: TOOL.arguments }]);
  });
});

describe("scripting", () => {
  it("plays scripted behaviours first in first out, then the default", async () => {
    const mock = await mockUpstream("openai", { default: { kind: "reply", text: "default" } });
    mock.script({ kind: "reply", text: "first" }, { kind: "error", status: 500 }, { kind: "reply", text: "third" });
    const client = openaiClient(mock);
    const text = async (): Promise<string | null> => (await client.chat.completions.create(openaiBody)).choices[0].message.content;
    expect(await text()).toBe("first");
    expect(await rejectionOf(text())).toMatchObject({ status: 500 });
    expect(await text()).toBe("third");
    expect(await text()).toBe("default");
    expect(await text()).toBe("default");
    expect(mock.requests).toHaveLength(5);
  });

  it("overrides usage and status, and delays the response by delayMs", async () => {
    const mock = await mockUpstream("anthropic");
    mock.script({ kind: "reply", usage: { input: 5, output: 9, cacheRead: 0, cacheCreation: 1 }, status: 201, delayMs: 150 });
    const started = performance.now();
    const response = await fetch(`${mock.url}/v1/messages`, { method: "POST", body: JSON.stringify(anthropicBody) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(response.status).toBe(201);
    expect(response.headers.get("request-id")).toMatch(/^req_/);
    expect(((await response.json()) as { usage: unknown }).usage).toMatchObject({ input_tokens: 5, output_tokens: 9, cache_read_input_tokens: 0, cache_creation_input_tokens: 1 });
  });

  it("records bodies that are not JSON, and rejects waitForRequests on timeout", async () => {
    const mock = await mockUpstream("openai");
    await fetch(`${mock.url}/v1/chat/completions`, { method: "POST", body: "not json" });
    expect(mock.requests[0]).toMatchObject({ body: "not json", json: undefined });
    await expect(mock.waitForRequests(2, 50)).rejects.toThrow(/no 2 requests within 50 ms/);
  });
});

describe("faults", () => {
  const statuses = [400, 401, 429, 500] as const;

  it.each(statuses)("openai error %i reaches the SDK as an APIError with the OpenAI error body", async (status) => {
    const mock = await mockUpstream("openai", { default: { kind: "error", status, headers: { "retry-after": "7" } } });
    const err = await rejectionOf(openaiClient(mock).chat.completions.create(openaiBody));
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const apiError = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(status);
    expect(apiError.headers?.get("retry-after")).toBe("7");
    expect(apiError.requestID).toMatch(/^req_/);
    expect(apiError.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
    if (status === 429) expect(apiError).toBeInstanceOf(OpenAI.RateLimitError);
    if (status === 429) expect(apiError.code).toBe("rate_limit_exceeded");
    if (status === 401) expect(apiError.code).toBe("invalid_api_key");
  });

  it.each(statuses)("anthropic error %i reaches the SDK as an APIError with the Anthropic error body", async (status) => {
    const mock = await mockUpstream("anthropic", { default: { kind: "error", status, headers: { "retry-after": "7" } } });
    const err = await rejectionOf(anthropicClient(mock).messages.create(anthropicBody));
    expect(err).toBeInstanceOf(Anthropic.APIError);
    const apiError = err as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(status);
    expect(apiError.headers?.get("retry-after")).toBe("7");
    expect(apiError.requestID).toMatch(/^req_/);
    const expectedType = { 400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error", 500: "api_error" }[status];
    expect(apiError.error).toEqual({ type: "error", error: { type: expectedType, message: expect.any(String) } });
  });

  it("answers errors as JSON even when the request asked for a stream, and sends a custom body verbatim", async () => {
    const body = { error: { message: "slow down", type: "tokens", param: null, code: "rate_limit_exceeded" } };
    const mock = await mockUpstream("openai", { default: { kind: "error", status: 429, body } });
    const err = await rejectionOf(openaiClient(mock).chat.completions.create({ ...openaiBody, stream: true }));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toEqual(body.error);
  });

  it("hang never answers until close() drops the connection", async () => {
    const mock = await mockUpstream("openai", { default: { kind: "hang" } });
    let settled = false;
    const pending = openaiClient(mock).chat.completions.create(openaiBody).finally(() => (settled = true));
    const failure = rejectionOf(pending);
    await mock.waitForRequests(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    await mock.close();
    expect(await failure).toBeInstanceOf(OpenAI.APIConnectionError);
    // Our own close() is not a client abort.
    expect(mock.requests[0].aborted).toBe(false);
  });

  it("hang records the abort when the client gives up waiting for headers", async () => {
    const mock = await mockUpstream("anthropic", { default: { kind: "hang" } });
    const controller = new AbortController();
    const failure = rejectionOf(anthropicClient(mock).messages.create(anthropicBody, { signal: controller.signal }));
    await mock.waitForRequests(1);
    expect(mock.requests[0].aborted).toBe(false);
    controller.abort();
    expect(await failure).toBeInstanceOf(Anthropic.APIUserAbortError);
    await mock.waitForAbort(0);
    expect(mock.requests[0].aborted).toBe(true);
  });

  it("reset without afterEvents drops the connection before any response", async () => {
    const mock = await mockUpstream("openai", { default: { kind: "reset" } });
    const err = await rejectionOf(fetch(`${mock.url}/v1/chat/completions`, { method: "POST", body: "{}" }));
    expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe("ECONNRESET");
    expect(mock.requests[0].aborted).toBe(false);
  });

  it("reset after N events breaks a stream the SDK has started reading", async () => {
    const mock = await mockUpstream("openai", { default: { kind: "reset", afterEvents: 2 } });
    const stream = await openaiClient(mock).chat.completions.create({ ...openaiBody, stream: true });
    const received: unknown[] = [];
    const err = await rejectionOf((async () => {
      for await (const chunk of stream) received.push(chunk);
    })());
    expect(err).toBeInstanceOf(Error);
    expect(received).toHaveLength(2);
  });

  it("stall pauses after N events for stallMs, then completes the stream", async () => {
    const mock = await mockUpstream("anthropic", { default: { kind: "stall", afterEvents: 3, stallMs: 300 } });
    const stream = anthropicClient(mock).messages.stream(anthropicBody);
    const times: number[] = [];
    stream.on("streamEvent", () => times.push(Date.now()));
    const message = await stream.finalMessage();
    expect(message.content[0]).toMatchObject({ type: "text", text: "one two three four five six" });
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(280);
    // Three events went out before the pause (the SDK does not surface the ping among them).
    expect(gaps.indexOf(Math.max(...gaps)) + 1).toBeLessThanOrEqual(3);
    expect(gaps.filter((gap) => gap >= 280)).toHaveLength(1);
  });

  it("refusedPort has nothing listening", async () => {
    const port = await refusedPort();
    const err = await rejectionOf(fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: "POST" }));
    expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED");
    const client = new OpenAI({ apiKey: "sk-test", baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    expect(await rejectionOf(client.chat.completions.create(openaiBody))).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it("slowStream spaces its events by intervalMs and completes as a valid stream", async () => {
    const mock = await mockUpstream("openai", { default: { kind: "slowStream", chunks: 5, intervalMs: 20 } });
    const started = performance.now();
    const stream = await openaiClient(mock).chat.completions.create({ ...openaiBody, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    // 5 content deltas plus role, finish and [DONE]: at least 7 intervals after the headers.
    expect(performance.now() - started).toBeGreaterThanOrEqual(7 * 20 - 5);
    expect(text).toBe("t0 t1 t2 t3 t4 ");
    expect(mock.requests[0].aborted).toBe(false);
  });

  it("slowStream records the abort when an OpenAI client aborts mid-stream", async () => {
    const mock = await mockUpstream("openai", { default: { kind: "slowStream", chunks: 1000, intervalMs: 10 } });
    const controller = new AbortController();
    const stream = await openaiClient(mock).chat.completions.create({ ...openaiBody, stream: true }, { signal: controller.signal });
    let received = 0;
    // The OpenAI SDK ends the iteration quietly on abort instead of throwing.
    for await (const _ of stream) if (++received === 3) controller.abort();
    await mock.waitForAbort(0);
    expect(mock.requests[0].aborted).toBe(true);
    expect(received).toBe(3);
  });

  it("slowStream records the abort when an Anthropic stream is aborted", async () => {
    const mock = await mockUpstream("anthropic", { default: { kind: "slowStream", chunks: 1000, intervalMs: 10 } });
    const stream = anthropicClient(mock).messages.stream(anthropicBody);
    let deltas = 0;
    stream.on("text", () => {
      if (++deltas === 2) stream.abort();
    });
    expect(await rejectionOf(stream.finalMessage())).toBeInstanceOf(Anthropic.APIUserAbortError);
    await mock.waitForAbort(0);
    expect(mock.requests[0].aborted).toBe(true);
  });

  it("raw sends exactly the given status, headers and bytes", async () => {
    const body = Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xff, 0x00, 0xc3, 0x28, 0x0a, 0x0a]);
    const mock = await mockUpstream("openai", { default: { kind: "raw", status: 418, headers: { "content-type": "text/x-odd", "x-trace": "abc" }, body } });
    const response = await fetch(`${mock.url}/anything?q=1`, { method: "POST", body: "{}" });
    expect(response.status).toBe(418);
    expect(response.headers.get("content-type")).toBe("text/x-odd");
    expect(response.headers.get("x-trace")).toBe("abc");
    expect(response.headers.get("x-request-id")).toBeNull();
    expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
    expect(mock.requests[0].path).toBe("/anything?q=1");
  });
});
