// End to end through POST /v1/responses with the official `openai` SDK (responses.create, and
// responses.stream(), whose event-order checks run on every event): translated to a chat completions mock,
// composed through chat to an Anthropic mock, and passed through to a mock that speaks the Responses API.
// Checks what the client assembled, what each upstream received, and the request log's usage and cost.
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildCase, logRecordsAfter, startGateway, type RunningGateway } from "../support/gateway.ts";
import { DEFAULT_USAGE, startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { RESPONSES_TEXT, RESPONSES_USAGE, startMockResponses, type MockResponses } from "../support/mock-responses.ts";

const KEYS = { OA_KEY: "sk-oa-responses-0123456789abcdef", AN_KEY: "sk-ant-responses-0123456789abcd", NATIVE_KEY: "sk-native-responses-0123456789ab" };

let oa: MockUpstream;
let an: MockUpstream;
let native: MockResponses;
let gw: RunningGateway;
let openai: OpenAI;

beforeAll(async () => {
  [oa, an, native] = await Promise.all([startMockUpstream({ api: "openai" }), startMockUpstream({ api: "anthropic" }), startMockResponses()]);
  const { bundle } = await buildCase("responses", "test/e2e/responses.routes.yaml");
  gw = await startGateway(bundle, { ...KEYS, OA_URL: oa.url, AN_URL: an.url, NATIVE_URL: native.url });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "client-key", maxRetries: 0 });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([oa?.close(), an?.close(), native?.close()]);
});

let seen: { oa: number; an: number; native: number; log: number };
beforeEach(async () => {
  seen = { oa: oa.requests.length, an: an.requests.length, native: native.requests.length, log: await gw.settledLogCount() };
});

/** USD of a usage at a per-million price (the fixture's), as the gateway books it. */
function cost(price: { input: number; output: number; cacheRead: number }, prompt: number, cached: number, output: number): number {
  return ((prompt - cached) * price.input + cached * price.cacheRead + output * price.output) / 1e6;
}
/** The text of a response's message items (the SDK's finalResponse() does not fill output_text). */
function outputText(response: OpenAI.Responses.Response): string {
  let text = "";
  for (const item of response.output) if (item.type === "message") for (const part of item.content) if (part.type === "output_text") text += part.text;
  return text;
}
const CHAT_PRICE = { input: 1000, output: 2000, cacheRead: 100 };

const weatherTool = {
  type: "function" as const,
  name: "get_weather",
  description: "Current weather in a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  strict: true,
};

describe("Responses API → chat completions upstream (translated)", () => {
  it("responses.create: output_text, usage in Responses terms, the chat request upstream, log and cost", async () => {
    const response = await openai.responses.create({ model: "gpt-chat", instructions: "Be brief.", input: "Say hello", max_output_tokens: 50, metadata: { run: "e2e" } });
    expect(response.object).toBe("response");
    expect(response.status).toBe("completed");
    expect(response.model).toBe("gpt-chat");
    expect(response.output_text).toBe("Hello from the mock upstream.");
    expect(response.metadata).toEqual({ run: "e2e" });
    expect((response as unknown as { store: boolean }).store).toBe(false);
    expect(response.usage).toEqual({
      input_tokens: DEFAULT_USAGE.input,
      input_tokens_details: { cached_tokens: DEFAULT_USAGE.cacheRead },
      output_tokens: DEFAULT_USAGE.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: DEFAULT_USAGE.input + DEFAULT_USAGE.output,
    });
    const upstream = oa.requests[seen.oa]!;
    expect(upstream.path).toBe("/v1/chat/completions");
    expect(upstream.headers.authorization).toBe(`Bearer ${KEYS.OA_KEY}`);
    expect(upstream.json).toEqual({
      model: "gpt-upstream",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hello" },
      ],
      max_tokens: 50,
    });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ route: "gpt-chat", api: "responses", path: "/v1/responses", status: 200 });
    expect(record!.attempts[0]).toMatchObject({ provider: "oa", model: "gpt-upstream", status: 200, translated: { to: "openai" } });
    expect(record!.usage).toMatchObject({ prompt_tokens: DEFAULT_USAGE.input, completion_tokens: DEFAULT_USAGE.output, cache_read_input_tokens: DEFAULT_USAGE.cacheRead });
    expect(record!.cost_usd).toBeCloseTo(cost(CHAT_PRICE, DEFAULT_USAGE.input, DEFAULT_USAGE.cacheRead, DEFAULT_USAGE.output), 9);
  });

  it("responses.create: a function call round trip (function_call out, function_call_output back in)", async () => {
    oa.script({ kind: "reply", toolCall: { name: "get_weather", arguments: { city: "Paris" } } });
    const first = await openai.responses.create({ model: "gpt-chat", input: "Weather in Paris?", tools: [weatherTool], tool_choice: "auto", parallel_tool_calls: false });
    const call = first.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", status: "completed" });
    expect(JSON.parse(call!.type === "function_call" ? call!.arguments : "")).toEqual({ city: "Paris" });
    expect(oa.requests[seen.oa]!.json).toMatchObject({
      tools: [{ type: "function", function: { name: "get_weather", description: "Current weather in a city", parameters: weatherTool.parameters, strict: true } }],
      tool_choice: "auto",
      parallel_tool_calls: false,
    });

    oa.script({ kind: "reply", text: "It is sunny in Paris." });
    const callId = call!.type === "function_call" ? call!.call_id : "";
    const second = await openai.responses.create({
      model: "gpt-chat",
      tools: [weatherTool],
      input: [
        { role: "user", content: "Weather in Paris?" },
        ...first.output.filter((item) => item.type === "function_call"),
        { type: "function_call_output", call_id: callId, output: '{"sky":"sunny"}' },
      ],
    });
    expect(second.output_text).toBe("It is sunny in Paris.");
    expect(oa.requests[seen.oa + 1]!.json.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [{ id: callId, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: callId, content: '{"sky":"sunny"}' },
    ]);
  });

  it("responses.stream(): the SDK's event-order checks pass, the events come in OpenAI's order with sequence numbers", async () => {
    const stream = openai.responses.stream({ model: "gpt-chat", input: "Say hello" });
    const events: Array<{ type: string; sequence_number: number }> = [];
    let deltas = "";
    stream.on("event", (event) => events.push(event));
    stream.on("response.output_text.delta", (event) => (deltas += event.delta));
    const final = await stream.finalResponse();
    expect(outputText(final)).toBe("Hello from the mock upstream.");
    expect(deltas).toBe("Hello from the mock upstream.");
    expect(final.usage).toMatchObject({ input_tokens: DEFAULT_USAGE.input, output_tokens: DEFAULT_USAGE.output });
    const types = events.map((e) => e.type).filter((t, i, all) => t !== "response.output_text.delta" || all[i - 1] !== t);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(oa.requests[seen.oa]!.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ api: "responses", status: 200, stream: true });
    expect(record!.usage).toMatchObject({ prompt_tokens: DEFAULT_USAGE.input, completion_tokens: DEFAULT_USAGE.output });
    expect(record!.cost_usd).toBeCloseTo(cost(CHAT_PRICE, DEFAULT_USAGE.input, DEFAULT_USAGE.cacheRead, DEFAULT_USAGE.output), 9);
  });

  it("responses.stream(): a streamed function call, its arguments assembled", async () => {
    oa.script({ kind: "reply", toolCall: { name: "get_weather", arguments: { city: "Lyon", unit: "celsius" } } });
    const stream = openai.responses.stream({ model: "gpt-chat", input: "Weather in Lyon?", tools: [weatherTool] });
    const types: string[] = [];
    let args = "";
    stream.on("event", (event) => types.push(event.type));
    stream.on("response.function_call_arguments.delta", (event) => (args += event.delta));
    const final = await stream.finalResponse();
    const call = final.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ name: "get_weather", call_id: expect.stringMatching(/^call_mock/), status: "completed" });
    expect(JSON.parse(args)).toEqual({ city: "Lyon", unit: "celsius" });
    expect(call!.type === "function_call" && JSON.parse(call!.arguments)).toEqual({ city: "Lyon", unit: "celsius" });
    expect(types).toContain("response.function_call_arguments.done");
    expect(types.indexOf("response.output_item.added")).toBeLessThan(types.indexOf("response.function_call_arguments.delta"));
    expect(types.at(-1)).toBe("response.completed");
  });

  it("previous_response_id on a translated target is a 400 that says to send the conversation instead", async () => {
    const error = await openai.responses.create({ model: "gpt-chat", input: "and then?", previous_response_id: "resp_abc" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const e = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.param).toBe("previous_response_id");
    expect(e.message).toContain("Send the whole conversation in `input`");
    expect(oa.requests.length).toBe(seen.oa);
  });

  it("a field chat cannot express: dropped and logged by default, a 400 naming it under unsupported: reject", async () => {
    const tools = [{ type: "web_search" as const }];
    const ok = await openai.responses.create({ model: "gpt-chat", input: "news?", tools });
    expect(ok.output_text).toBe("Hello from the mock upstream.");
    expect(oa.requests[seen.oa]!.json.tools).toBeUndefined();
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.attempts[0].translated).toEqual({ to: "openai", dropped: ["tools.0"] });
    const error = await openai.responses.create({ model: "strict-chat", input: "news?", tools }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain("a web_search tool cannot be expressed by the chat completions API");
  });

  it("metrics count Responses requests under their own api label", async () => {
    await openai.responses.create({ model: "gpt-chat", input: "count me" });
    await logRecordsAfter(gw, seen.log, 1);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_requests_total\{[^}]*route="gpt-chat"[^}]*api="responses"[^}]*\} [1-9]/);
  });

  it("errors come in OpenAI's format: a body that does not fit the schema, an unknown model", async () => {
    const bad = await fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-chat", input: 5 }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { message: "invalid request at /input: must be string", type: "invalid_request_error", param: "input", code: null } });
    const missing = await openai.responses.create({ model: "no-such-model", input: "hi" }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });
});

describe("Responses API → Anthropic upstream (composed through chat)", () => {
  it("responses.create: text and usage from a Messages answer", async () => {
    const response = await openai.responses.create({ model: "claude-responses", instructions: "Be brief.", input: "Say hello", max_output_tokens: 64 });
    expect(response.output_text).toBe("Hello from the mock upstream.");
    const prompt = DEFAULT_USAGE.input + DEFAULT_USAGE.cacheRead + DEFAULT_USAGE.cacheCreation;
    expect(response.usage).toMatchObject({ input_tokens: prompt, input_tokens_details: { cached_tokens: DEFAULT_USAGE.cacheRead }, output_tokens: DEFAULT_USAGE.output });
    const upstream = an.requests[seen.an]!;
    expect(upstream.path).toBe("/v1/messages");
    expect(upstream.json).toMatchObject({ model: "claude-upstream", system: "Be brief.", max_tokens: 64, messages: [{ role: "user", content: "Say hello" }] });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ route: "claude-responses", api: "responses", status: 200 });
    expect(record!.attempts[0]).toMatchObject({ provider: "an", translated: { to: "anthropic" } });
    expect(record!.cost_usd).toBeGreaterThan(0);
  });

  it("responses.stream(): passes the SDK's checks, with a tool call", async () => {
    an.script({ kind: "reply", toolCall: { name: "get_weather", arguments: { city: "Oslo" } } });
    const stream = openai.responses.stream({ model: "claude-responses", input: "Weather in Oslo?", tools: [weatherTool] });
    const sequence: number[] = [];
    stream.on("event", (event) => sequence.push(event.sequence_number));
    const final = await stream.finalResponse();
    const call = final.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", status: "completed" });
    expect(call!.type === "function_call" && JSON.parse(call!.arguments)).toEqual({ city: "Oslo" });
    expect(sequence).toEqual(sequence.map((_, i) => i));
    expect(an.requests[seen.an]!.json).toMatchObject({ stream: true, tools: [{ name: "get_weather", input_schema: weatherTool.parameters }] });

    const text = await openai.responses.stream({ model: "claude-responses", input: "Say hello" }).finalResponse();
    expect(outputText(text)).toBe("Hello from the mock upstream.");
    expect(text.status).toBe("completed");
  });
});

describe("Responses API → an upstream that speaks it (pass-through)", () => {
  it("responses.create: the body goes through with only the model renamed, usage and cost from the body", async () => {
    const response = await openai.responses.create({ model: "gpt-native", input: "Say hello", store: true, reasoning: { effort: "low" } });
    expect(response.output_text).toBe(RESPONSES_TEXT);
    expect(response.id).toMatch(/^resp_mock/);
    const upstream = native.requests[seen.native]!;
    expect(upstream.path).toBe("/v1/responses");
    expect(upstream.headers.authorization).toBe(`Bearer ${KEYS.NATIVE_KEY}`);
    // Byte for byte, apart from the model's value: the SDK's own serialisation is what arrives.
    expect(upstream.body).toBe(JSON.stringify({ model: "gpt-native-upstream", input: "Say hello", store: true, reasoning: { effort: "low" } }));
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ route: "gpt-native", api: "responses", status: 200 });
    expect(record!.attempts[0].translated).toBeUndefined();
    expect(record!.usage).toMatchObject({ prompt_tokens: RESPONSES_USAGE.input, completion_tokens: RESPONSES_USAGE.output, cache_read_input_tokens: RESPONSES_USAGE.cached });
    expect(record!.cost_usd).toBeCloseTo(cost(CHAT_PRICE, RESPONSES_USAGE.input, RESPONSES_USAGE.cached, RESPONSES_USAGE.output), 9);
  });

  it("responses.stream(): relayed as sent, usage read from response.completed; previous_response_id passes through", async () => {
    const final = await openai.responses.stream({ model: "gpt-native", input: "Say hello", previous_response_id: "resp_mock1" }).finalResponse();
    expect(outputText(final)).toBe(RESPONSES_TEXT);
    expect(final.previous_response_id).toBe("resp_mock1");
    expect(native.requests[seen.native]!.json).toMatchObject({ model: "gpt-native-upstream", previous_response_id: "resp_mock1", stream: true });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ api: "responses", status: 200 });
    expect(record!.usage).toMatchObject({ prompt_tokens: RESPONSES_USAGE.input, completion_tokens: RESPONSES_USAGE.output });
    expect(record!.response?.text ?? record!.response_body).toBeDefined();
    expect(record!.cost_usd).toBeCloseTo(cost(CHAT_PRICE, RESPONSES_USAGE.input, RESPONSES_USAGE.cached, RESPONSES_USAGE.output), 9);
  });
});
