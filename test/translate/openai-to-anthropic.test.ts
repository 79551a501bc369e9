// OpenAI client → Anthropic upstream: the golden fixtures, plus focused checks of the rules that break
// quietly (tool call indices, empty text blocks, signatures, cumulative usage, the unsupported policy,
// untrusted upstream data).
import { describe, expect, it } from "vitest";
import type { AnthropicMessagesRequest, AnthropicMessagesResponse, OpenAIChatRequest } from "../../generated/types/index.ts";
import { openaiToAnthropic } from "../../runtime/translate/openai-to-anthropic/index.ts";
import type { TranslationContext, TranslationOptions, TranslationState } from "../../runtime/translate/translator.ts";
import { describeGoldenFixtures } from "./golden.ts";
import { testContext, testState } from "./helpers.ts";

describeGoldenFixtures("openai-to-anthropic", openaiToAnthropic);


function context(options: Partial<TranslationOptions> = {}): TranslationContext {
  return testContext("gpt-4o", "claude-sonnet-4-5", options);
}

function translate(body: Partial<OpenAIChatRequest>, options: Partial<TranslationOptions> = {}) {
  return openaiToAnthropic.request({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...body }, context(options));
}

function upstream(body: Partial<OpenAIChatRequest>, options: Partial<TranslationOptions> = {}): AnthropicMessagesRequest {
  const result = translate(body, options);
  if (!result.ok) throw new Error(`rejected: ${result.problem.message}`);
  return result.body;
}

function state(overrides: Partial<TranslationState> = {}): TranslationState {
  return testState(overrides);
}

/** Feeds named events and returns the parsed `data:` payloads (the [DONE] marker as the string "[DONE]"). */
function streamChunks(events: readonly object[], overrides: Partial<TranslationState> = {}): unknown[] {
  const translator = openaiToAnthropic.stream(state(overrides));
  let out = "";
  for (const event of events) out += translator.event((event as { type?: string }).type, JSON.stringify(event));
  out += translator.end();
  return out
    .split("\n\n")
    .filter(Boolean)
    .map((frame) => frame.replace(/^data: /, ""))
    .map((data) => (data === "[DONE]" ? data : JSON.parse(data)));
}

const START = { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude", content: [], usage: { input_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 2, output_tokens: 1 } } };

describe("request", () => {
  it("never sends an empty text block, even for an assistant turn with only tool calls", () => {
    const body = upstream({
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: "", tool_calls: [{ id: "t1", type: "function", function: { name: "w", arguments: "" } }] },
        { role: "tool", tool_call_id: "t1", content: "sunny" },
        { role: "user", content: [{ type: "text", text: "" }, { type: "text", text: "thanks" }] },
      ],
    });
    const blocks = body.messages.flatMap((m) => (typeof m.content === "string" ? [] : m.content));
    expect(blocks.filter((b) => b.type === "text" && b.text === "")).toEqual([]);
    expect(body.messages[1]).toEqual({ role: "assistant", content: [{ type: "tool_use", id: "t1", name: "w", input: {} }] });
    // the tool result and the next user message share one user turn, tool_result first
    expect(body.messages[2]).toEqual({ role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "sunny" }, { type: "text", text: "thanks" }] });
  });

  it("keeps tool_result blocks ahead of text when a tool message follows a user message", () => {
    const body = upstream({
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "w", arguments: "{}" } }] },
        { role: "user", content: "also this" },
        { role: "tool", tool_call_id: "t1", content: "done" },
      ],
    });
    expect(body.messages[2]?.content).toEqual([{ type: "tool_result", tool_use_id: "t1", content: "done" }, { type: "text", text: "also this" }]);
  });

  it("sends thinking blocks back byte-exact, first, and drops unsigned reasoning_content", () => {
    const signed = { type: "thinking" as const, thinking: "", signature: "Sig/+==" };
    const redacted = { type: "redacted_thinking" as const, data: "Enc+/==" };
    const body = upstream({
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: "a", thinking_blocks: [signed, redacted], reasoning_content: "ignored" },
        { role: "user", content: "q2" },
        { role: "assistant", content: "b", reasoning_content: "unsigned" },
        { role: "user", content: "q3" },
      ],
    });
    expect(JSON.stringify(body.messages[1])).toBe(JSON.stringify({ role: "assistant", content: [signed, redacted, { type: "text", text: "a" }] }));
    expect(body.messages[3]).toEqual({ role: "assistant", content: "b" });
    expect(JSON.stringify(body)).not.toContain("unsigned");
  });

  it("records dropped fields as dotted paths", () => {
    const result = translate({
      n: 3,
      seed: 1,
      messages: [{ role: "user", content: [{ type: "text", text: "x" }, { type: "file", file: { file_id: "f" } }] }],
    });
    expect(result.ok && result.state.dropped).toEqual(["n", "seed", "messages.0.content.1"]);
  });

  it("treats default values of unsupported fields as unset", () => {
    const result = translate({ n: 1, logprobs: false, presence_penalty: 0, frequency_penalty: 0, logit_bias: {}, modalities: ["text"], seed: null }, { unsupported: "reject" });
    expect(result.ok).toBe(true);
  });

  it("rejects with a problem naming the field under the reject policy", () => {
    expect(translate({ n: 2 }, { unsupported: "reject" })).toEqual({
      ok: false,
      problem: { path: "/n", message: "n=2 cannot be expressed by the Anthropic messages API" },
    });
    const part = translate({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AA", format: "wav" } }] }] }, { unsupported: "reject" });
    expect(part.ok === false && part.problem.path).toBe("/messages/0/content/0");
  });

  it("clamps temperature to Anthropic's 0–1 and maps max_completion_tokens over max_tokens", () => {
    expect(upstream({ temperature: 2, max_tokens: 10, max_completion_tokens: 20 })).toMatchObject({ temperature: 1, max_tokens: 20 });
    expect(upstream({}).max_tokens).toBe(4096);
  });

  it("gives thinking room: max_tokens above the budget", () => {
    expect(upstream({ reasoning_effort: "high", max_completion_tokens: 1000 })).toMatchObject({ max_tokens: 16384 + 4096, thinking: { type: "enabled", budget_tokens: 16384 } });
    expect(upstream({ reasoning_effort: "low", max_completion_tokens: 8000 })).toMatchObject({ max_tokens: 8000, thinking: { budget_tokens: 1024 } });
    expect(upstream({ reasoning_effort: "none" }).thinking).toBeUndefined();
  });

  it("fills the state from the context", () => {
    const result = translate({ stream: true, stream_options: { include_usage: true } });
    expect(result.ok && result.state).toMatchObject({ clientModel: "gpt-4o", responseId: "chatcmpl-req_1", created: 1_700_000_000, includeUsage: true, toolNames: new Map() });
    // The strings of the messages ("user", "Hi"), four characters a token.
    expect(result.ok && result.state.estimatedInputTokens).toBe(Math.ceil("userHi".length / 4));
  });
});

describe("response", () => {
  it("concatenates text, keeps thinking blocks exactly, and encodes tool inputs", () => {
    const thinking = { type: "thinking", thinking: "hmm", signature: "S1==" };
    const body = {
      content: [thinking, { type: "text", text: "a" }, { type: "text", text: "b" }, { type: "tool_use", id: "t1", name: "f", input: { x: 1 } }, { type: "tool_use", id: "t2", name: "g" }],
      stop_reason: "tool_use",
      usage: { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 2 },
    } as unknown as AnthropicMessagesResponse;
    const out = openaiToAnthropic.response(body, state());
    expect(out.choices[0]?.message).toMatchObject({
      content: "ab",
      reasoning_content: "hmm",
      thinking_blocks: [thinking],
      tool_calls: [
        { id: "t1", type: "function", function: { name: "f", arguments: '{"x":1}' } },
        { id: "t2", type: "function", function: { name: "g", arguments: "{}" } },
      ],
    });
    expect(out.choices[0]?.finish_reason).toBe("tool_calls");
    expect(out.usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9, prompt_tokens_details: { cached_tokens: 2 } });
  });

  it("never throws on garbage", () => {
    for (const garbage of [null, 42, "x", [], {}, { content: "nope", usage: "many" }, { content: [null, 7, { type: "tool_use", input: [1] }, { type: "text", text: 5 }] }]) {
      const out = openaiToAnthropic.response(garbage as unknown as AnthropicMessagesResponse, state());
      expect(out.object).toBe("chat.completion");
      expect(out.usage?.total_tokens).toBe(0);
    }
  });
});

describe("stream", () => {
  it("counts tool calls from 0, not content blocks", () => {
    const chunks = streamChunks([
      START,
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Checking." } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "a", name: "f", input: {} } },
      { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "b", name: "g", input: {} } },
      { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"y":' } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"x":1}' } },
      { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "2}" } },
    ]);
    const calls = chunks.flatMap((c) => ((c as { choices?: { delta: { tool_calls?: unknown[] } }[] }).choices?.[0]?.delta.tool_calls ?? []));
    expect(calls).toEqual([
      { index: 0, id: "a", type: "function", function: { name: "f", arguments: "" } },
      { index: 1, id: "b", type: "function", function: { name: "g", arguments: "" } },
      { index: 1, function: { arguments: '{"y":' } },
      { index: 0, function: { arguments: '{"x":1}' } },
      { index: 1, function: { arguments: "2}" } },
    ]);
  });

  it("sends each thinking block whole, signature included, at its stop", () => {
    const chunks = streamChunks([
      START,
      { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "a" } },
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "b" } },
      { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "Sig+/==" } },
      { type: "content_block_stop", index: 0 },
    ]);
    const deltas = chunks.map((c) => (c as { choices: { delta: object }[] }).choices[0]?.delta);
    expect(deltas).toContainEqual({ reasoning_content: "a" });
    expect(deltas.at(-1)).toEqual({ thinking_blocks: [{ type: "thinking", thinking: "ab", signature: "Sig+/==" }] });
  });

  it("sets usage from message_delta instead of adding it", () => {
    const chunks = streamChunks([
      START,
      { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 7, input_tokens: 10, cache_read_input_tokens: 5 } },
      { type: "message_stop" },
    ]);
    expect(chunks.at(-2)).toMatchObject({ choices: [], usage: { prompt_tokens: 17, completion_tokens: 7, total_tokens: 24, prompt_tokens_details: { cached_tokens: 5 } } });
    expect(chunks.at(-1)).toBe("[DONE]");
  });

  it("owes the usage chunk and [DONE] only when a finish was seen", () => {
    const cut = streamChunks([START, { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }]);
    expect(cut).not.toContain("[DONE]");
    const finished = streamChunks([START, { type: "message_delta", delta: { stop_reason: "max_tokens" }, usage: { output_tokens: 3 } }]);
    expect(finished.at(-1)).toBe("[DONE]");
    expect(finished.at(-3)).toMatchObject({ choices: [{ finish_reason: "length", delta: {} }] });
  });

  it("never throws on garbage events", () => {
    const translator = openaiToAnthropic.stream(state());
    const garbage = ["", "not json", "null", "[]", "42", '{"type":7}', '{"type":"content_block_start"}', '{"type":"content_block_start","index":"x","content_block":{"type":"tool_use","input":5}}', '{"type":"content_block_delta","index":99,"delta":{"type":"input_json_delta","partial_json":{}}}', '{"type":"content_block_stop","index":null}', '{"type":"message_delta","usage":"x","delta":null}', '{"type":"error","error":"boom"}'];
    expect(() => {
      for (const data of garbage) translator.event(undefined, data);
      translator.end();
    }).not.toThrow();
  });
});
