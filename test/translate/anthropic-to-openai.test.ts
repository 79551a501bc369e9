// Anthropic client → OpenAI-format upstream: the golden fixtures, then the stream invariants checked
// programmatically on every stream fixture (the rules clients break on quietly: one message_start, block
// order, no empty text blocks, tool inputs reassembled whole, usage after the usage chunk), schema checks
// of everything produced, the unsupported policy and untrusted upstream data.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { createParser } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import type { AnthropicMessagesRequest, OpenAIChatResponse } from "../../generated/types/index.ts";
import { anthropicToOpenAI } from "../../runtime/translate/anthropic-to-openai/index.ts";
import type { TranslationContext, TranslationOptions, TranslationState } from "../../runtime/translate/translator.ts";
import { describeGoldenFixtures } from "./golden.ts";
import { testContext, testState } from "./helpers.ts";

describeGoldenFixtures("anthropic-to-openai", anthropicToOpenAI);

const fixturesDir = path.join(import.meta.dirname, "fixtures/anthropic-to-openai");
const schemaDir = path.join(import.meta.dirname, "../../schema/providers");

function validator(file: string) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile(JSON.parse(readFileSync(path.join(schemaDir, file), "utf8")));
}
const validClientRequest = validator("anthropic.messages.request.json");
const validUpstreamRequest = validator("openai.chat.request.json");
const validClientResponse = validator("anthropic.messages.response.json");
const validClientEvent = validator("anthropic.messages.event.json");

function context(options: Partial<TranslationOptions> = {}): TranslationContext {
  return testContext("claude-sonnet-4-5", "gpt-4o", options);
}

function request(body: Partial<AnthropicMessagesRequest>, options: Partial<TranslationOptions> = {}) {
  return anthropicToOpenAI.request({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "Hi" }], ...body }, context(options));
}

function state(overrides: Partial<TranslationState> = {}): TranslationState {
  return testState({ clientModel: "claude-sonnet-4-5", includeUsage: false, estimatedInputTokens: 42, responseId: "msg_req_1", ...overrides });
}

interface SseEvent {
  event: string | undefined;
  data: string;
}

function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: (e) => events.push({ event: e.event, data: e.data }) });
  parser.feed(text);
  return events;
}

interface ClientEvent {
  name: string | undefined;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Which upstream event produced it (upstream events.length for end()). */
  after: number;
}

/** Feeds upstream events one by one, as the runtime does, and notes which one produced each client event. */
function runStream(upstream: readonly SseEvent[], translatorState: TranslationState): ClientEvent[] {
  const translator = anthropicToOpenAI.stream(translatorState);
  const out: ClientEvent[] = [];
  const collect = (text: string, after: number) => {
    for (const e of parseSse(text)) out.push({ name: e.event, data: JSON.parse(e.data), after });
  };
  upstream.forEach((e, i) => collect(translator.event(e.event, e.data), i));
  collect(translator.end(), upstream.length);
  return out;
}

/** What the upstream stream says, read naively: each call's whole arguments, and where usage first came. */
function upstreamFacts(upstream: readonly SseEvent[]) {
  const args = new Map<string, string>();
  const idByIndex = new Map<number, string>();
  let usageAt = -1;
  let usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens?: number } } | undefined;
  let error = -1;
  upstream.forEach((e, i) => {
    if (e.data === "[DONE]") return;
    const chunk = JSON.parse(e.data);
    if (chunk.error && error < 0) error = i;
    for (const call of chunk.choices?.[0]?.delta?.tool_calls ?? []) {
      if (call.id) idByIndex.set(call.index, call.id);
      const id = idByIndex.get(call.index)!;
      args.set(id, (args.get(id) ?? "") + (call.function?.arguments ?? ""));
    }
    if (chunk.usage && usageAt < 0) {
      usageAt = i;
      usage = chunk.usage;
    }
  });
  return { args, usageAt, usage, error };
}

const streamRules = readdirSync(fixturesDir).filter((rule) => existsSync(path.join(fixturesDir, rule, "upstream-stream.sse")));

describe("stream invariants, on every stream fixture", () => {
  it("has stream fixtures", () => expect(streamRules.length).toBeGreaterThan(10));

  it.each(streamRules)("%s", (rule) => {
    const dir = path.join(fixturesDir, rule);
    const clientRequest = JSON.parse(readFileSync(path.join(dir, "client-request.json"), "utf8"));
    const translated = anthropicToOpenAI.request(clientRequest, { ...context(), clientModel: clientRequest.model });
    if (!translated.ok) throw new Error(translated.problem.message);
    const upstream = parseSse(readFileSync(path.join(dir, "upstream-stream.sse"), "utf8"));
    const events = runStream(upstream, translated.state);
    const facts = upstreamFacts(upstream);

    for (const e of events) {
      expect(e.name, "SSE event name is the payload type").toBe(e.data.type);
      expect(validClientEvent(e.data), `${JSON.stringify(e.data)} ${JSON.stringify(validClientEvent.errors)}`).toBe(true);
    }

    // One message_start, first, with a non-zero input estimate and the cache_creation object.
    const starts = events.filter((e) => e.name === "message_start");
    expect(starts).toHaveLength(1);
    expect(events[0]!.name).toBe("message_start");
    expect(starts[0]!.data.message.usage.input_tokens).toBeGreaterThan(0);
    expect(starts[0]!.data.message.usage.cache_creation).toEqual({ ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 });

    if (facts.error >= 0) {
      expect(events.at(-1)!.name).toBe("error");
      expect(events.filter((e) => e.name === "error")).toHaveLength(1);
      expect(events.some((e) => e.name === "message_delta" || e.name === "message_stop")).toBe(false);
      return;
    }

    // Blocks: indices 0, 1, 2...; one open at a time; deltas of the open block's own kind; no empty text.
    const blocks: { type: string; text: string; json: string; id?: string }[] = [];
    let open: number | undefined;
    for (const { name, data } of events) {
      if (name === "content_block_start") {
        expect(open, "previous block closed before the next starts").toBeUndefined();
        expect(data.index).toBe(blocks.length);
        blocks.push({ type: data.content_block.type, text: "", json: "", id: data.content_block.id });
        open = data.index;
      } else if (name === "content_block_delta") {
        expect(data.index).toBe(open);
        const block = blocks[data.index]!;
        const expected = { text_delta: "text", thinking_delta: "thinking", input_json_delta: "tool_use" }[data.delta.type as string];
        expect(block.type, `${data.delta.type} inside a ${block.type} block`).toBe(expected);
        if (data.delta.type === "text_delta") block.text += data.delta.text;
        if (data.delta.type === "thinking_delta") block.text += data.delta.thinking;
        if (data.delta.type === "input_json_delta") block.json += data.delta.partial_json;
      } else if (name === "content_block_stop") {
        expect(data.index).toBe(open);
        open = undefined;
      }
    }
    expect(open, "every block closed").toBeUndefined();
    for (const block of blocks) if (block.type === "text" || block.type === "thinking") expect(block.text).not.toBe("");

    // Tool inputs reassembled from input_json_delta equal the upstream's arguments, for every call.
    const tools = blocks.filter((b) => b.type === "tool_use");
    expect(tools.map((b) => b.id).sort()).toEqual([...facts.args.keys()].sort());
    for (const block of tools) {
      const upstreamArgs = facts.args.get(block.id!)!;
      expect(JSON.parse(block.json || "{}")).toEqual(JSON.parse(upstreamArgs || "{}"));
    }

    // The end: message_delta then message_stop, last; held until the usage chunk, with its counts.
    const [delta, stop] = events.slice(-2);
    expect(delta!.name).toBe("message_delta");
    expect(stop!.name).toBe("message_stop");
    expect(events.filter((e) => e.name === "message_delta")).toHaveLength(1);
    if (tools.length > 0 && delta!.data.delta.stop_reason !== "max_tokens") expect(delta!.data.delta.stop_reason).toBe("tool_use");
    if (facts.usage) {
      expect(delta!.after, "message_delta not before the usage chunk").toBeGreaterThanOrEqual(facts.usageAt);
      const cached = facts.usage.prompt_tokens_details?.cached_tokens ?? 0;
      expect(delta!.data.usage).toEqual({
        input_tokens: facts.usage.prompt_tokens - cached,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: cached,
        output_tokens: facts.usage.completion_tokens,
      });
    }
  });
});

describe("fixture inputs and outputs fit the API schemas", () => {
  const rules = readdirSync(fixturesDir);
  it.each(rules)("%s", (rule) => {
    const dir = path.join(fixturesDir, rule);
    const clientRequest = JSON.parse(readFileSync(path.join(dir, "client-request.json"), "utf8"));
    expect(validClientRequest(clientRequest), JSON.stringify(validClientRequest.errors)).toBe(true);
    const upstreamFile = path.join(dir, "upstream-request.json");
    if (existsSync(upstreamFile)) {
      const upstream = JSON.parse(readFileSync(upstreamFile, "utf8"));
      expect(validUpstreamRequest(upstream), JSON.stringify(validUpstreamRequest.errors)).toBe(true);
    }
    const responseFile = path.join(dir, "client-response.json");
    if (existsSync(responseFile)) {
      const response = JSON.parse(readFileSync(responseFile, "utf8"));
      expect(validClientResponse(response), JSON.stringify(validClientResponse.errors)).toBe(true);
    }
  });
});

describe("request", () => {
  it("rejects an unsupported field with a problem naming it", () => {
    const result = request({ top_k: 5 }, { unsupported: "reject" });
    expect(result).toEqual({ ok: false, problem: { path: "/top_k", message: "top_k cannot be expressed by the OpenAI chat completions API" } });
  });

  it("rejects an unsupported block with a pointer to it", () => {
    const result = request(
      { messages: [{ role: "user", content: [{ type: "text", text: "Read this" }, { type: "document", source: { type: "text", media_type: "text/plain", data: "x" } }] }] },
      { unsupported: "reject" },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.path).toBe("/messages/0/content/1");
  });

  it("records dropped fields as dotted paths", () => {
    const result = request({ top_k: 5, thinking: { type: "enabled", budget_tokens: 2048 } });
    expect(result.ok && result.state.dropped).toEqual(["top_k", "thinking"]);
  });

  it("does not record disabled thinking or cache_control", () => {
    const result = request({ thinking: { type: "disabled" }, cache_control: { type: "ephemeral" }, system: [{ type: "text", text: "S", cache_control: { type: "ephemeral" } }] });
    expect(result.ok && result.state.dropped).toEqual([]);
  });

  it("asks for usage on every stream", () => {
    const result = request({ stream: true });
    expect(result.ok && result.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  const weather = { name: "get_weather", input_schema: { type: "object" as const, properties: { city: { type: "string" } } } };
  it.each([
    [{ type: "auto" }, { tool_choice: "auto" }],
    [{ type: "auto", disable_parallel_tool_use: true }, { tool_choice: "auto", parallel_tool_calls: false }],
    [{ type: "any" }, { tool_choice: "required" }],
    [{ type: "tool", name: "get_weather" }, { tool_choice: { type: "function", function: { name: "get_weather" } } }],
    [{ type: "none" }, { tool_choice: "none" }],
  ] as const)("tool_choice %j → %j", (choice, want) => {
    const result = request({ tools: [weather], tool_choice: choice });
    if (!result.ok) throw new Error(result.problem.message);
    expect({ tool_choice: result.body.tool_choice, parallel_tool_calls: result.body.parallel_tool_calls }).toEqual({ parallel_tool_calls: undefined, ...want });
  });

  it("keeps parallel_tool_calls and tool_choice out when there are no client tools", () => {
    const result = request({ tool_choice: { type: "auto", disable_parallel_tool_use: true } });
    expect(result.ok && result.body.tool_choice).toBeUndefined();
    expect(result.ok && result.body.parallel_tool_calls).toBeUndefined();
  });
});

describe("response from untrusted upstream data", () => {
  const garbage: unknown[] = [
    null,
    42,
    "text",
    [],
    {},
    { choices: null },
    { choices: [null] },
    { choices: [{ message: null }] },
    { choices: [{ message: { content: 5, tool_calls: "x", reasoning_content: {} } }] },
    { choices: [{ message: { tool_calls: [null, 3, { function: null }, { function: { name: 7, arguments: "{not json" } }] } }], usage: "lots" },
    { choices: [{ message: { tool_calls: [{ id: "c", function: { name: "f", arguments: "[1,2]" } }] }, finish_reason: {} }], usage: { prompt_tokens: "9" } },
  ];

  it.each(garbage.map((g) => [JSON.stringify(g), g]))("never throws on %s", (_, body) => {
    const response = anthropicToOpenAI.response(body as OpenAIChatResponse, state());
    expect(validClientResponse(response), JSON.stringify(validClientResponse.errors)).toBe(true);
    expect(response.content.every((block) => block.type !== "text" || block.text !== "")).toBe(true);
  });

  it("gives tool inputs {} for empty, invalid or non-object arguments, and names them back", () => {
    const body = {
      choices: [
        {
          message: {
            content: null,
            tool_calls: [
              { id: "a", type: "function", function: { name: "short_x_1234abcd", arguments: "" } },
              { id: "b", type: "function", function: { name: "g", arguments: "{oops" } },
              { id: "c", type: "function", function: { name: "g", arguments: "[1]" } },
            ],
          },
          finish_reason: "stop",
        },
      ],
    };
    const response = anthropicToOpenAI.response(body as unknown as OpenAIChatResponse, state({ toolNames: new Map([["short_x_1234abcd", "the original name"]]) }));
    expect(response.content).toEqual([
      { type: "tool_use", id: "a", name: "the original name", input: {} },
      { type: "tool_use", id: "b", name: "g", input: {} },
      { type: "tool_use", id: "c", name: "g", input: {} },
    ]);
    expect(response.stop_reason).toBe("tool_use");
  });
});

describe("stream from untrusted upstream data", () => {
  // JSON objects of every wrong shape are read past; data that is not a JSON object stops the stream
  // (test/translate/unreadable-stream.test.ts), and blank data is a keep-alive.
  const garbage = ["", "{}", '{"choices":null}', '{"choices":[null,{"delta":5}]}', '{"choices":[{"delta":{"content":7,"tool_calls":[null,{"index":"x"},{"function":{"arguments":9}}]}}]}', '{"choices":[{"delta":{"tool_calls":{}}}],"usage":[]}', '{"choices":[{"finish_reason":7}],"usage":{"prompt_tokens":"x"}}'];

  it("never throws, and every frame is a valid event", () => {
    const translator = anthropicToOpenAI.stream(state());
    let out = "";
    for (const data of garbage) out += translator.event(undefined, data);
    out += translator.end();
    const events = parseSse(out).map((e) => JSON.parse(e.data));
    for (const e of events) expect(validClientEvent(e), JSON.stringify(validClientEvent.errors)).toBe(true);
    expect(events.at(-1)).toEqual({ type: "message_stop" });
  });

  it("sends nothing for a stream that never started", () => {
    const translator = anthropicToOpenAI.stream(state());
    expect(translator.event(undefined, "not json")).toBe("");
    expect(translator.end()).toBe("");
  });

  it("sends nothing after an error", () => {
    const translator = anthropicToOpenAI.stream(state());
    translator.event(undefined, JSON.stringify({ choices: [{ index: 0, delta: { content: "Hi" } }] }));
    const error = translator.event("error", "upstream went away");
    expect(parseSse(error).map((e) => JSON.parse(e.data))).toEqual([{ type: "error", error: { type: "api_error", message: "upstream went away" } }]);
    expect(translator.event(undefined, JSON.stringify({ choices: [{ index: 0, delta: { content: "more" } }] }))).toBe("");
    expect(translator.event(undefined, "[DONE]")).toBe("");
    expect(translator.end()).toBe("");
  });

  it("finishes a stream cut off before [DONE] exactly once", () => {
    const translator = anthropicToOpenAI.stream(state());
    translator.event(undefined, JSON.stringify({ choices: [{ index: 0, delta: { content: "Hi" } }] }));
    const closing = parseSse(translator.end()).map((e) => e.event);
    expect(closing).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(translator.end()).toBe("");
  });

  const data = (delta: object, extra: object = {}) => JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: null }], ...extra });
  const names = (text: string) => parseSse(text).map((e) => e.event);

  it("holds message_delta from the finish_reason until the usage chunk", () => {
    const translator = anthropicToOpenAI.stream(state());
    expect(names(translator.event(undefined, data({ role: "assistant", content: "Hi" })))).toEqual(["message_start", "ping", "content_block_start", "content_block_delta"]);
    const finish = JSON.stringify({ id: "c", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: null });
    expect(translator.event(undefined, finish)).toBe("");
    const usage = translator.event(undefined, JSON.stringify({ id: "c", choices: [], usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 } }));
    expect(names(usage)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(translator.event(undefined, "[DONE]") + translator.end()).toBe("");
  });

  it("queues text arriving while a tool call's arguments are unfinished, and loses none of them", () => {
    const translator = anthropicToOpenAI.stream(state());
    let out = translator.event(undefined, data({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "f", arguments: '{"a":' } }] }));
    out += translator.event(undefined, data({ content: "meanwhile" }));
    out += translator.event(undefined, data({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }));
    out += translator.event(undefined, "[DONE]");
    const events = parseSse(out).map((e) => JSON.parse(e.data));
    expect(events.filter((e) => e.type.startsWith("content_block")).map((e) => [e.type, e.index, e.delta?.partial_json ?? e.delta?.text])).toEqual([
      ["content_block_start", 0, undefined],
      ["content_block_delta", 0, '{"a":'],
      ["content_block_delta", 0, "1}"],
      ["content_block_stop", 0, undefined],
      ["content_block_start", 1, undefined],
      ["content_block_delta", 1, "meanwhile"],
      ["content_block_stop", 1, undefined],
    ]);
  });

  it("writes out a call queued behind a parameterless one at the end", () => {
    const translator = anthropicToOpenAI.stream(state());
    let out = translator.event(undefined, data({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "list", arguments: "" } }] }));
    out += translator.event(undefined, data({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "get", arguments: '{"id"' } }] }));
    out += translator.event(undefined, data({ tool_calls: [{ index: 1, function: { arguments: ":7}" } }] }));
    out += translator.end();
    const events = parseSse(out).map((e) => JSON.parse(e.data));
    const blocks = events.filter((e) => e.type === "content_block_start").map((e) => e.content_block.id);
    const json = events.filter((e) => e.delta?.type === "input_json_delta").map((e) => [e.index, e.delta.partial_json]);
    expect(blocks).toEqual(["call_a", "call_b"]);
    expect(json).toEqual([[1, '{"id":7}']]);
    expect(events.at(-2).delta.stop_reason).toBe("tool_use");
  });

  it("answers a stream that is only [DONE] with a whole, empty message", () => {
    const translator = anthropicToOpenAI.stream(state());
    expect(names(translator.event(undefined, "[DONE]"))).toEqual(["message_start", "ping", "message_delta", "message_stop"]);
  });

  it("does not finish on usage repeated on every chunk before the finish_reason", () => {
    const translator = anthropicToOpenAI.stream(state());
    const usage = { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 };
    const first = translator.event(undefined, JSON.stringify({ choices: [{ index: 0, delta: { content: "A" } }], usage }));
    const second = translator.event(undefined, JSON.stringify({ choices: [{ index: 0, delta: { content: "B" } }], usage: { ...usage, completion_tokens: 2 } }));
    expect(first + second).not.toContain("message_delta");
    const last = translator.event(undefined, JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: { ...usage, completion_tokens: 3 } }));
    expect(last).toContain('"output_tokens":3');
    expect(translator.event(undefined, "[DONE]")).toBe("");
  });

  it("starts a new call when parallel calls all say index 0 but carry different ids", () => {
    const translator = anthropicToOpenAI.stream(state());
    let out = "";
    for (const [id, city] of [["call_a", "Oslo"], ["call_b", "Rome"]] as const) {
      const fragment = { index: 0, id, type: "function", function: { name: "get_weather", arguments: JSON.stringify({ city }) } };
      out += translator.event(undefined, JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [fragment] } }] }));
    }
    out += translator.end();
    const starts = parseSse(out).map((e) => JSON.parse(e.data)).filter((e) => e.type === "content_block_start");
    expect(starts.map((e) => [e.index, e.content_block.id])).toEqual([
      [0, "call_a"],
      [1, "call_b"],
    ]);
  });
});
