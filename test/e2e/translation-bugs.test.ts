// End to end, one test per bug users of other gateways report most in translated traffic (each also has a
// golden fixture in test/translate/fixtures): thinking signatures that must come back byte for byte, tool
// names over OpenAI's 64 characters, cache_control markers, and OpenAI's empty `tool_calls: []`.
// The official SDKs drive the gateway; the mock upstreams record exactly what the gateway sent them.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";

let oa: MockUpstream;
let an: MockUpstream;
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  [oa, an] = await Promise.all([startMockUpstream({ api: "openai" }), startMockUpstream({ api: "anthropic" })]);
  const { bundle } = await buildCase("translation-bugs", "test/e2e/translation.routes.yaml");
  gw = await startGateway(bundle, { OA_KEY: "sk-oa-bugs-0123456789abcdef", AN_KEY: "sk-ant-bugs-0123456789abcdef", OA_URL: oa.url, AN_URL: an.url });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "client-key", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: "client-key", maxRetries: 0 });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([oa, an].map((m) => m?.close()));
});

let seen: { oa: number; an: number };
beforeEach(() => {
  seen = { oa: oa.requests.length, an: an.requests.length };
});

const sse = (events: Array<[string | null, unknown]>) =>
  events.map(([name, data]) => `${name ? `event: ${name}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`).join("");
const json = (body: unknown) => ({ kind: "raw" as const, status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const stream = (body: string) => ({ kind: "raw" as const, status: 200, headers: { "content-type": "text/event-stream" }, body });

const weather = {
  type: "function" as const,
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};
const USAGE = { input_tokens: 20, output_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
const SIGNED = { type: "thinking", thinking: "The user wants the weather; call the tool.", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrk==" };
/** Anthropic sends these when the thinking text is omitted: the signature alone must still go back. */
const SIGNATURE_ONLY = { type: "thinking", thinking: "", signature: "ErUBCkYIBxgCIkB0b2NBxVs1y3vyP8i0gCKE==" };

describe("thinking blocks come back to Anthropic exactly as received, signatures included", () => {
  async function secondTurn(assistant: OpenAI.ChatCompletionMessageParam, toolCallId: string) {
    an.script({ kind: "reply", text: "18°C in Rome." });
    const completion = await openai.chat.completions.create({
      model: "gpt-on-anthropic",
      reasoning_effort: "high",
      tools: [weather],
      messages: [{ role: "user", content: "Weather in Rome?" }, assistant, { role: "tool", tool_call_id: toolCallId, content: "18°C" }],
    });
    expect(completion.choices[0]!.message.content).toBe("18°C in Rome.");
    return an.requests[an.requests.length - 1]!.json;
  }

  it("non-stream: a signed block and a signature-only block survive the round trip through an OpenAI client", async () => {
    an.script(
      json({
        id: "msg_1", type: "message", role: "assistant", model: "claude-upstream", stop_reason: "tool_use", stop_sequence: null, usage: USAGE,
        content: [SIGNED, SIGNATURE_ONLY, { type: "tool_use", id: "toolu_rome", name: "get_weather", input: { city: "Rome" } }],
      }),
    );
    const first = await openai.chat.completions.create({ model: "gpt-on-anthropic", reasoning_effort: "high", tools: [weather], messages: [{ role: "user", content: "Weather in Rome?" }] });
    const message = first.choices[0]!.message;
    expect(message.content).toBeNull();
    expect((message as unknown as { thinking_blocks: unknown }).thinking_blocks).toEqual([SIGNED, SIGNATURE_ONLY]);

    // The client sends the assistant message back as it got it, as agents do.
    const upstream = await secondTurn(message as OpenAI.ChatCompletionMessageParam, message.tool_calls![0]!.id);
    expect(upstream.messages[1]).toEqual({
      role: "assistant",
      content: [SIGNED, SIGNATURE_ONLY, { type: "tool_use", id: "toolu_rome", name: "get_weather", input: { city: "Rome" } }],
    });
    expect(upstream.messages[2].content[0]).toMatchObject({ type: "tool_result", tool_use_id: "toolu_rome" });
  });

  it("stream: signature deltas become thinking_blocks the client can send back", async () => {
    an.script(
      stream(
        sse([
          ["message_start", { type: "message_start", message: { id: "msg_2", type: "message", role: "assistant", model: "claude-upstream", content: [], stop_reason: null, stop_sequence: null, usage: USAGE } }],
          ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }],
          ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: SIGNED.thinking } }],
          ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: SIGNED.signature } }],
          ["content_block_stop", { type: "content_block_stop", index: 0 }],
          ["content_block_start", { type: "content_block_start", index: 1, content_block: { type: "thinking", thinking: "", signature: "" } }],
          ["content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "signature_delta", signature: SIGNATURE_ONLY.signature } }],
          ["content_block_stop", { type: "content_block_stop", index: 1 }],
          ["content_block_start", { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_rome2", name: "get_weather", input: {} } }],
          ["content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"city":"Rome"}' } }],
          ["content_block_stop", { type: "content_block_stop", index: 2 }],
          ["message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 30 } }],
          ["message_stop", { type: "message_stop" }],
        ]),
      ),
    );
    const chunks = await openai.chat.completions.create({ model: "gpt-on-anthropic", stream: true, reasoning_effort: "high", tools: [weather], messages: [{ role: "user", content: "Weather in Rome?" }] });
    const thinkingBlocks: unknown[] = [];
    let reasoning = "";
    const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
    for await (const chunk of chunks) {
      const delta = chunk.choices[0]?.delta as (OpenAI.ChatCompletionChunk.Choice.Delta & { thinking_blocks?: unknown[]; reasoning_content?: string }) | undefined;
      if (!delta) continue;
      reasoning += delta.reasoning_content ?? "";
      thinkingBlocks.push(...(delta.thinking_blocks ?? []));
      for (const call of delta.tool_calls ?? []) {
        calls[call.index] ??= { arguments: "" };
        if (call.id) calls[call.index]!.id = call.id;
        if (call.function?.name) calls[call.index]!.name = call.function.name;
        calls[call.index]!.arguments += call.function?.arguments ?? "";
      }
    }
    expect(reasoning).toBe(SIGNED.thinking);
    expect(thinkingBlocks).toEqual([SIGNED, SIGNATURE_ONLY]);
    expect(calls).toEqual([{ id: "toolu_rome2", name: "get_weather", arguments: '{"city":"Rome"}' }]);

    const assistant = {
      role: "assistant",
      content: null,
      reasoning_content: reasoning,
      thinking_blocks: thinkingBlocks,
      tool_calls: [{ id: "toolu_rome2", type: "function", function: { name: "get_weather", arguments: calls[0]!.arguments } }],
    } as unknown as OpenAI.ChatCompletionMessageParam;
    const upstream = await secondTurn(assistant, "toolu_rome2");
    expect(upstream.messages[1].content).toEqual([SIGNED, SIGNATURE_ONLY, { type: "tool_use", id: "toolu_rome2", name: "get_weather", input: { city: "Rome" } }]);
  });
});

describe("tool names longer than OpenAI's 64 characters", () => {
  const LONG = "mcp__acme_internal_knowledge_base__search_engineering_design_documents_by_topic";
  const tool = { name: LONG, description: "Search design docs", input_schema: { type: "object" as const, properties: { q: { type: "string" } } } };

  it("are shortened the same way every time and mapped back in responses, streamed and not", async () => {
    expect(LONG.length).toBeGreaterThan(64);
    await anthropic.messages.create({ model: "claude-on-openai", max_tokens: 100, tools: [tool], messages: [{ role: "user", content: "hi" }] });
    const sent: string = oa.requests[seen.oa]!.json.tools[0].function.name;
    expect(sent.length).toBeLessThanOrEqual(64);
    expect(sent).not.toBe(LONG);

    oa.script({ kind: "reply", toolCall: { name: sent, arguments: { q: "breakers" } } });
    const message = await anthropic.messages.create({ model: "claude-on-openai", max_tokens: 100, tools: [tool], messages: [{ role: "user", content: "find breakers" }] });
    expect(message.content.find((b) => b.type === "tool_use")).toMatchObject({ name: LONG, input: { q: "breakers" } });
    expect(oa.requests[seen.oa + 1]!.json.tools[0].function.name).toBe(sent);

    oa.script({ kind: "reply", toolCall: { name: sent, arguments: { q: "retries" } } });
    const final = await anthropic.messages.stream({ model: "claude-on-openai", max_tokens: 100, tools: [tool], messages: [{ role: "user", content: "find retries" }] }).finalMessage();
    expect(final.content.find((b) => b.type === "tool_use")).toMatchObject({ name: LONG, input: { q: "retries" } });

    // History carrying the long name goes upstream under the short one, paired with its result.
    await anthropic.messages.create({
      model: "claude-on-openai",
      max_tokens: 100,
      tools: [tool],
      messages: [
        { role: "user", content: "find retries" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_q", name: LONG, input: { q: "retries" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_q", content: "3 docs" }] },
      ],
    });
    const history = oa.requests[oa.requests.length - 1]!.json.messages;
    expect(history[1].tool_calls[0]).toMatchObject({ id: "toolu_q", function: { name: sent } });
    expect(history[2]).toMatchObject({ role: "tool", tool_call_id: "toolu_q" });
  });
});

describe("cache_control markers survive where the target understands them", () => {
  it("Anthropic client → OpenAI-format upstream that understands them (route: cache_control: keep)", async () => {
    await anthropic.messages.create({
      model: "claude-on-openrouter",
      max_tokens: 100,
      system: [{ type: "text", text: "Long stable instructions.", cache_control: { type: "ephemeral" } }],
      tools: [{ name: "get_weather", input_schema: { type: "object", properties: {} }, cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: [{ type: "text", text: "Big document…", cache_control: { type: "ephemeral", ttl: "1h" } }] }],
    });
    const upstream = oa.requests[seen.oa]!.json;
    expect(upstream.messages[0]).toEqual({ role: "system", content: [{ type: "text", text: "Long stable instructions.", cache_control: { type: "ephemeral" } }] });
    expect(upstream.messages[1].content[0]).toEqual({ type: "text", text: "Big document…", cache_control: { type: "ephemeral", ttl: "1h" } });
    expect(upstream.tools[0].cache_control).toEqual({ type: "ephemeral" });
  });

  it("are dropped for an OpenAI-format upstream that would reject them (the default)", async () => {
    await anthropic.messages.create({
      model: "claude-on-openai",
      max_tokens: 100,
      messages: [{ role: "user", content: [{ type: "text", text: "Big document…", cache_control: { type: "ephemeral" } }] }],
    });
    expect(oa.requests[seen.oa]!.body).not.toContain("cache_control");
  });

  it("OpenAI client → Anthropic: markers on content parts and tools reach Anthropic", async () => {
    await openai.chat.completions.create({
      model: "gpt-on-anthropic",
      tools: [{ ...weather, cache_control: { type: "ephemeral" } } as OpenAI.ChatCompletionTool],
      messages: [
        { role: "system", content: [{ type: "text", text: "Long stable instructions.", cache_control: { type: "ephemeral" } } as OpenAI.ChatCompletionContentPartText] },
        { role: "user", content: [{ type: "text", text: "Question", cache_control: { type: "ephemeral" } } as OpenAI.ChatCompletionContentPartText] },
      ],
    });
    const upstream = an.requests[seen.an]!.json;
    expect(upstream.system).toEqual([{ type: "text", text: "Long stable instructions.", cache_control: { type: "ephemeral" } }]);
    expect(upstream.messages[0].content).toEqual([{ type: "text", text: "Question", cache_control: { type: "ephemeral" } }]);
    expect(upstream.tools[0].cache_control).toEqual({ type: "ephemeral" });
  });
});

describe("an empty tool_calls: [] from an OpenAI-format upstream is ignored", () => {
  const chunk = (delta: object, finish: string | null = null) => ({
    id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-upstream", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null,
  });

  it("stream: one text block, no tool_use block, end_turn", async () => {
    oa.script(
      stream(
        sse([
          [null, chunk({ role: "assistant", content: "", tool_calls: [] })],
          [null, chunk({ content: "Hello", tool_calls: [] })],
          [null, chunk({ content: "!", tool_calls: [] })],
          [null, chunk({ content: "", tool_calls: [] }, "stop")],
          [null, { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-upstream", choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } }],
          [null, "[DONE]"],
        ]),
      ),
    );
    const events: string[] = [];
    const final = await anthropic.messages
      .stream({ model: "claude-on-openai", max_tokens: 100, messages: [{ role: "user", content: "hi" }] })
      .on("streamEvent", (event) => events.push(event.type))
      .finalMessage();
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: "text", text: "Hello!" });
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage).toMatchObject({ input_tokens: 9, output_tokens: 2 });
    expect(events.filter((e) => e === "content_block_start")).toHaveLength(1);
  });

  it("non-stream: one text block, never an empty one, end_turn", async () => {
    oa.script(
      json({
        id: "chatcmpl-2", object: "chat.completion", created: 1, model: "gpt-upstream",
        choices: [{ index: 0, message: { role: "assistant", content: "Hello!", tool_calls: [] }, logprobs: null, finish_reason: "stop" }],
        usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
      }),
    );
    const message = await anthropic.messages.create({ model: "claude-on-openai", max_tokens: 100, messages: [{ role: "user", content: "hi" }] });
    expect(message.content).toHaveLength(1);
    expect(message.content[0]).toMatchObject({ type: "text", text: "Hello!" });
    expect(message.stop_reason).toBe("end_turn");
  });
});
