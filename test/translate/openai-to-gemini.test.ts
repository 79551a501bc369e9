// OpenAI client → Gemini upstream: the golden fixtures, schema checks of everything they produce, focused
// checks of the rules that break quietly (the schema whitelist, function names, thought signatures in ids,
// the end-of-stream frames, untrusted upstream data), embeddings, an Anthropic client composed in front,
// and a round trip through the loopback mock of both Gemini URL shapes.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  AnthropicMessagesRequest,
  AnthropicMessagesResponse,
  GeminiGenerateContentRequest,
  GeminiGenerateContentResponse,
  GeminiSchema,
  OpenAIChatRequest,
} from "../../generated/types/index.ts";
import { anthropicToOpenAI } from "../../runtime/translate/anthropic-to-openai/index.ts";
import { composeTranslators } from "../../runtime/translate/compose.ts";
import { geminiEmbeddings } from "../../runtime/translate/openai-to-gemini/embeddings.ts";
import { geminiFunctionName } from "../../runtime/translate/openai-to-gemini/function-names.ts";
import { openaiToGemini } from "../../runtime/translate/openai-to-gemini/index.ts";
import { thoughtSignatureOf, toolCallId } from "../../runtime/translate/openai-to-gemini/tool-call-ids.ts";
import { usageFromGemini } from "../../runtime/translate/openai-to-gemini/usage.ts";
import type { TranslationContext, TranslationOptions, TranslationState } from "../../runtime/translate/translator.ts";
import { startMockGemini, type MockGemini } from "../support/mock-gemini.ts";
import { translateStream } from "./fixtures.ts";
import { describeGoldenFixtures } from "./golden.ts";
import { testContext, testState, dataPayloads } from "./helpers.ts";

describeGoldenFixtures("openai-to-gemini", openaiToGemini);

const fixturesDir = path.join(import.meta.dirname, "fixtures/openai-to-gemini");
const schemaDir = path.join(import.meta.dirname, "../../schema/providers");

function validator(file: string) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile(JSON.parse(readFileSync(path.join(schemaDir, file), "utf8")));
}

function context(options: Partial<TranslationOptions> = {}): TranslationContext {
  return testContext("gpt-4o", "gemini-2.5-flash", options);
}

function translate(body: Partial<OpenAIChatRequest>, options: Partial<TranslationOptions> = {}) {
  return openaiToGemini.request({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], ...body }, context(options));
}

function upstream(body: Partial<OpenAIChatRequest>, options: Partial<TranslationOptions> = {}): GeminiGenerateContentRequest {
  const result = translate(body, options);
  if (!result.ok) throw new Error(`rejected: ${result.problem.message}`);
  return result.body;
}

function state(overrides: Partial<TranslationState> = {}): TranslationState {
  return testState(overrides);
}


function streamOf(events: readonly object[], overrides: Partial<TranslationState> = {}): unknown[] {
  const translator = openaiToGemini.stream(state(overrides));
  let out = "";
  for (const event of events) out += translator.event(undefined, JSON.stringify(event));
  return dataPayloads(out + translator.end());
}

const parameters = (body: GeminiGenerateContentRequest, i = 0) => body.tools?.[0]?.functionDeclarations?.[i]?.parameters;

/** Every keyword Gemini's Schema accepts; anything else in a translated schema is a 400 waiting to happen. */
const GEMINI_SCHEMA_KEYWORDS = new Set([
  "type", "format", "title", "description", "nullable", "enum", "items", "minItems", "maxItems", "properties", "required",
  "propertyOrdering", "minProperties", "maxProperties", "minimum", "maximum", "minLength", "maxLength", "pattern", "anyOf",
]);

function badKeywords(schema: GeminiSchema | undefined, at = "#"): string[] {
  if (!schema) return [];
  const bad = Object.keys(schema).filter((key) => !GEMINI_SCHEMA_KEYWORDS.has(key)).map((key) => `${at}/${key}`);
  for (const [name, property] of Object.entries(schema.properties ?? {})) bad.push(...badKeywords(property, `${at}/properties/${name}`));
  if (schema.items) bad.push(...badKeywords(schema.items, `${at}/items`));
  schema.anyOf?.forEach((branch, i) => bad.push(...badKeywords(branch, `${at}/anyOf/${i}`)));
  if (schema.enum?.some((v) => typeof v !== "string")) bad.push(`${at}/enum`);
  if (schema.properties && Object.keys(schema.properties).length === 0) bad.push(`${at}/properties (empty)`);
  for (const name of schema.required ?? []) if (!schema.properties?.[name]) bad.push(`${at}/required/${name}`);
  if (schema.type?.toLowerCase() === "array" && !schema.items) bad.push(`${at}/items (missing)`);
  return bad;
}

describe("golden outputs match the schemas", () => {
  const rules = readdirSync(fixturesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  const validRequest = validator("gemini.generate.request.json");
  const validResponse = validator("gemini.generate.response.json");
  const validClientResponse = validator("openai.chat.response.json");
  const validChunk = validator("openai.chat.chunk.json");
  const read = (rule: string, file: string) => readFileSync(path.join(fixturesDir, rule, file), "utf8");
  const has = (rule: string, file: string) => existsSync(path.join(fixturesDir, rule, file));

  it.each(rules)("%s", (rule) => {
    if (has(rule, "upstream-request.json")) {
      const body = JSON.parse(read(rule, "upstream-request.json")) as GeminiGenerateContentRequest;
      expect(validRequest(body), JSON.stringify(validRequest.errors)).toBe(true);
      for (const [i] of (body.tools?.[0]?.functionDeclarations ?? []).entries()) expect(badKeywords(parameters(body, i))).toEqual([]);
      expect(badKeywords(body.generationConfig?.responseSchema)).toEqual([]);
      for (const content of body.contents) for (const part of content.parts) expect(part.text).not.toBe("");
    }
    if (has(rule, "upstream-response.json")) expect(validResponse(JSON.parse(read(rule, "upstream-response.json")))).toBe(true);
    if (has(rule, "client-response.json")) {
      const body: unknown = JSON.parse(read(rule, "client-response.json"));
      expect(validClientResponse(body), JSON.stringify(validClientResponse.errors)).toBe(true);
    }
    if (has(rule, "client-stream.sse")) {
      for (const payload of dataPayloads(read(rule, "client-stream.sse"))) {
        if (payload === "[DONE]" || (payload as { error?: unknown }).error) continue;
        expect(validChunk(payload), JSON.stringify(validChunk.errors)).toBe(true);
      }
    }
  });
});

describe("request", () => {
  it("keeps only Gemini's keywords however the schema is written", () => {
    const body = upstream({
      tools: [
        {
          type: "function",
          function: {
            name: "f",
            parameters: {
              type: "object",
              definitions: { Id: { type: "string", format: "uuid", examples: ["x"] } },
              properties: {
                ids: { type: "array", items: { $ref: "#/definitions/Id" }, prefixItems: [{ type: "string" }], contains: { type: "string" } },
                pair: { type: "array", items: [{ type: "string" }, { type: "integer" }] },
                when: { anyOf: [{ type: "string", format: "date-time" }, { type: "null" }], readOnly: true, deprecated: true },
                odd: { type: ["null"] },
                map: { type: "object", patternProperties: { "^x": { type: "string" } }, propertyNames: { pattern: "^x" } },
                cond: { if: { type: "string" }, then: { minLength: 1 }, else: { type: "number" }, dependentRequired: {} },
                num: { type: "number", exclusiveMinimum: 0, multipleOf: 0.5 },
              },
              required: ["ids"],
            },
          },
        },
      ],
    });
    expect(badKeywords(parameters(body))).toEqual([]);
    expect(parameters(body)?.properties).toMatchObject({
      ids: { type: "array", items: { type: "string" } },
      pair: { type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] } },
      when: { type: "string", format: "date-time", nullable: true },
      odd: { nullable: true },
      num: { type: "number" },
    });
  });

  it("inlines nested local refs and stops at recursion, noting it", () => {
    const result = translate({
      tools: [
        {
          type: "function",
          function: {
            name: "tree",
            parameters: {
              type: "object",
              $defs: { Leaf: { type: "string", description: "leaf" }, Node: { type: "object", properties: { leaf: { $ref: "#/$defs/Leaf" }, next: { $ref: "#/$defs/Node" } } } },
              properties: { root: { $ref: "#/$defs/Node", description: "the root" } },
            },
          },
        },
      ],
    });
    expect(result.ok && parameters(result.body)?.properties?.root).toEqual({
      type: "object",
      description: "the root",
      properties: { leaf: { type: "string", description: "leaf" }, next: { type: "object" } },
    });
    expect(result.ok && result.state.dropped).toEqual(["tools.0.function.parameters.properties.root.properties.next.$ref"]);
    const rejected = translate({ tools: [{ type: "function", function: { name: "t", parameters: { type: "object", properties: { x: { $ref: "other.json#/X" } } } } }] }, { unsupported: "reject" });
    expect(rejected).toEqual({
      ok: false,
      problem: { path: "/tools/0/function/parameters/properties/x/$ref", message: 'the schema reference "other.json#/X" cannot be expressed by the Gemini API' },
    });
  });

  it("fits function names to Gemini's rule, the same way in declarations, history and tool_choice", () => {
    expect(geminiFunctionName("get_weather")).toBe("get_weather");
    expect(geminiFunctionName("mcp.server:tool-1")).toBe("mcp.server:tool-1");
    expect(geminiFunctionName("1st")).toBe("_1st");
    expect(geminiFunctionName("-x")).toBe("_-x");
    expect(geminiFunctionName("a b")).toMatch(/^a_b_[0-9a-f]{8}$/);
    const long = `mcp__${"very_long_server_name_".repeat(4)}__tool`;
    expect(geminiFunctionName(long)).toHaveLength(64);
    expect(geminiFunctionName(long)).toMatch(/^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/);
    expect(geminiFunctionName("9".repeat(70))).toMatch(/^_[0-9_a-f]{63}$/);

    const result = translate({
      tools: [{ type: "function", function: { name: long, parameters: { type: "object", properties: { a: { type: "string" } } } } }],
      tool_choice: { type: "function", function: { name: long } },
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: long, arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "ok" },
      ],
    });
    if (!result.ok) throw new Error("rejected");
    const short = geminiFunctionName(long);
    expect(result.body.tools?.[0]?.functionDeclarations?.[0]?.name).toBe(short);
    expect(result.body.toolConfig?.functionCallingConfig?.allowedFunctionNames).toEqual([short]);
    expect(result.body.contents[1]?.parts[0]?.functionCall?.name).toBe(short);
    expect(result.body.contents[2]?.parts[0]?.functionResponse?.name).toBe(short);
    expect(result.state.toolNames.get(short)).toBe(long);
    const reply = openaiToGemini.response({ candidates: [{ content: { parts: [{ functionCall: { name: short, args: {} } }] }, finishReason: "STOP" }] }, result.state);
    expect(reply.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: long } });
  });

  it("maps allowed_tools: ANY with names when required, AUTO over only those declarations when auto", () => {
    const tools = ["a", "b", "c"].map((name) => ({ type: "function" as const, function: { name, parameters: { type: "object", properties: { x: { type: "string" } } } } }));
    const allowed = [{ type: "function", function: { name: "a" } }, { type: "function", function: { name: "c" } }];
    const required = upstream({ tools, tool_choice: { type: "allowed_tools", allowed_tools: { mode: "required", tools: allowed } } });
    expect(required.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["a", "c"] } });
    expect(required.tools?.[0]?.functionDeclarations?.map((d) => d.name)).toEqual(["a", "b", "c"]);
    const auto = upstream({ tools, tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: allowed } } });
    expect(auto.toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(auto.tools?.[0]?.functionDeclarations?.map((d) => d.name)).toEqual(["a", "c"]);
    expect(upstream({ tool_choice: "required" }).toolConfig).toBeUndefined(); // no tools, nothing to configure
    expect(upstream({ tools, tool_choice: "none" }).toolConfig).toEqual({ functionCallingConfig: { mode: "NONE" } });
  });

  it("fills the state from the context", () => {
    const result = translate({ stream: true, stream_options: { include_usage: true } });
    expect(result.ok && result.state).toMatchObject({ clientModel: "gpt-4o", responseId: "chatcmpl-req_1", created: 1_700_000_000, includeUsage: true, dropped: [] });
    expect(result.ok && result.body).toEqual({ contents: [{ role: "user", parts: [{ text: "Hi" }] }] });
  });
});

describe("tool call ids", () => {
  it("carry any base64 signature back byte-exact, in characters OpenAI and Anthropic accept", () => {
    for (const signature of ["AA==", "QUI=", "+/+/", "CiQB0e2K/b9+Pw==", "a".repeat(2000), Buffer.from([251, 255, 191, 0]).toString("base64")]) {
      const id = toolCallId("chatcmpl-req_1", 3, undefined, signature);
      expect(id).toMatch(/^[a-zA-Z0-9_-]+$/);
      expect(thoughtSignatureOf({ id })).toBe(signature);
    }
    expect(toolCallId("r", 0, "fc-1", undefined)).toBe("fc-1");
    expect(toolCallId("r", 2, "", undefined)).toBe("call_r_2");
    expect(thoughtSignatureOf({ id: "call_abc" })).toBeUndefined();
    expect(thoughtSignatureOf({ id: "x", extra_content: { google: { thought_signature: "U2ln" } } })).toBe("U2ln");
  });
});

describe("response", () => {
  it("never throws on garbage", () => {
    const garbage = [null, 42, "x", [], {}, { candidates: "no" }, { candidates: [null, 7, { content: { parts: [null, { functionCall: [1] }, { text: 5 }, { functionCall: { name: 3, args: "x" } }] } }] }, { usageMetadata: "many", promptFeedback: 1 }];
    for (const body of garbage) {
      const out = openaiToGemini.response(body as unknown as GeminiGenerateContentResponse, state());
      expect(out.object).toBe("chat.completion");
      expect(out.usage?.total_tokens).toBe(0);
    }
  });

  it("picks candidate 0 and counts tool calls for ids", () => {
    const out = openaiToGemini.response(
      {
        candidates: [
          { index: 1, content: { parts: [{ text: "other" }] } },
          { index: 0, content: { parts: [{ text: "a" }, { functionCall: { name: "f" } }, { text: "b" }, { functionCall: { name: "g", args: { x: 1 } } }] }, finishReason: "MAX_TOKENS" },
        ],
      },
      state(),
    );
    expect(out.choices[0]).toMatchObject({
      finish_reason: "length",
      message: {
        content: "ab",
        tool_calls: [
          { id: "call_chatcmpl-req_1_0", function: { name: "f", arguments: "{}" } },
          { id: "call_chatcmpl-req_1_1", function: { name: "g", arguments: '{"x":1}' } },
        ],
      },
    });
  });

  it("gives the request log the same usage", () => {
    expect(usageFromGemini({ promptTokenCount: 100, cachedContentTokenCount: 60, candidatesTokenCount: 5, thoughtsTokenCount: 7, totalTokenCount: 112 })).toEqual({
      prompt_tokens: 100,
      completion_tokens: 12,
      total_tokens: 112,
      input_tokens: 40,
      output_tokens: 12,
      cache_read_input_tokens: 60,
      cache_creation_input_tokens: 0,
    });
    expect(usageFromGemini({ modelVersion: "x" })).toBeNull();
  });
});

describe("stream", () => {
  const text = (t: string, finishReason?: string) => ({ candidates: [{ content: { role: "model", parts: [{ text: t }] }, ...(finishReason ? { finishReason } : {}), index: 0 }] });

  it("writes the closing frames once, at the end, after text that came with the finish", () => {
    const translator = openaiToGemini.stream(state());
    const first = translator.event(undefined, JSON.stringify(text("Hel")));
    const last = translator.event(undefined, JSON.stringify({ ...text("lo", "STOP"), usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2 } }));
    expect(dataPayloads(first + last).map((p) => (p as { choices: { delta: object }[] }).choices[0]?.delta)).toEqual([{ role: "assistant", content: "" }, { content: "Hel" }, { content: "lo" }]);
    const end = dataPayloads(translator.end());
    expect(end).toHaveLength(3);
    expect(end[0]).toMatchObject({ choices: [{ delta: {}, finish_reason: "stop" }] });
    expect(end[1]).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
    expect(end[2]).toBe("[DONE]");
    expect(translator.end()).toBe("");
    expect(translator.event(undefined, JSON.stringify(text("late")))).toBe("");
  });

  it("numbers tool calls from 0 across events and says tool_calls", () => {
    const call = (name: string) => ({ candidates: [{ content: { parts: [{ functionCall: { name, args: { n: name } } }] } }] });
    const chunks = streamOf([text("Let me check."), call("a"), { candidates: [{ content: { parts: [{ functionCall: { name: "b" } }, { functionCall: { name: "c", id: "own-id" } }] }, finishReason: "STOP" }] }]);
    const calls = chunks.flatMap((c) => (c as { choices?: { delta: { tool_calls?: unknown[] } }[] }).choices?.[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: "call_chatcmpl-req_1_0", type: "function", function: { name: "a", arguments: '{"n":"a"}' } },
      { index: 1, id: "call_chatcmpl-req_1_1", type: "function", function: { name: "b", arguments: "{}" } },
      { index: 2, id: "own-id", type: "function", function: { name: "c", arguments: "{}" } },
    ]);
    expect(chunks.at(-3)).toMatchObject({ choices: [{ finish_reason: "tool_calls" }] });
  });

  it("never throws on garbage events", () => {
    const translator = openaiToGemini.stream(state());
    const garbage = ["", "not json", "null", "[]", "42", '{"candidates":7}', '{"candidates":[null]}', '{"candidates":[{"content":{"parts":[7,{"functionCall":"x"},{"text":null}]},"finishReason":5}]}', '{"usageMetadata":[1]}', '{"error":"boom"}', '{"error":null}'];
    expect(() => {
      for (const data of garbage) translator.event(undefined, data);
      translator.end();
    }).not.toThrow();
  });

  it("turns an error event into OpenAI's error frame and writes nothing more", () => {
    const chunks = streamOf([text("a"), { error: { code: 429, message: "Resource has been exhausted", status: "RESOURCE_EXHAUSTED" } }, text("b", "STOP")]);
    expect(chunks.at(-1)).toEqual({ error: { message: "Resource has been exhausted", type: "RESOURCE_EXHAUSTED", code: null, param: null } });
    expect(chunks).not.toContain("[DONE]");
  });
});

describe("error", () => {
  it("speaks OpenAI's error shape with Gemini's message", () => {
    const body = JSON.stringify({ error: { code: 400, message: "* GenerateContentRequest.contents: contents is not specified", status: "INVALID_ARGUMENT" } });
    const translated = JSON.parse(openaiToGemini.error(400, body)) as { error: { message: string } };
    expect(translated.error.message).toBe("* GenerateContentRequest.contents: contents is not specified");
  });
});

describe("embeddings", () => {
  const embedContext = { ...context(), upstreamModel: "text-embedding-004", clientModel: "text-embedding-3-small" };

  it("sends one request per input and answers in OpenAI's list shape", () => {
    const translated = geminiEmbeddings.request({ model: "text-embedding-3-small", input: ["a", "b"], dimensions: 256 }, embedContext);
    if (!translated.ok) throw new Error("rejected");
    expect(translated.body).toEqual({
      requests: [
        { model: "models/text-embedding-004", content: { parts: [{ text: "a" }] }, outputDimensionality: 256 },
        { model: "models/text-embedding-004", content: { parts: [{ text: "b" }] }, outputDimensionality: 256 },
      ],
    });
    expect(geminiEmbeddings.response({ embeddings: [{ values: [0.5, -1] }, { values: [2] }] }, translated.state)).toEqual({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [0.5, -1] },
        { object: "embedding", index: 1, embedding: [2] },
      ],
      model: "text-embedding-3-small",
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
  });

  it("answers base64 as the openai SDK asks by default, and keeps an explicit models/ prefix", () => {
    const translated = geminiEmbeddings.request({ model: "m", input: "a", encoding_format: "base64" }, { ...embedContext, upstreamModel: "models/gemini-embedding-001" });
    if (!translated.ok) throw new Error("rejected");
    expect(translated.body.requests[0]?.model).toBe("models/gemini-embedding-001");
    const out = geminiEmbeddings.response({ embeddings: [{ values: [1.5, -2] }] }, translated.state);
    const bytes = Buffer.from(out.data[0]?.embedding as string, "base64");
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([1.5, -2]);
  });

  it("refuses token arrays and empty lists, and survives garbage", () => {
    expect(geminiEmbeddings.request({ model: "m", input: [1, 2, 3] }, embedContext)).toEqual({
      ok: false,
      problem: { path: "/input", message: "token-array input (send text) cannot be expressed by the Gemini API" },
    });
    expect(geminiEmbeddings.request({ model: "m", input: [[1], [2]] }, embedContext).ok).toBe(false);
    expect(geminiEmbeddings.request({ model: "m", input: [] }, embedContext).ok).toBe(false);
    const translated = geminiEmbeddings.request({ model: "m", input: "a" }, embedContext);
    if (!translated.ok) throw new Error("rejected");
    expect(geminiEmbeddings.response({ embeddings: [{ values: ["x", 1] }, null] } as never, translated.state).data).toEqual([
      { object: "embedding", index: 0, embedding: [0, 1] },
      { object: "embedding", index: 1, embedding: [] },
    ]);
  });
});

describe("an Anthropic client through composition", () => {
  const anthropicToGemini = composeTranslators(anthropicToOpenAI, openaiToGemini);
  const anthropicContext: TranslationContext = { ...context(), clientModel: "claude-sonnet-4-5", upstreamModel: "gemini-2.5-pro" };
  const WEATHER = { name: "get_weather", description: "Weather for a city.", input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false } };
  const SIGNATURE = "CiIBVKhc7oNbfBQ0Jp8kYSH6Ozo4pw==";

  function geminiStream(): string {
    const event = (parts: object[], extra: object = {}) => `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts }, index: 0, ...extra }], usageMetadata: { promptTokenCount: 30, totalTokenCount: 30 }, modelVersion: "gemini-2.5-pro", responseId: "r" })}\r\n\r\n`;
    return (
      event([{ text: "thinking about it", thought: true }]) +
      event([{ text: "Checking " }]) +
      event([{ text: "both." }]) +
      event([{ functionCall: { name: "get_weather", args: { city: "Oslo" } }, thoughtSignature: SIGNATURE }]) +
      event([{ functionCall: { name: "get_weather", args: { city: "Rome" } } }], { finishReason: "STOP" }) +
      `data: ${JSON.stringify({ usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 20, thoughtsTokenCount: 10, totalTokenCount: 60 } })}\r\n\r\n`
    );
  }

  /** The Anthropic SSE stream as {event, data} pairs. */
  function anthropicEvents(sse: string): { event: string; data: Record<string, any> }[] {
    return sse
      .split("\n\n")
      .filter(Boolean)
      .map((frame) => {
        const [eventLine = "", dataLine = ""] = frame.split("\n");
        return { event: eventLine.replace(/^event: /, ""), data: JSON.parse(dataLine.replace(/^data: /, "")) as Record<string, any> };
      });
  }

  it("translates a tools request all the way to Gemini", () => {
    const body: AnthropicMessagesRequest = {
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      stream: true,
      system: "Be brief.",
      tools: [WEATHER],
      tool_choice: { type: "any" },
      messages: [{ role: "user", content: "Weather in Oslo and Rome?" }],
    };
    const result = anthropicToGemini.request(body, anthropicContext);
    if (!result.ok) throw new Error(result.problem.message);
    expect(result.body).toEqual({
      contents: [{ role: "user", parts: [{ text: "Weather in Oslo and Rome?" }] }],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      tools: [{ functionDeclarations: [{ name: "get_weather", description: "Weather for a city.", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY" } },
      generationConfig: { maxOutputTokens: 1024 },
    });
  });

  it("streams well-formed Anthropic events: one message_start, blocks in order, tool inputs whole", () => {
    const body: AnthropicMessagesRequest = { model: "claude-sonnet-4-5", max_tokens: 1024, stream: true, tools: [WEATHER], messages: [{ role: "user", content: "Weather?" }] };
    const result = anthropicToGemini.request(body, anthropicContext);
    if (!result.ok) throw new Error(result.problem.message);
    const events = anthropicEvents(translateStream(anthropicToGemini.stream(result.state), geminiStream()));

    expect(events.filter((e) => e.event === "message_start")).toHaveLength(1);
    expect(events[0]?.event).toBe("message_start");
    expect(events[0]?.data.message).toMatchObject({ id: "msg_req_1", model: "claude-sonnet-4-5", role: "assistant" });
    expect(events.at(-1)?.event).toBe("message_stop");
    for (const e of events) expect(e.data.type).toBe(e.event);

    // Blocks: each start opens the next index and is stopped before the next one starts.
    const blocks: { index: number; type: string; text: string; json: string; id?: string; name?: string }[] = [];
    let open: number | undefined;
    for (const { event, data } of events) {
      if (event === "content_block_start") {
        expect(open).toBeUndefined();
        expect(data.index).toBe(blocks.length);
        open = data.index as number;
        blocks.push({ index: open, type: data.content_block.type, text: "", json: "", id: data.content_block.id, name: data.content_block.name });
      } else if (event === "content_block_delta") {
        expect(data.index).toBe(open);
        const block = blocks[open!]!;
        block.text += data.delta.text ?? data.delta.thinking ?? "";
        block.json += data.delta.partial_json ?? "";
      } else if (event === "content_block_stop") {
        expect(data.index).toBe(open);
        open = undefined;
      }
    }
    expect(open).toBeUndefined();
    expect(blocks.map((b) => b.type)).toEqual(["thinking", "text", "tool_use", "tool_use"]);
    expect(blocks[0]?.text).toBe("thinking about it");
    expect(blocks[1]?.text).toBe("Checking both.");
    expect(blocks.slice(2).map((b) => [b.name, JSON.parse(b.json)])).toEqual([
      ["get_weather", { city: "Oslo" }],
      ["get_weather", { city: "Rome" }],
    ]);
    for (const b of blocks.slice(2)) expect(b.id).toMatch(/^[a-zA-Z0-9_-]+$/);

    const delta = events.find((e) => e.event === "message_delta")?.data;
    expect(delta).toMatchObject({ delta: { stop_reason: "tool_use" }, usage: { input_tokens: 30, output_tokens: 30 } });

    // The signed call's id brings its thought signature back to Gemini on the next turn.
    const [oslo, rome] = blocks.slice(2);
    const next = anthropicToGemini.request(
      {
        ...body,
        messages: [
          { role: "user", content: "Weather?" },
          {
            role: "assistant",
            content: [
              { type: "tool_use", id: oslo!.id!, name: "get_weather", input: { city: "Oslo" } },
              { type: "tool_use", id: rome!.id!, name: "get_weather", input: { city: "Rome" } },
            ],
          },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: oslo!.id!, content: "-3C" },
              { type: "tool_result", tool_use_id: rome!.id!, content: "22C", is_error: false },
            ],
          },
        ],
      },
      anthropicContext,
    );
    if (!next.ok) throw new Error(next.problem.message);
    expect(next.body.contents[1]?.parts).toEqual([
      { functionCall: { name: "get_weather", args: { city: "Oslo" } }, thoughtSignature: SIGNATURE },
      { functionCall: { name: "get_weather", args: { city: "Rome" } } },
    ]);
    expect(next.body.contents[2]?.parts).toEqual([
      { functionResponse: { name: "get_weather", response: { result: "-3C" } } },
      { functionResponse: { name: "get_weather", response: { result: "22C" } } },
    ]);
  });

  it("answers a whole response as an Anthropic message", () => {
    const result = anthropicToGemini.request({ model: "claude-sonnet-4-5", max_tokens: 100, tools: [WEATHER], messages: [{ role: "user", content: "Weather?" }] }, anthropicContext);
    if (!result.ok) throw new Error(result.problem.message);
    const message: AnthropicMessagesResponse = anthropicToGemini.response(
      {
        candidates: [{ content: { parts: [{ text: "Sure." }, { functionCall: { name: "get_weather", args: { city: "Oslo" } } }] }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 6, cachedContentTokenCount: 4 },
      },
      result.state,
    );
    expect(message).toMatchObject({
      model: "claude-sonnet-4-5",
      stop_reason: "tool_use",
      content: [{ type: "text", text: "Sure." }, { type: "tool_use", name: "get_weather", input: { city: "Oslo" } }],
      usage: { input_tokens: 8, cache_read_input_tokens: 4, output_tokens: 6 },
    });
  });
});

describe("against the mock Gemini", () => {
  let mock: MockGemini;
  beforeAll(async () => {
    mock = await startMockGemini();
  });
  afterAll(() => mock.close());

  const post = (urlPath: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${mock.url}${urlPath}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  it("answers generateContent on the Gemini API path", async () => {
    mock.script({ kind: "reply", text: "Bonjour.", usage: { prompt: 5, candidates: 2 } });
    const translated = translate({ messages: [{ role: "system", content: "French." }, { role: "user", content: "Hello" }] });
    if (!translated.ok) throw new Error("rejected");
    const response = await post("/v1beta/models/gemini-2.5-flash:generateContent", translated.body, { "x-goog-api-key": "test-key" });
    const reply = openaiToGemini.response((await response.json()) as GeminiGenerateContentResponse, translated.state);
    expect(reply.choices[0]).toMatchObject({ message: { content: "Bonjour." }, finish_reason: "stop" });
    expect(reply.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    const recorded = mock.requests.at(-1)!;
    expect(recorded.route).toEqual({ api: "gemini", model: "gemini-2.5-flash", method: "generateContent" });
    expect(recorded.headers["x-goog-api-key"]).toBe("test-key");
    expect(recorded.json).toEqual(translated.body);
  });

  it("streams function calls on the Vertex AI path", async () => {
    mock.script({ kind: "reply", thought: "Two cities.", functionCalls: [{ name: "get_weather", args: { city: "Oslo" }, thoughtSignature: "U2ln" }, { name: "get_weather", args: { city: "Rome" } }] });
    const translated = translate({ stream: true, stream_options: { include_usage: true }, tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }] });
    if (!translated.ok) throw new Error("rejected");
    const vertexPath = "/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse";
    const response = await post(vertexPath, translated.body, { authorization: "Bearer ya29.token" });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const chunks = dataPayloads(translateStream(openaiToGemini.stream(translated.state), await response.text()));
    const deltas = chunks.flatMap((c) => (c as { choices?: { delta: Record<string, unknown> }[] }).choices?.map((choice) => choice.delta) ?? []);
    expect(deltas).toContainEqual({ reasoning_content: "Two cities." });
    expect(deltas.flatMap((d) => (d.tool_calls as object[] | undefined) ?? [])).toMatchObject([
      { index: 0, function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
      { index: 1, function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
    ]);
    expect(chunks.at(-2)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 13, completion_tokens_details: { reasoning_tokens: 5 } } });
    expect(chunks.at(-1)).toBe("[DONE]");
    expect(mock.requests.at(-1)?.route).toEqual({ api: "vertex", project: "my-project", location: "europe-west4", model: "gemini-2.5-pro", method: "streamGenerateContent", alt: "sse" });
  });

  it("embeds, and relays errors in OpenAI's shape", async () => {
    const translated = geminiEmbeddings.request({ model: "e", input: ["a", "b"], dimensions: 4 }, { ...context(), upstreamModel: "text-embedding-004" });
    if (!translated.ok) throw new Error("rejected");
    const response = await post("/v1beta/models/text-embedding-004:batchEmbedContents", translated.body, {});
    const out = geminiEmbeddings.response((await response.json()) as never, translated.state);
    expect(out.data.map((d) => (d.embedding as number[]).length)).toEqual([4, 4]);

    mock.script({ kind: "error", status: 429 });
    const failed = await post("/v1beta/models/gemini-2.5-flash:generateContent", { contents: [] }, {});
    expect(failed.status).toBe(429);
    const error = JSON.parse(openaiToGemini.error(429, await failed.text())) as { error: { message: string } };
    expect(error.error.message).toBe("RESOURCE_EXHAUSTED (mock Gemini)");
  });
});
