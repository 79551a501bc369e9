import { describe, expect, it } from "vitest";
import { createStreamTap, summarizeBody, summarizeStream, type ResponseSummary } from "../../runtime/streams/stream-tap.ts";

const encoder = new TextEncoder();

function sse(events: Array<{ event?: string; data: unknown }>, eol = "\n"): string {
  return events
    .map(({ event, data }) => `${event ? `event: ${event}${eol}` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}${eol}${eol}`)
    .join("");
}

/** A summary's fields as the log reads them, without the kept bytes (`stream`, checked on its own). */
function fieldsOf(s: ResponseSummary): ResponseSummary {
  return { usage: s.usage, text: s.text, reasoning: s.reasoning, toolCalls: s.toolCalls, finishReason: s.finishReason, error: s.error };
}

function tapAll(api: "openai" | "anthropic" | "responses", chunks: Uint8Array[]): ResponseSummary {
  const tap = createStreamTap(api);
  for (const chunk of chunks) tap.push(chunk);
  return fieldsOf(tap.finish());
}

/** Feeds the transcript split in two at every byte, and one byte at a time; every run must agree. */
function expectSplitInvariant(api: "openai" | "anthropic" | "responses", bytes: Uint8Array, want: ResponseSummary): void {
  expect(tapAll(api, [bytes])).toEqual(want);
  for (let i = 1; i < bytes.length; i++) {
    const got = tapAll(api, [bytes.slice(0, i), bytes.slice(i)]);
    if (JSON.stringify(got) !== JSON.stringify(want)) expect({ splitAt: i, got }).toEqual({ splitAt: i, got: want });
  }
  expect(tapAll(api, Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(want);
}

/** True when some byte boundary of `bytes` falls inside a multi-byte UTF-8 sequence. */
function hasSplitInsideCodePoint(bytes: Uint8Array): boolean {
  return bytes.some((b) => (b & 0xc0) === 0x80);
}

const id = "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG";
const openaiChunk = (delta: object, extra: object = {}) => ({
  id, object: "chat.completion.chunk", created: 1741569952, model: "gpt-4o-2024-08-06",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: null }], ...extra,
});

const openaiTranscript = sse([
  { data: openaiChunk({ role: "assistant", content: "", refusal: null }) },
  { data: openaiChunk({ reasoning_content: "Think: " }) },
  { data: openaiChunk({ reasoning_content: "weather ☀️ first." }) },
  { data: openaiChunk({ content: "Héllo 🌍, " }) },
  { data: openaiChunk({ content: "世界!" }) },
  {
    data: openaiChunk({
      tool_calls: [{ index: 0, id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", type: "function", function: { name: "get_weather", arguments: "" } }],
    }),
  },
  { data: openaiChunk({ tool_calls: [{ index: 0, function: { arguments: '{"loc' } }] }) },
  {
    data: openaiChunk({
      tool_calls: [{ index: 1, id: "call_ABC", type: "function", function: { name: "get_time", arguments: '{"tz":' } }],
    }),
  },
  { data: openaiChunk({ tool_calls: [{ index: 0, function: { arguments: 'ation":"Zürich"}' } }] }) },
  { data: openaiChunk({ tool_calls: [{ index: 1, function: { arguments: '"CET"}' } }] }) },
  { data: { ...openaiChunk({}), choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "tool_calls" }] } },
  {
    data: {
      id, object: "chat.completion.chunk", created: 1741569952, model: "gpt-4o-2024-08-06", choices: [],
      usage: { prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306, prompt_tokens_details: { cached_tokens: 1920 } },
    },
  },
  { data: "[DONE]" },
]);

const openaiWant: ResponseSummary = {
  usage: {
    prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306,
    input_tokens: 86, output_tokens: 300, cache_read_input_tokens: 1920, cache_creation_input_tokens: 0,
  },
  text: "Héllo 🌍, 世界!",
  reasoning: "Think: weather ☀️ first.",
  toolCalls: [
    { id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", arguments: '{"location":"Zürich"}' },
    { id: "call_ABC", name: "get_time", arguments: '{"tz":"CET"}' },
  ],
  finishReason: "tool_calls",
  error: null,
};

const anthropicTranscript = sse([
  {
    event: "message_start",
    data: {
      type: "message_start",
      message: {
        id: "msg_01XFDUDYJgAACzvnptvVoYEL", type: "message", role: "assistant", content: [], model: "claude-sonnet-4-5",
        stop_reason: null, stop_sequence: null,
        usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 1000, output_tokens: 1 },
      },
    },
  },
  { event: "ping", data: { type: "ping" } },
  { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } } },
  { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Need the 天気 " } } },
  { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "tool." } } },
  { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "EqQBCgIYAh" } } },
  { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
  { event: "content_block_start", data: { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } } },
  { event: "content_block_delta", data: { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Ünïcödé " } } },
  { event: "content_block_delta", data: { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "🎉 checking…" } } },
  { event: "content_block_stop", data: { type: "content_block_stop", index: 1 } },
  {
    event: "content_block_start",
    data: { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather", input: {} } },
  },
  { event: "content_block_delta", data: { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "" } } },
  { event: "content_block_delta", data: { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"location": "San' } } },
  { event: "content_block_delta", data: { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: ' Francisco, CA"}' } } },
  { event: "content_block_stop", data: { type: "content_block_stop", index: 2 } },
  { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 89 } } },
  { event: "message_stop", data: { type: "message_stop" } },
]);

const anthropicWant: ResponseSummary = {
  usage: {
    prompt_tokens: 1025, completion_tokens: 89, total_tokens: 1114,
    input_tokens: 25, output_tokens: 89, cache_read_input_tokens: 1000, cache_creation_input_tokens: 0,
  },
  text: "Ünïcödé 🎉 checking…",
  reasoning: "Need the 天気 tool.",
  toolCalls: [{ id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather", arguments: '{"location": "San Francisco, CA"}' }],
  finishReason: "tool_use",
  error: null,
};

describe("createStreamTap (openai)", () => {
  it("gives the same summary however the transcript is split, including inside UTF-8 sequences", () => {
    const bytes = encoder.encode(openaiTranscript);
    expect(hasSplitInsideCodePoint(bytes)).toBe(true);
    expectSplitInvariant("openai", bytes, openaiWant);
  });

  it("reads CRLF line endings", () => {
    expect(tapAll("openai", [encoder.encode(sse([{ data: openaiChunk({ content: "ok" }) }], "\r\n"))]).text).toBe("ok");
  });

  it("reads a last event that lacks its blank line", () => {
    const bytes = encoder.encode(`data: ${JSON.stringify(openaiChunk({ content: "cut" }))}`);
    expect(tapAll("openai", [bytes]).text).toBe("cut");
  });

  it("sums only choice 0 and takes `reasoning` when `reasoning_content` is absent", () => {
    const transcript = sse([
      { data: { choices: [{ index: 1, delta: { content: "other" } }, { index: 0, delta: { content: "mine", reasoning: "why" } }] } },
      { data: { choices: [{ index: 1, delta: {}, finish_reason: "length" }] } },
    ]);
    const got = tapAll("openai", [encoder.encode(transcript)]);
    expect(got).toMatchObject({ text: "mine", reasoning: "why", finishReason: null });
  });

  it("records an error object sent mid-stream and ignores non-JSON data", () => {
    const transcript = sse([
      { data: openaiChunk({ content: "partial" }) },
      { data: "not json" },
      { data: { error: { message: "upstream overloaded", type: "server_error" } } },
    ]);
    const got = tapAll("openai", [encoder.encode(transcript)]);
    expect(got.text).toBe("partial");
    expect(got.error).toEqual({ message: "upstream overloaded", type: "server_error" });
    expect(got.usage).toBeNull();
  });

  it("pushes after finish are ignored and finish is stable", () => {
    const tap = createStreamTap("openai");
    tap.push(encoder.encode(sse([{ data: openaiChunk({ content: "a" }) }])));
    const first = tap.finish();
    tap.push(encoder.encode(sse([{ data: openaiChunk({ content: "b" }) }])));
    expect(tap.finish()).toBe(first);
    expect(first.text).toBe("a");
  });

  it("never throws on garbage", () => {
    const tap = createStreamTap("openai");
    expect(() => tap.push(Uint8Array.from([0xff, 0xfe, 0x00, 0x0a, 0x0a, 0xc3]))).not.toThrow();
    expect(fieldsOf(tap.finish())).toEqual({ usage: null, text: "", reasoning: "", toolCalls: [], finishReason: null, error: null });
  });
});

describe("createStreamTap (anthropic)", () => {
  it("gives the same summary however the transcript is split, including inside UTF-8 sequences", () => {
    const bytes = encoder.encode(anthropicTranscript);
    expect(hasSplitInsideCodePoint(bytes)).toBe(true);
    expectSplitInvariant("anthropic", bytes, anthropicWant);
  });

  it("treats message_delta usage as cumulative: present fields replace, they are not added", () => {
    const transcript = sse([
      { event: "message_start", data: { type: "message_start", message: { usage: { input_tokens: 10, cache_creation_input_tokens: 5, output_tokens: 1 } } } },
      { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: null }, usage: { output_tokens: 40 } } },
      { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { input_tokens: 12, output_tokens: 90 } } },
    ]);
    const got = tapAll("anthropic", [encoder.encode(transcript)]);
    expect(got.finishReason).toBe("end_turn");
    expect(got.usage).toEqual({
      prompt_tokens: 17, completion_tokens: 90, total_tokens: 107,
      input_tokens: 12, output_tokens: 90, cache_read_input_tokens: 0, cache_creation_input_tokens: 5,
    });
  });

  it("a tool_use block without input deltas keeps its starting input", () => {
    const transcript = sse([
      { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_1", name: "now", input: {} } } },
      { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
    ]);
    expect(tapAll("anthropic", [encoder.encode(transcript)]).toolCalls).toEqual([{ id: "toolu_1", name: "now", arguments: "{}" }]);
  });

  it("an error event becomes the summary's error", () => {
    const transcript = sse([
      { event: "message_start", data: { type: "message_start", message: { usage: { input_tokens: 3, output_tokens: 1 } } } },
      { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
    ]);
    const got = tapAll("anthropic", [encoder.encode(transcript)]);
    expect(got.error).toEqual({ type: "overloaded_error", message: "Overloaded" });
    expect(got.usage?.input_tokens).toBe(3);
  });
});

// A Responses API stream as OpenAI sends it: reasoning summary, text (with a multi-byte character), a function
// call whose arguments come as deltas and whole in output_item.done, usage in response.completed.
const responsesEvents = [
  { type: "response.created", response: { id: "resp_1", status: "in_progress", output: [], usage: null } },
  { type: "response.output_item.added", output_index: 0, item: { type: "reasoning", id: "rs_1", summary: [] } },
  { type: "response.reasoning_summary_text.delta", item_id: "rs_1", output_index: 0, summary_index: 0, delta: "Think." },
  { type: "response.output_item.added", output_index: 1, item: { type: "message", id: "msg_1", role: "assistant", content: [] } },
  { type: "response.output_text.delta", item_id: "msg_1", output_index: 1, content_index: 0, delta: "Größe " },
  { type: "response.output_text.delta", item_id: "msg_1", output_index: 1, content_index: 0, delta: "ok" },
  { type: "response.output_item.added", output_index: 2, item: { type: "function_call", id: "fc_1", call_id: "call_1", name: "get_weather", arguments: "" } },
  { type: "response.function_call_arguments.delta", item_id: "fc_1", output_index: 2, delta: '{"city":' },
  { type: "response.function_call_arguments.delta", item_id: "fc_1", output_index: 2, delta: '"Paris"}' },
  { type: "response.output_item.done", output_index: 2, item: { type: "function_call", id: "fc_1", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' } },
  { type: "response.completed", response: { id: "resp_1", status: "completed", output: [], usage: { input_tokens: 20, input_tokens_details: { cached_tokens: 5 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 3 }, total_tokens: 29 } } },
];
const responsesWant: ResponseSummary = {
  usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29, input_tokens: 15, output_tokens: 9, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 },
  text: "Größe ok",
  reasoning: "Think.",
  toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }],
  finishReason: "completed",
  error: null,
};

describe("createStreamTap (responses)", () => {
  it("gives the same summary however the transcript is split: text, reasoning, calls by item id, usage from response.completed", () => {
    const bytes = encoder.encode(sse(responsesEvents.map((data) => ({ event: data.type, data }))));
    expectSplitInvariant("responses", bytes, responsesWant);
  });

  it("an incomplete response's reason, and an error event", () => {
    const incomplete = sse([{ event: "response.incomplete", data: { type: "response.incomplete", response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } } } }]);
    expect(tapAll("responses", [encoder.encode(incomplete)])).toMatchObject({ finishReason: "max_output_tokens", usage: { prompt_tokens: 1, completion_tokens: 2 } });
    const error = sse([{ event: "error", data: { type: "error", code: "server_error", message: "boom", param: null, sequence_number: 3 } }]);
    expect(tapAll("responses", [encoder.encode(error)]).error).toMatchObject({ message: "boom" });
  });

  it("summarises a whole response body", () => {
    const body = { id: "resp_1", object: "response", status: "completed", output: [{ type: "reasoning", summary: [{ type: "summary_text", text: "R" }] }, { type: "message", content: [{ type: "output_text", text: "Hi" }] }, { type: "function_call", call_id: "c1", name: "f", arguments: "{}" }], usage: { input_tokens: 4, output_tokens: 2, total_tokens: 6 } };
    expect(summarizeBody("responses", encoder.encode(JSON.stringify(body)))).toEqual({
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6, input_tokens: 4, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      text: "Hi",
      reasoning: "R",
      toolCalls: [{ id: "c1", name: "f", arguments: "{}" }],
      finishReason: "completed",
      error: null,
    });
  });
});

describe("summarizeBody", () => {
  it("summarises an OpenAI chat completion", () => {
    const body = {
      id: "chatcmpl-1", object: "chat.completion",
      choices: [{
        index: 0, finish_reason: "tool_calls",
        message: {
          role: "assistant", content: "Sure — 🌍", reasoning_content: "hmm",
          tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
        },
      }],
      usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
    };
    expect(summarizeBody("openai", encoder.encode(JSON.stringify(body, null, 2)))).toEqual({
      usage: {
        prompt_tokens: 9, completion_tokens: 4, total_tokens: 13,
        input_tokens: 9, output_tokens: 4, cache_read_input_tokens: 0, cache_creation_input_tokens: 0,
      },
      text: "Sure — 🌍",
      reasoning: "hmm",
      toolCalls: [{ id: "call_1", name: "f", arguments: '{"a":1}' }],
      finishReason: "tool_calls",
      error: null,
    });
  });

  it("summarises an Anthropic message", () => {
    const body = {
      id: "msg_1", type: "message", role: "assistant", stop_reason: "tool_use",
      content: [
        { type: "thinking", thinking: "plan", signature: "x" },
        { type: "text", text: "Looking up" },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { location: "Paris" } },
      ],
      usage: { input_tokens: 5, output_tokens: 7, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 },
    };
    const got = summarizeBody("anthropic", encoder.encode(JSON.stringify(body)));
    expect(got).toEqual({
      usage: {
        prompt_tokens: 125, completion_tokens: 7, total_tokens: 132,
        input_tokens: 5, output_tokens: 7, cache_read_input_tokens: 100, cache_creation_input_tokens: 20,
      },
      text: "Looking up",
      reasoning: "plan",
      toolCalls: [{ id: "toolu_1", name: "get_weather", arguments: '{"location":"Paris"}' }],
      finishReason: "tool_use",
      error: null,
    });
  });

  it("reports an error body's error", () => {
    const openai = summarizeBody("openai", encoder.encode('{"error":{"message":"Incorrect API key","type":"invalid_request_error"}}'));
    expect(openai.error).toEqual({ message: "Incorrect API key", type: "invalid_request_error" });
    const anthropic = summarizeBody("anthropic", encoder.encode('{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}'));
    expect(anthropic.error).toEqual({ type: "rate_limit_error", message: "slow down" });
    expect(anthropic.usage).toBeNull();
  });

  it("tolerates a body that is not JSON", () => {
    expect(summarizeBody("openai", encoder.encode("<html>502 Bad Gateway</html>"))).toEqual({
      usage: null, text: "", reasoning: "", toolCalls: [], finishReason: null, error: null,
    });
  });
});

// The tap's scanner parses only the events that can carry usage, finish reason or error, and keeps the bytes
// for the rest; these check it against a parse of every event, at every split, with and without kept bodies.
describe("createStreamTap scanner", () => {
  const responsesTranscript = sse(responsesEvents.map((data) => ({ event: data.type, data })));
  // OpenAI with include_usage repeats "usage":null in every chunk; the marker must not count then.
  const openaiNullUsage = sse([
    { data: { ...openaiChunk({ content: "a€" }), usage: null } },
    { data: { ...openaiChunk({ content: "b" }), usage: null } },
    { data: { ...openaiChunk({}), choices: [{ index: 0, delta: {}, finish_reason : "length" }], usage: null } },
    { data: '{"id":"x","choices":[],"usage" : {"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}}' },
    { data: "[DONE]" },
  ]);
  const cases: Array<["openai" | "anthropic" | "responses", string]> = [
    ["openai", openaiTranscript],
    ["openai", openaiNullUsage],
    ["anthropic", anthropicTranscript],
    ["responses", responsesTranscript],
    ["anthropic", sse([{ event: "message_start", data: { type: "message_start", message: { usage: { input_tokens: 3, output_tokens: 1 } } } }, { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Überlastet" } } }], "\r\n")],
  ];

  function run(api: "openai" | "anthropic" | "responses", chunks: Uint8Array[], assemble: boolean, translated: boolean): ResponseSummary {
    const seen: string[] = [];
    const tap = createStreamTap(api, assemble, translated ? (_event, data) => void seen.push(data) : null);
    for (const chunk of chunks) tap.push(chunk);
    const s = tap.finish();
    const plain = { usage: s.usage, text: s.text, reasoning: s.reasoning, toolCalls: s.toolCalls, finishReason: s.finishReason, error: s.error };
    return translated ? { ...plain, text: `${plain.text}|${seen.length}` } : plain;
  }

  // Without kept bodies only usage is promised: the finish reason and error are read with the stream's body.
  const usageOnly = (s: ResponseSummary) => ({ usage: s.usage, text: s.text, reasoning: s.reasoning, toolCalls: s.toolCalls });

  it("finds usage, finish reason and error at every split, one byte at a time, with bodies kept; usage without", () => {
    for (const [api, transcript] of cases) {
      for (const eol of ["\n", "\r\n"]) {
        const bytes = encoder.encode(eol === "\n" ? transcript : transcript.replace(/\r?\n/g, "\r\n"));
        const full = summarizeStream(api, bytes);
        expect(full.usage).not.toBeNull();
        const events = bytes.length > 0 ? run(api, [bytes], true, true).text.split("|")[1] : "0";
        for (const assemble of [true, false]) {
          for (const translated of [false, true]) {
            const want = assemble
              ? { ...full, ...(translated ? { text: `${full.text}|${events}` } : {}) }
              : { usage: full.usage, text: translated ? `|${events}` : "", reasoning: "", toolCalls: [], finishReason: full.finishReason, error: full.error };
            const label = `${api} eol=${JSON.stringify(eol)} assemble=${assemble} translated=${translated}`;
            const promised = assemble ? (s: ResponseSummary) => s : usageOnly;
            const wanted = JSON.stringify(promised(want));
            for (let i = 0; i <= bytes.length; i++) {
              const got = promised(run(api, [bytes.subarray(0, i), bytes.subarray(i)], assemble, translated));
              if (JSON.stringify(got) !== wanted) expect({ label, splitAt: i, got }).toEqual({ label, splitAt: i, got: promised(want) });
            }
            expect({ label, got: promised(run(api, Array.from(bytes, (b) => Uint8Array.of(b)), assemble, translated)) }).toEqual({ label, got: promised(want) });
          }
        }
      }
    }
  });

  it("the OpenAI stream with null usage in every chunk keeps its last real values", () => {
    for (const assemble of [false, true]) {
      const s = createStreamTap("openai", assemble);
      s.push(encoder.encode(openaiNullUsage));
      const got = s.finish();
      // Without bodies nothing but the usage event is parsed: the finish reason is in an earlier one.
      expect(got.finishReason).toBe(assemble ? "length" : null);
      expect(got.usage?.prompt_tokens).toBe(4);
      expect(got.text).toBe(assemble ? "a€b" : "");
    }
  });

  it("reads only the events whose markers carry a value, and assembles the body only when it is read", () => {
    const tap = createStreamTap("openai", true);
    tap.push(encoder.encode(openaiNullUsage));
    const got = tap.finish();
    expect(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(got), "text")?.get).toBeTypeOf("function");
    expect(got.stream).toBeDefined();
    expect(got.text).toBe("a€b");
    expect(got.text).toBe("a€b");
    // Assembled here (a reader on this thread, such as a recording): the log is given the text, not the bytes again.
    expect(got.stream).toBeUndefined();
  });

  it("hands the kept bytes over once, in a buffer of their own, for the log to assemble", () => {
    const bytes = encoder.encode(openaiTranscript);
    const whole = summarizeStream("openai", bytes);
    const tap = createStreamTap("openai", true);
    // Chunks that are views into one shared buffer, as undici's and Node's pooled Buffers are.
    const shared = Buffer.concat([Buffer.from("junk"), Buffer.from(bytes), Buffer.from("more junk")]);
    tap.push(shared.subarray(4, 4 + 100));
    tap.push(shared.subarray(4 + 100, 4 + bytes.length));
    const got = tap.finish();
    const stream = got.stream!;
    expect(stream.api).toBe("openai");
    expect(Buffer.from(stream.bytes).equals(Buffer.from(bytes))).toBe(true);
    // Nothing else shares its buffer: moving it to the log's thread detaches no one else's bytes.
    expect(stream.bytes.byteOffset).toBe(0);
    expect(stream.bytes.buffer.byteLength).toBe(bytes.length);
    expect(stream.bytes.buffer).not.toBe(shared.buffer);
    expect(fieldsOf(summarizeStream(stream.api, stream.bytes))).toEqual(fieldsOf(whole));
    const moved = structuredClone(stream.bytes, { transfer: [stream.bytes.buffer as ArrayBuffer] });
    expect(shared.subarray(4, 4 + bytes.length).equals(Buffer.from(bytes))).toBe(true);
    expect(fieldsOf(summarizeStream("openai", moved))).toEqual(fieldsOf(whole));
    // What the event loop still reads came from the scan alone.
    expect(got.usage).toEqual(whole.usage);
    expect(got.finishReason).toBe("tool_calls");
  });

  it("keeps no bytes without bodies, and none past the bound; a translated tap keeps the upstream's", () => {
    const bytes = encoder.encode(anthropicTranscript);
    const off = createStreamTap("anthropic", false);
    off.push(bytes);
    expect(off.finish().stream).toBeUndefined();
    const big = createStreamTap("openai", true);
    const filler = encoder.encode(`: ${"x".repeat(1 << 20)}\n\n`);
    for (let i = 0; i < 17; i++) big.push(filler);
    big.push(encoder.encode(openaiTranscript));
    const bigSummary = big.finish();
    expect(bigSummary.stream).toBeUndefined();
    expect(bigSummary.usage?.total_tokens).toBeGreaterThan(0);
    expect(bigSummary.text).toBe("");
    const translated = createStreamTap("anthropic", true, () => {});
    translated.push(bytes);
    const stream = translated.finish().stream!;
    expect(stream.api).toBe("anthropic");
    expect(Buffer.from(stream.bytes).equals(Buffer.from(bytes))).toBe(true);
  });

  it("an event marker split across chunks is still found", () => {
    const bytes = encoder.encode(anthropicTranscript);
    const at = Buffer.from(bytes).indexOf('"stop_reason"') + 5;
    const tap = createStreamTap("anthropic", false);
    tap.push(bytes.subarray(0, at));
    tap.push(bytes.subarray(at));
    expect(tap.finish().finishReason).toBe("tool_use");
  });
});

describe("createStreamTap output characters (the cost's estimate when no usage comes)", () => {
  /** The transcript without the events that carry usage, as an upstream that reports none would send it. */
  const withoutUsage = (transcript: string) =>
    transcript
      .split("\n\n")
      .filter((event) => !event.includes('"usage"') || event.includes('"usage":null'))
      .join("\n\n");
  // Escapes count as the characters they stand for: \" \\ \n and a \u surrogate pair (two UTF-16 units).
  const escaped = sse([
    { data: openaiChunk({ content: 'say "hi"\\\n\u0007' }) },
    { data: `{"choices":[{"index":0,"delta":{"content":"\\ud83d\\ude00 \\u00e9"}}]}` },
    // A server that sends both reasoning keys, with the same text, in one chunk: the summary keeps one.
    { data: openaiChunk({ reasoning_content: "dup", reasoning: "dup" }) },
    { data: openaiChunk({ content: null }) },
    { data: "[DONE]" },
  ]);
  const anthropicNoUsage = withoutUsage(anthropicTranscript.replace(/"usage":\{[^}]*\},?/g, ""));
  const cases: Array<[string, "openai" | "anthropic" | "responses", string]> = [
    ["openai", "openai", withoutUsage(openaiTranscript)],
    ["openai escapes", "openai", escaped],
    ["anthropic", "anthropic", anthropicNoUsage],
    ["responses", "responses", withoutUsage(sse(responsesEvents.map((data) => ({ event: data.type, data }))))],
  ];

  /** What the assembled summary's length is: text, reasoning, tool names and arguments (Responses: no names, see output-chars.ts). */
  function assembledChars(api: "openai" | "anthropic" | "responses", bytes: Uint8Array): number {
    const s = summarizeStream(api, bytes);
    let chars = s.text.length + s.reasoning.length;
    for (const call of s.toolCalls) chars += (api === "responses" ? 0 : call.name.length) + call.arguments.length;
    return chars;
  }

  it("counts what the assembled text's length would be, at every split, with bodies kept or not, relayed or translated", () => {
    for (const [label, api, transcript] of cases) {
      const bytes = encoder.encode(transcript);
      const want = assembledChars(api, bytes);
      expect(summarizeStream(api, bytes).usage).toBeNull();
      expect(want).toBeGreaterThan(8);
      for (const assemble of [true, false]) {
        for (const translated of [false, true]) {
          const count = (chunks: Uint8Array[]) => {
            const tap = createStreamTap(api, assemble, translated ? () => {} : null);
            for (const chunk of chunks) tap.push(chunk);
            const got = tap.finish();
            // Counted during the stream: the kept bytes are still there for the log's thread, not assembled here.
            if (assemble) expect(got.stream).toBeDefined();
            return got.outputChars;
          };
          const where = `${label} assemble=${assemble} translated=${translated}`;
          for (let i = 0; i <= bytes.length; i++) {
            const got = count([bytes.subarray(0, i), bytes.subarray(i)]);
            if (got !== want) expect({ where, splitAt: i, got }).toEqual({ where, splitAt: i, got: want });
          }
          expect({ where, got: count(Array.from(bytes, (b) => Uint8Array.of(b))) }).toEqual({ where, got: want });
        }
      }
    }
  });

  it("matches the escapes' characters exactly", () => {
    const tap = createStreamTap("openai", false);
    tap.push(encoder.encode(escaped));
    // 'say "hi"\\\n\u0007' is 11 characters, "😀 é" 4 (the emoji is two UTF-16 units), "dup" once: 3.
    expect(tap.finish().outputChars).toBe(11 + 4 + 3);
    expect(assembledChars("openai", encoder.encode(escaped))).toBe(18);
  });

  it("stops counting once an event has carried usage (the estimate is not needed then)", () => {
    const tap = createStreamTap("anthropic", false);
    tap.push(encoder.encode(anthropicTranscript));
    const got = tap.finish();
    expect(got.usage).not.toBeNull();
    expect(got.outputChars).toBe(0);
  });
});
