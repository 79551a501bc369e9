// End to end through translated routes: the official SDKs, with their own helpers, against mock upstreams
// of the other API. Checks what the client assembled, what the upstream received, and the request log.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildCase, logRecordsAfter, startGateway, type RunningGateway } from "../support/gateway.ts";
import { DEFAULT_USAGE, startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";

const KEYS = { OA_KEY: "sk-oa-translation-0123456789abcdef", AN_KEY: "sk-ant-translation-0123456789abcd" };
const CLIENT_KEY = "client-key-never-forwarded";

let oa: MockUpstream;
let an: MockUpstream;
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  [oa, an] = await Promise.all([startMockUpstream({ api: "openai" }), startMockUpstream({ api: "anthropic" })]);
  const { bundle } = await buildCase("translation", "test/e2e/translation.routes.yaml");
  gw = await startGateway(bundle, { ...KEYS, OA_URL: oa.url, AN_URL: an.url });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([oa, an].map((m) => m?.close()));
});

let seen: { oa: number; an: number; log: number };
beforeEach(async () => {
  const log = await gw.settledLogCount();
  seen = { oa: oa.requests.length, an: an.requests.length, log };
});

const weatherTool = {
  name: "get_weather",
  description: "Current weather in a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
};
const openaiWeatherTool = {
  type: "function" as const,
  function: { name: weatherTool.name, description: weatherTool.description, parameters: weatherTool.input_schema },
};
const hello = [{ role: "user" as const, content: "Say hello" }];

describe("@anthropic-ai/sdk → OpenAI-format upstream", () => {
  it("messages.create: text, usage and the client's model name", async () => {
    const message = await anthropic.messages.create({ model: "claude-on-openai", max_tokens: 100, system: "Be brief.", messages: hello });
    expect(message.content).toEqual([{ type: "text", text: "Hello from the mock upstream." }]);
    expect(message.model).toBe("claude-on-openai");
    expect(message.stop_reason).toBe("end_turn");
    // OpenAI's prompt_tokens include cached ones; Anthropic's input_tokens do not.
    expect(message.usage).toMatchObject({ input_tokens: DEFAULT_USAGE.input - DEFAULT_USAGE.cacheRead, output_tokens: DEFAULT_USAGE.output, cache_read_input_tokens: DEFAULT_USAGE.cacheRead });
    const upstream = oa.requests[seen.oa]!;
    expect(upstream.path).toBe("/v1/chat/completions");
    expect(upstream.headers.authorization).toBe(`Bearer ${KEYS.OA_KEY}`);
    expect(upstream.headers["anthropic-version"]).toBeUndefined();
    expect(JSON.stringify(upstream.headers)).not.toContain(CLIENT_KEY);
    expect(upstream.json).toMatchObject({ model: "gpt-upstream", max_tokens: 100, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hello" }] });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ route: "claude-on-openai", api: "anthropic", status: 200 });
    expect(record!.attempts[0]).toMatchObject({ provider: "oa", model: "gpt-upstream", status: 200, translated: { to: "openai", dropped: [] } });
    expect(record!.usage).toMatchObject({ prompt_tokens: DEFAULT_USAGE.input, completion_tokens: DEFAULT_USAGE.output });
  });

  it("messages.stream().finalMessage() assembles a streamed tool call, with real usage", async () => {
    oa.script({ kind: "reply", toolCall: { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } } });
    const stream = anthropic.messages.stream({ model: "claude-on-openai", max_tokens: 100, tools: [weatherTool], messages: [{ role: "user", content: "Weather in Paris?" }] });
    const events: string[] = [];
    stream.on("streamEvent", (event) => events.push(event.type));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    const toolUse = final.content.find((b) => b.type === "tool_use");
    expect(toolUse).toMatchObject({ type: "tool_use", name: "get_weather", input: { city: "Paris", unit: "celsius" } });
    expect(final.usage.output_tokens).toBe(DEFAULT_USAGE.output);
    expect(events[0]).toBe("message_start");
    expect(events.at(-1)).toBe("message_stop");
    expect(events.filter((e) => e === "content_block_start").length).toBe(events.filter((e) => e === "content_block_stop").length);
    // The upstream was asked for the usage chunk and got the tool as a function.
    const upstream = oa.requests[seen.oa]!.json;
    expect(upstream.stream_options).toEqual({ include_usage: true });
    expect(upstream.tools[0]).toMatchObject({ type: "function", function: { name: "get_weather", parameters: weatherTool.input_schema } });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ stream: true, status: 200 });
    expect(record!.usage).toMatchObject({ prompt_tokens: DEFAULT_USAGE.input, completion_tokens: DEFAULT_USAGE.output });
  });

  it("a tool result goes back as a tool message paired with its call", async () => {
    await anthropic.messages.create({
      model: "claude-on-openai",
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18°C, sunny" }, { type: "text", text: "And tomorrow?" }] },
      ],
    });
    const messages = oa.requests[seen.oa]!.json.messages;
    expect(messages[1]).toMatchObject({ role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] });
    expect(messages[2]).toEqual({ role: "tool", tool_call_id: "toolu_1", content: "18°C, sunny" });
    expect(messages[3]).toMatchObject({ role: "user" });
  });

  it("an upstream 400 reaches the client as an Anthropic error it can catch", async () => {
    oa.script({ kind: "error", status: 400, body: { error: { message: "context too long", type: "invalid_request_error", param: null, code: null } } });
    const error = await anthropic.messages.create({ model: "claude-on-openai", max_tokens: 100, messages: hello }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: "context too long" } });
  });

  it("count_tokens is answered with an estimate when the target cannot count", async () => {
    const count = await anthropic.messages.countTokens({ model: "claude-on-openai", messages: [{ role: "user", content: "x".repeat(400) }] });
    expect(count.input_tokens).toBeGreaterThanOrEqual(100);
    expect(count.input_tokens).toBeLessThan(150);
    expect(oa.requests.length).toBe(seen.oa);
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ path: "/v1/messages/count_tokens", status: 200, usage: null, estimate: { input_tokens: count.input_tokens } });
  });
});

describe("openai SDK → Anthropic-format upstream", () => {
  it("chat.completions.create: text, usage, the route's max_tokens default and the client's model", async () => {
    const completion = await openai.chat.completions.create({ model: "gpt-on-anthropic", messages: [{ role: "system", content: "Be brief." }, ...hello] });
    expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.model).toBe("gpt-on-anthropic");
    // prompt_tokens = input + cache read + cache creation.
    const prompt = DEFAULT_USAGE.input + DEFAULT_USAGE.cacheRead + DEFAULT_USAGE.cacheCreation;
    expect(completion.usage).toMatchObject({ prompt_tokens: prompt, completion_tokens: DEFAULT_USAGE.output, prompt_tokens_details: { cached_tokens: DEFAULT_USAGE.cacheRead } });
    const upstream = an.requests[seen.an]!;
    expect(upstream.path).toBe("/v1/messages");
    expect(upstream.headers["x-api-key"]).toBe(KEYS.AN_KEY);
    expect(upstream.headers["anthropic-version"]).toBe("2023-06-01");
    expect(upstream.json).toMatchObject({ model: "claude-upstream", max_tokens: 1234, system: "Be brief.", messages: [{ role: "user", content: "Say hello" }] });
  });

  it("the streaming helper assembles a tool call from translated chunks", async () => {
    an.script({ kind: "reply", toolCall: { name: "get_weather", arguments: { city: "Paris" } } });
    const stream = openai.chat.completions.stream({ model: "gpt-on-anthropic", tools: [openaiWeatherTool], messages: [{ role: "user", content: "Weather in Paris?" }], stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls?.[0];
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(JSON.parse((call as { function: { arguments: string } }).function.arguments)).toEqual({ city: "Paris" });
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(final.usage).toMatchObject({ completion_tokens: DEFAULT_USAGE.output });
    expect(an.requests[seen.an]!.json.tools[0]).toEqual({ name: "get_weather", description: weatherTool.description, input_schema: weatherTool.input_schema });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ stream: true, status: 200 });
    expect(record!.usage).toMatchObject({ input_tokens: DEFAULT_USAGE.input, output_tokens: DEFAULT_USAGE.output, cache_creation_input_tokens: DEFAULT_USAGE.cacheCreation });
  });

  it("streams text chunk by chunk", async () => {
    const stream = await openai.chat.completions.create({ model: "gpt-on-anthropic", messages: hello, stream: true });
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      chunks++;
    }
    expect(text).toBe("Hello from the mock upstream.");
    expect(chunks).toBeGreaterThan(3);
  });

  it("a field Anthropic cannot express is dropped and recorded in the log", async () => {
    await openai.chat.completions.create({ model: "gpt-on-anthropic", messages: hello, logit_bias: { "50256": -100 } });
    expect(an.requests[seen.an]!.json.logit_bias).toBeUndefined();
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.attempts[0].translated).toEqual({ to: "anthropic", dropped: ["logit_bias"] });
  });

  it("under unsupported: reject, the same field is a 400 naming it, and nothing goes upstream", async () => {
    const error = await openai.chat.completions.create({ model: "strict", messages: hello, logit_bias: { "50256": -100 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("logit_bias");
    expect(an.requests.length).toBe(seen.an);
  });
});

describe("routes serving both APIs", () => {
  it("falls back across formats: Anthropic answers 429, the OpenAI-format target answers an OpenAI client", async () => {
    an.script({ kind: "error", status: 429 });
    const completion = await openai.chat.completions.create({ model: "any-client", messages: hello });
    expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.attempts.map((a: { provider: string; status: number }) => [a.provider, a.status])).toEqual([
      ["an", 429],
      ["oa", 200],
    ]);
    expect(record!.attempts[0].translated).toMatchObject({ to: "anthropic" });
    expect(record!.attempts[1].translated).toBeUndefined();
  });

  it("passes an Anthropic client straight through to Anthropic on the same route", async () => {
    const message = await anthropic.messages.create({ model: "any-client", max_tokens: 50, messages: hello });
    expect(message.content[0]).toMatchObject({ type: "text", text: "Hello from the mock upstream." });
    expect(an.requests[seen.an]!.json.model).toBe("claude-upstream");
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.attempts[0].translated).toBeUndefined();
  });

  it("count_tokens goes to Anthropic when the route's first target is Anthropic", async () => {
    an.script({ kind: "raw", status: 200, headers: { "content-type": "application/json" }, body: '{"input_tokens":42}' });
    const count = await anthropic.messages.countTokens({ model: "any-client", messages: hello });
    expect(count.input_tokens).toBe(42);
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.estimate).toBeUndefined();
    expect(an.requests[seen.an]!.path).toBe("/v1/messages/count_tokens");
    expect(an.requests[seen.an]!.json.model).toBe("claude-upstream");
  });

  it("count_tokens falls back to an estimate when Anthropic answers 404, without failing the route", async () => {
    an.script({ kind: "error", status: 404 });
    const count = await anthropic.messages.countTokens({ model: "any-client", messages: hello });
    expect(count.input_tokens).toBeGreaterThan(0);
  });
});
