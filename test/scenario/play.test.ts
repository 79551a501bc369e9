// playScenario: response selection, frame bytes per API × stream mode, timing and speed, token estimates.
import { describe, expect, it } from "vitest";
import { compileScenario } from "../../generator/scenario.ts";
import { playScenario } from "../../runtime/scenario/play.ts";
import type { ScenarioReply } from "../../runtime/scenario/play.ts";
import type { CompiledScenario } from "../../runtime/scenario/types.ts";

const SCRIPT = `
name: play
timeline:
  - llmResponse:
      - think: [[100, "hmm "], [50, "ok"]]
      - assistant: [[200, "Hello"], [300, " world"]]
  - llmResponse:
      - assistant: [[40, "Checking."]]
      - agentToolUse: { toolName: get_weather, args: { city: Paris } }
      - runCmd: { cmd: ls }
  - llmResponse:
      - think: [[60, "done"]]
`;
const scenario: CompiledScenario = compileScenario("play.yaml", SCRIPT).scenario!;

type Api = "openai" | "anthropic";
const history = (assistantTurns: number) => [
  { role: "user", content: "hi" },
  ...Array.from({ length: assistantTurns }, () => [{ role: "assistant", content: "x" }, { role: "user", content: "more" }]).flat(),
];
const play = (api: Api, stream: boolean, turns = 0, speed = 1, extra: Record<string, unknown> = {}) =>
  playScenario(scenario, { api, stream, model: "model-x", body: { messages: history(turns), ...extra } }, { speed });

const totalDelay = (reply: ScenarioReply) => reply.frames.reduce((sum, f) => sum + f.delayMs, 0);
const openaiChunks = (reply: ScenarioReply) =>
  reply.frames.filter((f) => f.data !== "data: [DONE]\n\n").map((f) => JSON.parse(f.data.replace(/^data: /, "")));
const anthropicEvents = (reply: ScenarioReply) =>
  reply.frames.map((f) => {
    const match = /^event: (\w+)\ndata: (.*)\n\n$/s.exec(f.data)!;
    const data = JSON.parse(match[2]!);
    expect(data.type).toBe(match[1]);
    return data;
  });

describe("response selection", () => {
  it("answers with response N for a history of N assistant turns, clamped to the last", () => {
    expect(play("anthropic", false, 0).summary.text).toBe("Hello world");
    expect(play("anthropic", false, 1).summary.text).toBe("Checking.");
    const last = JSON.parse(play("anthropic", false, 2).frames[0]!.data);
    expect(last.content).toEqual([{ type: "thinking", thinking: "done", signature: "sig_scn_2_0" }]);
    // Past the end the last response repeats, with ids that stay unique in the conversation.
    const beyond = JSON.parse(play("anthropic", false, 7).frames[0]!.data);
    expect(beyond.content[0].thinking).toBe("done");
    expect(beyond.id).toBe("msg_scn_7");
  });

  it("counts only assistant messages, whatever else the history holds", () => {
    const body = {
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "q" },
        { role: "assistant", content: null, tool_calls: [] },
        { role: "tool", tool_call_id: "c", content: "r" },
      ],
    };
    expect(playScenario(scenario, { api: "openai", stream: false, model: "m", body }, { speed: 0 }).summary.text).toBe("Checking.");
    expect(playScenario(scenario, { api: "openai", stream: false, model: "m", body: {} }, { speed: 0 }).summary.text).toBe("Hello world");
  });

  it("is deterministic: the same request gives byte-identical frames", () => {
    for (const api of ["openai", "anthropic"] as const) {
      for (const stream of [true, false]) expect(play(api, stream, 1)).toEqual(play(api, stream, 1));
    }
  });
});

describe("OpenAI chat completions", () => {
  it("streams chunks: role, content deltas, finish, [DONE]; thinking hidden but its time carried", () => {
    const reply = play("openai", true);
    expect(reply.contentType).toBe("text/event-stream");
    expect(reply.frames.every((f) => /^data: .*\n\n$/s.test(f.data))).toBe(true);
    expect(reply.frames.at(-1)!.data).toBe("data: [DONE]\n\n");
    const chunks = openaiChunks(reply);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === "chatcmpl-scn-0" && c.model === "model-x")).toBe(true);
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([{ role: "assistant", content: "" }, { content: "Hello" }, { content: " world" }, {}]);
    expect(chunks.map((c) => c.choices[0].finish_reason)).toEqual([null, null, null, "stop"]);
    // 150 ms of thinking pass before the first text, which itself takes 200 ms.
    expect(reply.frames.map((f) => f.delayMs)).toEqual([0, 350, 300, 0, 0]);
    expect(reply.frames.some((f) => f.data.includes("hmm"))).toBe(false);
    expect(chunks.some((c) => "usage" in c)).toBe(false);
  });

  it("streams tool calls by index and adds a usage chunk when include_usage is set", () => {
    const reply = play("openai", true, 1, 1, { stream_options: { include_usage: true } });
    const chunks = openaiChunks(reply);
    const toolDeltas = chunks.flatMap((c) => c.choices.flatMap((ch: any) => ch.delta.tool_calls ?? []));
    expect(toolDeltas).toEqual([
      { index: 0, id: "call_scn_1_0", type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 0, function: { arguments: '{"city":"Paris"}' } },
      { index: 1, id: "call_scn_1_1", type: "function", function: { name: "runCmd", arguments: "" } },
      { index: 1, function: { arguments: '{"cmd":"ls"}' } },
    ]);
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: "tool_calls" });
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({ prompt_tokens: reply.summary.usage.input_tokens, completion_tokens: reply.summary.usage.output_tokens, total_tokens: reply.summary.usage.input_tokens + reply.summary.usage.output_tokens });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(reply.summary).toMatchObject({
      text: "Checking.",
      finishReason: "tool_calls",
      toolCalls: [
        { id: "call_scn_1_0", name: "get_weather", arguments: '{"city":"Paris"}' },
        { id: "call_scn_1_1", name: "runCmd", arguments: '{"cmd":"ls"}' },
      ],
    });
  });

  it("answers non-stream requests with one chat.completion body after the total time", () => {
    const reply = play("openai", false);
    expect(reply.contentType).toBe("application/json");
    expect(reply.frames).toHaveLength(1);
    expect(reply.frames[0]!.delayMs).toBe(650);
    const body = JSON.parse(reply.frames[0]!.data);
    expect(body).toMatchObject({ id: "chatcmpl-scn-0", object: "chat.completion", model: "model-x" });
    expect(body.choices).toEqual([{ index: 0, message: { role: "assistant", content: "Hello world", refusal: null }, logprobs: null, finish_reason: "stop" }]);
    expect(body.usage.completion_tokens).toBe(Math.ceil("Hello world".length / 4));

    const tools = JSON.parse(play("openai", false, 1).frames[0]!.data);
    expect(tools.choices[0].finish_reason).toBe("tool_calls");
    expect(tools.choices[0].message.tool_calls[0]).toEqual({ id: "call_scn_1_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } });
  });

  it("sends empty content for a response that is only (hidden) thinking, after its time", () => {
    const stream = play("openai", true, 2);
    expect(openaiChunks(stream).map((c) => c.choices[0].delta)).toEqual([{ role: "assistant", content: "" }, {}]);
    expect(stream.frames.map((f) => f.delayMs)).toEqual([0, 60, 0]);
    expect(JSON.parse(play("openai", false, 2).frames[0]!.data).choices[0].message.content).toBe("");
  });
});

describe("Anthropic messages", () => {
  it("streams message_start, one block per part, message_delta and message_stop", () => {
    const reply = play("anthropic", true);
    expect(reply.contentType).toBe("text/event-stream");
    const events = anthropicEvents(reply);
    expect(events.map((e) => e.type + (e.delta?.type ? `:${e.delta.type}` : ""))).toEqual([
      "message_start",
      "content_block_start", "content_block_delta:thinking_delta", "content_block_delta:thinking_delta", "content_block_delta:signature_delta", "content_block_stop",
      "content_block_start", "content_block_delta:text_delta", "content_block_delta:text_delta", "content_block_stop",
      "message_delta", "message_stop",
    ]);
    expect(events[0].message).toMatchObject({ id: "msg_scn_0", model: "model-x", role: "assistant", content: [], stop_reason: null });
    expect(events[0].message.usage.input_tokens).toBe(reply.summary.usage.input_tokens);
    expect(events[1]).toEqual({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } });
    expect(events[7]).toEqual({ type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Hello" } });
    expect(events[10]).toEqual({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { input_tokens: reply.summary.usage.input_tokens, output_tokens: Math.ceil("hmm okHello world".length / 4) } });
    expect(reply.frames.map((f) => f.delayMs)).toEqual([0, 0, 100, 50, 0, 0, 0, 200, 300, 0, 0, 0]);
  });

  it("streams tool_use blocks with input_json_delta and stop_reason tool_use", () => {
    const reply = play("anthropic", true, 1);
    const events = anthropicEvents(reply);
    const starts = events.filter((e) => e.type === "content_block_start").map((e) => e.content_block);
    expect(starts).toEqual([
      { type: "text", text: "" },
      { type: "tool_use", id: "toolu_scn_1_0", name: "get_weather", input: {} },
      { type: "tool_use", id: "toolu_scn_1_1", name: "runCmd", input: {} },
    ]);
    const json = events.filter((e) => e.delta?.type === "input_json_delta").map((e) => [e.index, e.delta.partial_json]);
    expect(json).toEqual([[1, '{"city":"Paris"}'], [2, '{"cmd":"ls"}']]);
    expect(events.find((e) => e.type === "message_delta").delta.stop_reason).toBe("tool_use");
    expect(reply.summary.finishReason).toBe("tool_use");
  });

  it("answers non-stream requests with one message body after the total time", () => {
    const reply = play("anthropic", false, 1);
    expect(reply.frames).toHaveLength(1);
    expect(reply.frames[0]!.delayMs).toBe(40);
    expect(JSON.parse(reply.frames[0]!.data)).toEqual({
      id: "msg_scn_1",
      type: "message",
      role: "assistant",
      model: "model-x",
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "toolu_scn_1_0", name: "get_weather", input: { city: "Paris" } },
        { type: "tool_use", id: "toolu_scn_1_1", name: "runCmd", input: { cmd: "ls" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: reply.summary.usage.input_tokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: Math.ceil(('Checking.{"city":"Paris"}{"cmd":"ls"}').length / 4),
      },
    });
  });
});

describe("timing and usage", () => {
  it("divides every delay by the speed; speed 0 is instant", () => {
    for (const api of ["openai", "anthropic"] as const) {
      expect(totalDelay(play(api, true, 0, 1))).toBe(650);
      expect(totalDelay(play(api, true, 0, 10))).toBeCloseTo(65);
      expect(play(api, true, 0, 0).frames.every((f) => f.delayMs === 0)).toBe(true);
      expect(play(api, false, 0, 2).frames[0]!.delayMs).toBe(325);
      expect(play(api, false, 0, 0).frames[0]!.delayMs).toBe(0);
    }
  });

  it("estimates input tokens from the request's messages, system prompt and tools", () => {
    const body = { system: "x".repeat(40), messages: [{ role: "user", content: [{ type: "text", text: "y".repeat(20) }] }], tools: [{ name: "t", description: "z".repeat(15) }] };
    const reply = playScenario(scenario, { api: "anthropic", stream: false, model: "m", body }, { speed: 0 });
    // 40 + "user" 4 + "text" 4 + 20 + "t" 1 + 15 = 84 characters.
    expect(reply.summary.usage.input_tokens).toBe(21);
    const bigger = playScenario(scenario, { api: "anthropic", stream: false, model: "m", body: { ...body, system: "x".repeat(400) } }, { speed: 0 });
    expect(bigger.summary.usage.input_tokens).toBe(111);
  });
});
