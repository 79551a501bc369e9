// OpenAI client → Ollama's native chat API: the golden fixtures, focused checks of the rules that break
// quietly (explicit stream: false, tool_name lookup, tool call ids and indices, the unsupported policy,
// untrusted upstream data), embeddings, a round trip through the mock Ollama server, and an Anthropic
// client reaching Ollama through composeTranslators.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnthropicMessagesRequest, OllamaChatResponse, OpenAIChatRequest } from "../../generated/types/index.ts";
import { anthropicToOpenAI } from "../../runtime/translate/anthropic-to-openai/index.ts";
import { composeTranslators } from "../../runtime/translate/compose.ts";
import { ollamaEmbeddings } from "../../runtime/translate/openai-to-ollama/embeddings.ts";
import type { OllamaEmbedResponse } from "../../runtime/translate/openai-to-ollama/embeddings.ts";
import type { EmbeddingsState } from "../../runtime/translate/embeddings.ts";
import { openaiToOllama } from "../../runtime/translate/openai-to-ollama/index.ts";
import type { TranslationContext, TranslationOptions, TranslationState } from "../../runtime/translate/translator.ts";
import { startMockOllama } from "../support/mock-ollama.ts";
import type { MockOllama } from "../support/mock-ollama.ts";
import { translateLines } from "./fixtures.ts";
import { describeGoldenFixtures } from "./golden.ts";
import { testContext, testState, dataPayloads } from "./helpers.ts";

const ROOT = path.join(import.meta.dirname, "../..");
const FIXTURES = path.join(import.meta.dirname, "fixtures/openai-to-ollama");

describeGoldenFixtures("openai-to-ollama", openaiToOllama);

const rules = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe("the Ollama schemas", () => {
  const read = (file: string): object => JSON.parse(readFileSync(file, "utf8")) as object;
  const requestSchema = read(path.join(ROOT, "schema/providers/ollama.chat.request.json"));
  const responseSchema = read(path.join(ROOT, "schema/providers/ollama.chat.response.json"));

  it("compile under ajv's strict mode without warnings", () => {
    const warnings: string[] = [];
    const logger = { log() {}, warn: (...args: unknown[]) => warnings.push(args.join(" ")), error: (...args: unknown[]) => warnings.push(args.join(" ")) };
    for (const schema of [requestSchema, responseSchema]) new Ajv({ strict: true, logger }).compile(schema);
    expect(warnings).toEqual([]);
  });

  const ajv = new Ajv({ strict: false, allErrors: true });
  const validRequest = ajv.compile(requestSchema);
  const validResponse = ajv.compile(responseSchema);

  it.each(rules)("accept %s's upstream request and upstream answers", (rule) => {
    const file = (name: string) => path.join(FIXTURES, rule, name);
    if (existsSync(file("upstream-request.json"))) expect(validRequest(read(file("upstream-request.json"))), JSON.stringify(validRequest.errors)).toBe(true);
    if (existsSync(file("upstream-response.json"))) expect(validResponse(read(file("upstream-response.json"))), JSON.stringify(validResponse.errors)).toBe(true);
    if (existsSync(file("upstream-stream.ndjson"))) {
      const lines = readFileSync(file("upstream-stream.ndjson"), "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      // {"error": …} lines are the stream's failure report, not a response object.
      for (const line of lines.filter((l) => !("error" in l))) expect(validResponse(line), JSON.stringify(validResponse.errors)).toBe(true);
    }
  });
});


function context(options: Partial<TranslationOptions> = {}): TranslationContext {
  return testContext("gpt-4o", "llama3.2", options);
}

function translate(body: Partial<OpenAIChatRequest>, options: Partial<TranslationOptions> = {}) {
  return openaiToOllama.request({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...body }, context(options));
}

function upstream(body: Partial<OpenAIChatRequest>, options: Partial<TranslationOptions> = {}) {
  const result = translate(body, options);
  if (!result.ok) throw new Error(`rejected: ${result.problem.message}`);
  return result.body;
}

function state(overrides: Partial<TranslationState> = {}): TranslationState {
  return testState(overrides);
}


function streamFrames(lines: readonly object[], overrides: Partial<TranslationState> = {}): unknown[] {
  return dataPayloads(translateLines(openaiToOllama.stream(state(overrides)), lines.map((l) => JSON.stringify(l)).join("\n")));
}

const line = (message: object, extra: object = {}) => ({ model: "llama3.2", created_at: "2025-06-02T09:14:07Z", message: { role: "assistant", content: "", ...message }, done: false, ...extra });
const doneLine = (extra: object = {}) => line({}, { done: true, done_reason: "stop", prompt_eval_count: 10, eval_count: 5, ...extra });

describe("request", () => {
  it("always says whether to stream: Ollama streams unless told stream: false", () => {
    expect(upstream({}).stream).toBe(false);
    expect(upstream({ stream: null }).stream).toBe(false);
    expect(upstream({ stream: false }).stream).toBe(false);
    expect(upstream({ stream: true }).stream).toBe(true);
  });

  it("names the tool a result answers from the call with that id, wherever it was", () => {
    const body = upstream({
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: null, tool_calls: [{ id: "a", type: "function", function: { name: "first", arguments: "{\"x\":1}" } }] },
        { role: "assistant", content: "", tool_calls: [{ id: "b", type: "function", function: { name: "second", arguments: "not json" } }] },
        { role: "tool", tool_call_id: "b", content: "2" },
        { role: "tool", tool_call_id: "a", content: "1" },
        { role: "tool", tool_call_id: "nowhere", content: "?" },
      ],
    });
    expect(body.messages.slice(1)).toEqual([
      { role: "assistant", content: "", tool_calls: [{ function: { name: "first", arguments: { x: 1 } } }] },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "second", arguments: {} } }] },
      { role: "tool", content: "2", tool_name: "second" },
      { role: "tool", content: "1", tool_name: "first" },
      { role: "tool", content: "?" },
    ]);
  });

  it("sends no tools for tool_choice none, and notes choices Ollama cannot force", () => {
    const tools: OpenAIChatRequest["tools"] = [{ type: "function", function: { name: "f" } }];
    expect(upstream({ tools, tool_choice: "none" }).tools).toBeUndefined();
    expect(upstream({ tools, tool_choice: "auto" }).tools).toEqual([{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }]);
    const named = translate({ tools, tool_choice: { type: "function", function: { name: "f" } } });
    expect(named.ok && named.state.dropped).toEqual(["tool_choice"]);
    expect(named.ok && named.body.tools).toHaveLength(1);
  });

  it("maps sampling to options, max_completion_tokens over max_tokens, and leaves nulls out", () => {
    expect(upstream({ max_tokens: 10, max_completion_tokens: 20, temperature: 1.5, stop: ["a", "b"] }).options).toEqual({ num_predict: 20, temperature: 1.5, stop: ["a", "b"] });
    expect(upstream({ max_tokens: null, temperature: null, top_p: null, seed: null, stop: null }).options).toBeUndefined();
  });

  it("turns thinking on for any effort but none, and leaves the model's default otherwise", () => {
    expect(upstream({ reasoning_effort: "low" }).think).toBe(true);
    expect(upstream({ reasoning_effort: "none" }).think).toBe(false);
    expect(upstream({}).think).toBeUndefined();
  });

  it("treats default values of unsupported fields as unset", () => {
    const result = translate({ n: 1, logprobs: false, top_logprobs: 0, logit_bias: {}, modalities: ["text"], seed: 3, presence_penalty: 0 }, { unsupported: "reject" });
    expect(result.ok).toBe(true);
  });

  it("rejects with a problem naming the field under the reject policy", () => {
    expect(translate({ logprobs: true }, { unsupported: "reject" })).toEqual({
      ok: false,
      problem: { path: "/logprobs", message: "logprobs=true cannot be expressed by Ollama's chat API" },
    });
    const image = translate({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }] }, { unsupported: "reject" });
    expect(image.ok === false && image.problem.path).toBe("/messages/0/content/0");
  });

  it("fills the state from the context", () => {
    const result = translate({ stream: true, stream_options: { include_usage: true } });
    expect(result.ok && result.state).toMatchObject({ clientModel: "gpt-4o", responseId: "chatcmpl-req_1", created: 1_700_000_000, includeUsage: true, dropped: [] });
    expect(result.ok && result.body.model).toBe("llama3.2");
  });
});

describe("response", () => {
  it("gives tool calls deterministic ids and JSON arguments, and null content beside them", () => {
    const body = line({ tool_calls: [{ function: { name: "f", arguments: { x: 1 } } }, { function: { name: "g" } }] }, { done: true, done_reason: "stop" }) as unknown as OllamaChatResponse;
    const out = openaiToOllama.response(body, state());
    expect(out.choices[0]).toMatchObject({
      finish_reason: "tool_calls",
      message: {
        content: null,
        tool_calls: [
          { id: "call_chatcmpl-req_1_0", type: "function", function: { name: "f", arguments: '{"x":1}' } },
          { id: "call_chatcmpl-req_1_1", type: "function", function: { name: "g", arguments: "{}" } },
        ],
      },
    });
    expect(openaiToOllama.response(body, state())).toEqual(out);
  });

  it("never throws on garbage", () => {
    for (const garbage of [null, 42, "x", [], {}, { message: "nope", eval_count: "many" }, { message: { content: 5, tool_calls: [null, 7, { function: [] }] } }]) {
      const out = openaiToOllama.response(garbage as unknown as OllamaChatResponse, state());
      expect(out.object).toBe("chat.completion");
      expect(out.usage?.total_tokens).toBe(0);
    }
  });

  it("speaks Ollama's errors in OpenAI's shape, keeping the status", () => {
    const body = JSON.parse(openaiToOllama.error(404, '{"error":"model \\"llama9\\" not found, try pulling it first"}'));
    expect(body.error.message).toBe('model "llama9" not found, try pulling it first');
  });
});

describe("stream", () => {
  it("counts tool calls from 0 across lines, each call whole in one chunk", () => {
    const chunks = streamFrames([
      line({ tool_calls: [{ function: { name: "f", arguments: { a: 1 } } }, { function: { name: "g", arguments: {} } }] }),
      line({ tool_calls: [{ function: { name: "h", arguments: { b: "x" } } }] }),
      doneLine(),
    ]);
    const calls = chunks.flatMap((c) => (c as { choices?: { delta: { tool_calls?: unknown[] } }[] }).choices?.[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: "call_chatcmpl-req_1_0", type: "function", function: { name: "f", arguments: '{"a":1}' } },
      { index: 1, id: "call_chatcmpl-req_1_1", type: "function", function: { name: "g", arguments: "{}" } },
      { index: 2, id: "call_chatcmpl-req_1_2", type: "function", function: { name: "h", arguments: '{"b":"x"}' } },
    ]);
    expect(chunks.at(-3)).toMatchObject({ choices: [{ delta: {}, finish_reason: "tool_calls" }] });
  });

  it("ends with the finish chunk, the usage chunk and [DONE] on done: true, and ignores what follows", () => {
    const chunks = streamFrames([line({ content: "Hi" }), doneLine({ done_reason: "length" }), line({ content: "late" })]);
    expect(chunks.at(-3)).toMatchObject({ choices: [{ delta: {}, finish_reason: "length" }], usage: null });
    expect(chunks.at(-2)).toMatchObject({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
    expect(chunks.at(-1)).toBe("[DONE]");
    expect(JSON.stringify(chunks)).not.toContain("late");
  });

  it("sends no usage field at all without include_usage", () => {
    const chunks = streamFrames([line({ content: "Hi" }), doneLine()], { includeUsage: false });
    expect(chunks.filter((c) => typeof c === "object" && c !== null && "usage" in c)).toEqual([]);
    expect(chunks.at(-1)).toBe("[DONE]");
  });

  it("owes the finish and [DONE] once for a stream cut after it started, nothing for one that never started", () => {
    const translator = openaiToOllama.stream(state());
    translator.event(undefined, JSON.stringify(line({ content: "Hel" })));
    expect(dataPayloads(translator.end()).at(-1)).toBe("[DONE]");
    expect(translator.end()).toBe("");
    expect(openaiToOllama.stream(state()).end()).toBe("");
  });

  it("turns an error line into OpenAI's in-stream error, with no [DONE] after it", () => {
    const chunks = streamFrames([line({ content: "Hel" }), { error: "model runner crashed" }]);
    expect(chunks.at(-1)).toEqual({ error: { message: "model runner crashed", type: "api_error", code: null, param: null } });
    expect(chunks).not.toContain("[DONE]");
  });

  it("never throws on garbage lines", () => {
    const translator = openaiToOllama.stream(state());
    const garbage = ["", "not json", "null", "[]", "42", '{"message":7}', '{"message":{"content":{},"thinking":[],"tool_calls":{}}}', '{"message":{"tool_calls":[null,{"function":"x"}]}}', '{"done":true,"prompt_eval_count":"x"}', '{"error":{}}'];
    expect(() => {
      for (const data of garbage) translator.event(undefined, data);
      translator.end();
    }).not.toThrow();
  });
});

describe("embeddings", () => {
  const embedContext = { ...context(), clientModel: "text-embedding-3-small", upstreamModel: "nomic-embed-text" };

  it("sends the input, model and dimensions to /api/embed", () => {
    const result = ollamaEmbeddings.request({ model: "text-embedding-3-small", input: ["a", "b"], dimensions: 256, user: "u" }, embedContext);
    expect(result.ok && result.body).toEqual({ model: "nomic-embed-text", input: ["a", "b"], dimensions: 256 });
  });

  it("refuses token arrays, which Ollama cannot embed", () => {
    const result = ollamaEmbeddings.request({ model: "m", input: [[1, 2, 3]] }, embedContext);
    expect(result.ok === false && result.problem.path).toBe("/input");
  });

  it("answers OpenAI's list, as floats or as the base64 float32 the openai SDK asks for by default", () => {
    const upstreamBody: OllamaEmbedResponse = { model: "nomic-embed-text", embeddings: [[0.5, -0.25], [1, 0]], prompt_eval_count: 4 };
    const floats = ollamaEmbeddings.request({ model: "text-embedding-3-small", input: ["a", "b"] }, embedContext);
    const base64 = ollamaEmbeddings.request({ model: "text-embedding-3-small", input: ["a", "b"], encoding_format: "base64" }, embedContext);
    if (!floats.ok || !base64.ok) throw new Error("rejected");
    expect(ollamaEmbeddings.response(upstreamBody, floats.state)).toEqual({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [0.5, -0.25] },
        { object: "embedding", index: 1, embedding: [1, 0] },
      ],
      model: "text-embedding-3-small",
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
    const encoded = ollamaEmbeddings.response(upstreamBody, base64.state).data[0]!.embedding as string;
    const bytes = Buffer.from(encoded, "base64");
    expect([...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)]).toEqual([0.5, -0.25]);
  });

  it("never throws on garbage", () => {
    const result = ollamaEmbeddings.request({ model: "m", input: "x" }, embedContext);
    if (!result.ok) throw new Error("rejected");
    for (const garbage of [null, 7, {}, { embeddings: [null, ["x", 1]] }]) {
      expect(() => ollamaEmbeddings.response(garbage as unknown as OllamaEmbedResponse, result.state as EmbeddingsState)).not.toThrow();
    }
  });
});

describe("through the mock Ollama", () => {
  let ollama: MockOllama;
  beforeAll(async () => {
    ollama = await startMockOllama();
  });
  afterAll(() => ollama.close());

  const post = (pathname: string, body: unknown) =>
    fetch(`${ollama.url}${pathname}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("answers the translated request in one JSON body, and the answer translates back", async () => {
    ollama.script({ kind: "reply", text: "Bonjour !", usage: { input: 9, output: 4 } });
    const translated = translate({ messages: [{ role: "user", content: "Say hi in French" }] });
    if (!translated.ok) throw new Error("rejected");
    const res = await post("/api/chat", translated.body);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const out = openaiToOllama.response((await res.json()) as OllamaChatResponse, translated.state);
    expect(out.choices[0]).toMatchObject({ message: { content: "Bonjour !" }, finish_reason: "stop" });
    expect(out.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
    expect(ollama.requests.at(-1)?.json).toMatchObject({ model: "llama3.2", stream: false });
  });

  it("streams NDJSON when asked, and a tool call comes through whole", async () => {
    ollama.script({ kind: "reply", thinking: "Need the weather.", toolCall: { name: "get_weather", arguments: { city: "Paris" } } });
    const translated = translate({ stream: true, stream_options: { include_usage: true }, tools: [{ type: "function", function: { name: "get_weather" } }] });
    if (!translated.ok) throw new Error("rejected");
    const res = await post("/api/chat", translated.body);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const chunks = dataPayloads(translateLines(openaiToOllama.stream(translated.state), await res.text()));
    const deltas = chunks.flatMap((c) => (c as { choices?: { delta: Record<string, unknown> }[] }).choices?.map((ch) => ch.delta) ?? []);
    expect(deltas.map((d) => d.reasoning_content ?? "").join("")).toBe("Need the weather.");
    expect(deltas.flatMap((d) => (d.tool_calls as unknown[]) ?? [])).toEqual([
      { index: 0, id: "call_chatcmpl-req_1_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
    ]);
    expect(chunks.at(-2)).toMatchObject({ usage: { prompt_tokens: 26, completion_tokens: 12 } });
  });

  it("streams by default when the body does not say", async () => {
    const res = await post("/api/chat", { model: "llama3.2", messages: [{ role: "user", content: "Hi" }] });
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { done: boolean });
    expect(lines.at(-1)?.done).toBe(true);
  });

  it("answers errors as {error}, which translate to OpenAI's error body", async () => {
    ollama.script({ kind: "error", status: 404 });
    const res = await post("/api/chat", { model: "llama9", messages: [], stream: false });
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'model "llama9" not found, try pulling it first' });
    expect(JSON.parse(openaiToOllama.error(404, text)).error.message).toBe('model "llama9" not found, try pulling it first');
  });

  it("embeds through /api/embed with the requested dimensions", async () => {
    const translated = ollamaEmbeddings.request({ model: "text-embedding-3-small", input: ["one", "two"], dimensions: 4 }, { ...context(), upstreamModel: "nomic-embed-text" });
    if (!translated.ok) throw new Error("rejected");
    const res = await post("/api/embed", translated.body);
    const out = ollamaEmbeddings.response((await res.json()) as OllamaEmbedResponse, translated.state);
    expect(out.data.map((d) => (d.embedding as number[]).length)).toEqual([4, 4]);
    expect(out.usage.prompt_tokens).toBeGreaterThan(0);
    expect(ollama.requests.at(-1)).toMatchObject({ method: "POST", path: "/api/embed", headers: { "content-type": "application/json" } });
  });
});

describe("an Anthropic client on Ollama (anthropic → openai → ollama)", () => {
  const anthropicToOllama = composeTranslators(anthropicToOpenAI, openaiToOllama);
  const request: AnthropicMessagesRequest = {
    model: "claude-sonnet-4-5",
    max_tokens: 1024,
    stream: true,
    system: "You are a weather bot.",
    tools: [{ name: "get_weather", description: "Weather for a city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }],
    messages: [
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18 C" }, { type: "text", text: "And Rome?" }] },
    ],
  };
  const translated = anthropicToOllama.request(request, { ...context(), clientModel: "claude-sonnet-4-5", upstreamModel: "qwen3:8b" });

  it("sends Ollama a conversation it can read", () => {
    if (!translated.ok) throw new Error(`rejected: ${translated.problem.message}`);
    expect(translated.body).toMatchObject({
      model: "qwen3:8b",
      stream: true,
      options: { num_predict: 1024 },
      tools: [{ type: "function", function: { name: "get_weather" } }],
      messages: [
        { role: "system", content: "You are a weather bot." },
        { role: "user", content: "Weather in Paris?", images: ["iVBORw0KGgo="] },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }] },
        { role: "tool", content: "18 C", tool_name: "get_weather" },
        { role: "user", content: "And Rome?" },
      ],
    });
  });

  it("answers a well-formed Anthropic event stream with the reassembled tool input and real usage", () => {
    if (!translated.ok) throw new Error("rejected");
    const transcript = [
      line({ content: "Let me " }),
      line({ content: "check." }),
      line({ tool_calls: [{ function: { name: "get_weather", arguments: { city: "Rome" } } }] }),
      line({ tool_calls: [{ function: { name: "get_weather", arguments: { city: "Milan" } } }] }),
      doneLine({ prompt_eval_count: 187, eval_count: 36 }),
    ];
    const sse = translateLines(anthropicToOllama.stream(translated.state), transcript.map((l) => JSON.stringify(l)).join("\n"));
    const events = sse
      .split("\n\n")
      .filter(Boolean)
      .map((frame) => {
        const [eventLine, dataLine] = frame.split("\n");
        return { name: eventLine!.replace(/^event: /, ""), data: JSON.parse(dataLine!.replace(/^data: /, "")) as Record<string, any> };
      });
    for (const event of events) expect(event.data.type).toBe(event.name);
    const names = events.map((e) => e.name);
    expect(names.filter((n) => n === "message_start")).toHaveLength(1);
    expect(names[0]).toBe("message_start");
    expect(names.at(-1)).toBe("message_stop");
    expect(names.at(-2)).toBe("message_delta");

    // Blocks: indices increase from 0, each started once and stopped before the next starts.
    const starts = events.filter((e) => e.name === "content_block_start").map((e) => e.data.index as number);
    expect(starts).toEqual(starts.map((_, i) => i));
    let open: number | null = null;
    for (const { name, data } of events) {
      if (name === "content_block_start") {
        expect(open).toBeNull();
        open = data.index;
      } else if (name === "content_block_delta") expect(data.index).toBe(open);
      else if (name === "content_block_stop") {
        expect(data.index).toBe(open);
        open = null;
      }
    }
    expect(open).toBeNull();

    // Text, then each tool's input reassembled from its deltas.
    const blocks = starts.map((index) => {
      const start = events.find((e) => e.name === "content_block_start" && e.data.index === index)!.data.content_block;
      const deltas = events.filter((e) => e.name === "content_block_delta" && e.data.index === index).map((e) => e.data.delta);
      return { type: start.type, name: start.name, text: deltas.map((d) => d.text ?? "").join(""), input: deltas.map((d) => d.partial_json ?? "").join("") };
    });
    expect(blocks[0]).toMatchObject({ type: "text", text: "Let me check." });
    expect(blocks.slice(1).map((b) => [b.type, b.name, JSON.parse(b.input)])).toEqual([
      ["tool_use", "get_weather", { city: "Rome" }],
      ["tool_use", "get_weather", { city: "Milan" }],
    ]);

    const delta = events.at(-2)!.data;
    expect(delta.delta.stop_reason).toBe("tool_use");
    expect(delta.usage).toMatchObject({ input_tokens: 187, output_tokens: 36 });
  });
});
