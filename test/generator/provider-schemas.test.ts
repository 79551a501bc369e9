// The provider JSON Schemas (schema/providers/*.json) and the TypeScript types emitted from them.
//
// Fixtures live in test/fixtures/provider-payloads/<schema name>.<case>.json, e.g.
// openai.chat.request.tools-and-image.json is checked against openai.chat.request.json. Fixtures of the stream
// schemas (openai.chat.chunk, anthropic.messages.event) hold the events of one stream, in order, as an array.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { Project, ts } from "ts-morph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emitProviderTypes, exportedNames } from "../../generator/emit/types.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCHEMA_DIR = path.join(ROOT, "schema/providers");
const FIXTURE_DIR = path.join(ROOT, "test/fixtures/provider-payloads");
const STREAM_SCHEMAS = new Set(["openai.chat.chunk.json", "anthropic.messages.event.json", "openai.responses.event.json"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function readJson(file: string): Json {
  return JSON.parse(readFileSync(file, "utf8")) as Json;
}

const schemaFiles = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".json")).sort();
const fixtureFiles = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith(".json")).sort();

/** "openai.chat.request.tools-and-image.json" → "openai.chat.request.json" */
function schemaOf(fixture: string): string {
  return `${fixture.split(".").slice(0, 3).join(".")}.json`;
}

/** The payloads of a fixture: one request/response, or every event of a stream. */
function payloadsOf(fixture: string): Json[] {
  const value = readJson(path.join(FIXTURE_DIR, fixture));
  if (!STREAM_SCHEMAS.has(schemaOf(fixture))) return [value];
  if (!Array.isArray(value)) throw new Error(`${fixture}: a stream fixture is an array of events`);
  return value;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction>(
  schemaFiles.map((f) => [f, ajv.compile(readJson(path.join(SCHEMA_DIR, f)) as object)]),
);

function validator(schemaFile: string): ValidateFunction {
  const validate = validators.get(schemaFile);
  if (!validate) throw new Error(`no schema ${schemaFile}`);
  return validate;
}

/** "/messages/0/role const", "/ required max_tokens": enough to say which rule rejected what. */
function describeError(error: ErrorObject): string {
  const where = error.instancePath || "/";
  return error.keyword === "required" ? `${where} required ${String(error.params.missingProperty)}` : `${where} ${error.keyword}`;
}

function problems(schemaFile: string, payload: unknown): string[] {
  const validate = validator(schemaFile);
  return validate(payload) ? [] : (validate.errors ?? []).map(describeError);
}

describe("provider schemas", () => {
  it("compile under ajv's strict mode without warnings", () => {
    const warnings: string[] = [];
    const logger = { log() {}, warn: (...args: unknown[]) => warnings.push(args.join(" ")), error: (...args: unknown[]) => warnings.push(args.join(" ")) };
    for (const file of schemaFiles) {
      new Ajv({ strict: true, logger }).compile(readJson(path.join(SCHEMA_DIR, file)) as object);
    }
    expect(warnings).toEqual([]);
  });

  it("keep every $ref local", () => {
    for (const file of schemaFiles) {
      const refs = [...readFileSync(path.join(SCHEMA_DIR, file), "utf8").matchAll(/"\$ref":\s*"([^"]*)"/g)].map((m) => m[1]!);
      expect(refs.length, file).toBeGreaterThan(0);
      expect(refs.filter((ref) => !ref.startsWith("#/definitions/")), file).toEqual([]);
    }
  });

  it("each have fixtures", () => {
    expect(new Set(fixtureFiles.map(schemaOf))).toEqual(new Set(schemaFiles));
  });

  describe("accept the fixtures", () => {
    it.each(fixtureFiles)("%s", (fixture) => {
      for (const [i, payload] of payloadsOf(fixture).entries()) {
        expect(problems(schemaOf(fixture), payload), `${fixture} #${i}`).toEqual([]);
      }
    });
  });

  describe("accept unknown keys at every level of the fixtures", () => {
    it.each(fixtureFiles)("%s", (fixture) => {
      for (const [i, payload] of payloadsOf(fixture).entries()) {
        const extended = withUnknownKeys(payload);
        expect(extended).not.toEqual(payload);
        expect(problems(schemaOf(fixture), extended), `${fixture} #${i}`).toEqual([]);
      }
    });
  });

  const openai = { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] };
  const anthropic = { model: "claude-sonnet-4-5", max_tokens: 256, messages: [{ role: "user", content: "Hi" }] };
  const OPENAI = "openai.chat.request.json";
  const ANTHROPIC = "anthropic.messages.request.json";

  it("accept the smallest valid requests", () => {
    expect(problems(OPENAI, openai)).toEqual([]);
    expect(problems(ANTHROPIC, anthropic)).toEqual([]);
  });

  describe("accept what clients legitimately send", () => {
    const table: Array<[string, string, Record<string, unknown>]> = [
      ["openai: assistant turn with tool_calls and no content", OPENAI, {
        ...openai,
        messages: [
          { role: "user", content: "Weather in Paris?" },
          { role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "18 C" }] },
        ],
      }],
      ["openai: nulls the SDK allows", OPENAI, { ...openai, stream: null, max_tokens: null, temperature: null, stop: null, stream_options: null }],
      ["openai: stop as one string", OPENAI, { ...openai, stop: "\n" }],
      ["openai: option values a compatible provider added", OPENAI, { ...openai, reasoning_effort: "default", service_tier: "on_demand" }],
      ["openai: deprecated function role and functions", OPENAI, {
        ...openai,
        messages: [...openai.messages, { role: "function", name: "get_weather", content: null }],
        functions: [{ name: "get_weather", parameters: { type: "object", properties: {} } }],
        function_call: "auto",
      }],
      ["anthropic: system turn inside messages", ANTHROPIC, { ...anthropic, messages: [{ role: "system", content: "Be brief." }, ...anthropic.messages] }],
      ["anthropic: assistant prefill as a string", ANTHROPIC, { ...anthropic, messages: [...anthropic.messages, { role: "assistant", content: "{" }] }],
      ["anthropic: toolset without a name and an explicit custom tool", ANTHROPIC, {
        ...anthropic,
        tools: [{ type: "browser_toolset_20260801" }, { type: "custom", name: "lookup", input_schema: { type: "object" } }],
      }],
      ["anthropic: adaptive thinking and no tool choice", ANTHROPIC, { ...anthropic, thinking: { type: "adaptive" }, tool_choice: { type: "none" } }],
    ];
    it.each(table)("%s", (_name, schema, body) => {
      expect(problems(schema, body)).toEqual([]);
    });
  });

  describe("reject structurally broken requests", () => {
    const { model: _model, ...openaiWithoutModel } = openai;
    const { max_tokens: _maxTokens, ...anthropicWithoutMaxTokens } = anthropic;
    const table: Array<[string, string, unknown, string]> = [
      ["openai: model is a number", OPENAI, { ...openai, model: 4 }, "/model type"],
      ["openai: model is missing", OPENAI, openaiWithoutModel, "/ required model"],
      ["openai: messages is a string", OPENAI, { ...openai, messages: "Hi" }, "/messages type"],
      ["openai: messages is empty", OPENAI, { ...openai, messages: [] }, "/messages minItems"],
      ["openai: a message has no role", OPENAI, { ...openai, messages: [{ content: "Hi" }] }, "/messages/0 required role"],
      ["openai: role is robot", OPENAI, { ...openai, messages: [{ role: "robot", content: "Hi" }] }, "/messages/0/role const"],
      ["openai: stream is a string", OPENAI, { ...openai, stream: "yes" }, "/stream type"],
      ["openai: max_tokens is a string", OPENAI, { ...openai, max_tokens: "100" }, "/max_tokens type"],
      ["openai: max_tokens is fractional", OPENAI, { ...openai, max_tokens: 1.5 }, "/max_tokens type"],
      ["openai: tool message without tool_call_id", OPENAI, { ...openai, messages: [{ role: "tool", content: "18 C" }] }, "/messages/0 required tool_call_id"],
      ["openai: unknown content part", OPENAI, { ...openai, messages: [{ role: "user", content: [{ type: "video", url: "x" }] }] }, "/messages/0/content/0/type const"],
      ["openai: tools is an object", OPENAI, { ...openai, tools: { type: "function" } }, "/tools type"],
      ["anthropic: max_tokens is missing", ANTHROPIC, anthropicWithoutMaxTokens, "/ required max_tokens"],
      ["anthropic: model is a number", ANTHROPIC, { ...anthropic, model: 3.5 }, "/model type"],
      ["anthropic: messages is an object", ANTHROPIC, { ...anthropic, messages: { role: "user", content: "Hi" } }, "/messages type"],
      ["anthropic: a message has no role", ANTHROPIC, { ...anthropic, messages: [{ content: "Hi" }] }, "/messages/0 required role"],
      ["anthropic: role is robot", ANTHROPIC, { ...anthropic, messages: [{ role: "robot", content: "Hi" }] }, "/messages/0/role const"],
      ["anthropic: max_tokens is a string", ANTHROPIC, { ...anthropic, max_tokens: "256" }, "/max_tokens type"],
      ["anthropic: stream is a string", ANTHROPIC, { ...anthropic, stream: "true" }, "/stream type"],
      ["anthropic: system is a number", ANTHROPIC, { ...anthropic, system: 1 }, "/system type"],
      ["anthropic: tool_result without tool_use_id", ANTHROPIC, {
        ...anthropic,
        messages: [{ role: "user", content: [{ type: "tool_result", content: "18 C" }] }],
      }, "/messages/0/content/0 required tool_use_id"],
      ["anthropic: custom tool without input_schema", ANTHROPIC, { ...anthropic, tools: [{ name: "lookup" }] }, "/tools/0 required input_schema"],
    ];
    it.each(table)("%s", (_name, schema, body, want) => {
      expect(problems(schema, body)).toContain(want);
    });
  });
});

describe("the official SDKs and the fixtures", () => {
  function sse(events: readonly Json[], named: boolean, done: boolean): Response {
    const frames = events.map((e) => `${named ? `event: ${(e as { type: string }).type}\n` : ""}data: ${JSON.stringify(e)}\n\n`);
    if (done) frames.push("data: [DONE]\n\n");
    return new Response(frames.join(""), { headers: { "content-type": "text/event-stream" } });
  }

  /** A fetch that records request bodies and answers without touching the network. */
  function fakeFetch(respond: () => Response): { fetch: typeof fetch; sent: unknown[] } {
    const sent: unknown[] = [];
    const fakeFetch = async (_input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      sent.push(JSON.parse(String(init?.body)));
      return respond();
    };
    return { fetch: fakeFetch as typeof fetch, sent };
  }

  function fixture<T>(name: string): T {
    return readJson(path.join(FIXTURE_DIR, name)) as T;
  }

  it("openai: the SDK's request body validates, and it assembles the tool-call stream", async () => {
    const { fetch, sent } = fakeFetch(() => sse(payloadsOf("openai.chat.chunk.tool-call-stream.json"), false, true));
    const client = new OpenAI({ apiKey: "sk-test", baseURL: "http://127.0.0.1:9/v1", fetch, maxRetries: 0 });
    const params = fixture<OpenAI.ChatCompletionCreateParamsStreaming>("openai.chat.request.tools-and-image.json");
    const completion = await client.chat.completions.stream(params).finalChatCompletion();

    expect(sent).toHaveLength(1);
    expect(problems("openai.chat.request.json", sent[0])).toEqual([]);
    const calls = completion.choices[0]!.message.tool_calls!.map((c) => (c.type === "function" ? JSON.parse(c.function.arguments) : c));
    expect(calls).toEqual([{ location: "Paris, France" }, { location: "Tokyo, Japan" }]);
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(1024);
  });

  it("openai: the SDK parses the tool-call response", async () => {
    const body = JSON.stringify(readJson(path.join(FIXTURE_DIR, "openai.chat.response.tool-calls.json")));
    const { fetch } = fakeFetch(() => new Response(body, { headers: { "content-type": "application/json" } }));
    const client = new OpenAI({ apiKey: "sk-test", baseURL: "http://127.0.0.1:9/v1", fetch, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Weather?" }] });
    expect(completion.choices[0]!.message.tool_calls).toHaveLength(2);
  });

  /**
   * A captured request, for the SDK under another model name: the SDK writes a deprecation notice to stderr for
   * a model on its end-of-life list (the fixture's claude-sonnet-4-5), which reads like a failure in the test
   * output. Which model it names does not matter here.
   */
  const sdkParams = (name: string): Anthropic.MessageCreateParamsStreaming => ({ ...fixture<Anthropic.MessageCreateParamsStreaming>(name), model: "claude-fixture" });

  it("anthropic: the SDK's request body validates, and it assembles thinking, text and tool input", async () => {
    const { fetch, sent } = fakeFetch(() => sse(payloadsOf("anthropic.messages.event.tool-use-stream.json"), true, false));
    const client = new Anthropic({ apiKey: "test", baseURL: "http://127.0.0.1:9", fetch, maxRetries: 0 });
    const params = sdkParams("anthropic.messages.request.tools-and-image.json");
    const message = await client.messages.stream(params).finalMessage();

    expect(sent).toHaveLength(1);
    expect(problems("anthropic.messages.request.json", sent[0])).toEqual([]);
    expect(message.content.map((b) => b.type)).toEqual(["thinking", "text", "tool_use"]);
    const [thinking, , toolUse] = message.content;
    expect(thinking?.type === "thinking" && thinking.signature).toBe("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds");
    expect(toolUse?.type === "tool_use" && toolUse.input).toEqual({ location: "San Francisco, CA", unit: "fahrenheit" });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.usage.output_tokens).toBe(89);
  });

  it("anthropic: the SDK surfaces an in-stream error event", async () => {
    const { fetch } = fakeFetch(() => sse(payloadsOf("anthropic.messages.event.overloaded-error.json"), true, false));
    const client = new Anthropic({ apiKey: "test", baseURL: "http://127.0.0.1:9", fetch, maxRetries: 0 });
    const stream = client.messages.stream(sdkParams("anthropic.messages.request.tools-and-image.json"));
    await expect(stream.finalMessage()).rejects.toThrow(/Overloaded/);
  });
});

describe("emitProviderTypes", () => {
  const ROOT_TYPES: Record<string, string> = {
    "openai-chat-request.ts": "OpenAIChatRequest",
    "openai-chat-response.ts": "OpenAIChatResponse",
    "openai-chat-chunk.ts": "OpenAIChatChunk",
    "anthropic-messages-request.ts": "AnthropicMessagesRequest",
    "anthropic-messages-response.ts": "AnthropicMessagesResponse",
    "anthropic-messages-event.ts": "AnthropicStreamEvent",
    "gemini-generate-request.ts": "GeminiGenerateContentRequest",
    "gemini-generate-response.ts": "GeminiGenerateContentResponse",
    "ollama-chat-request.ts": "OllamaChatRequest",
    "ollama-chat-response.ts": "OllamaChatResponse",
    "openai-responses-request.ts": "OpenAIResponsesRequest",
    "openai-responses-response.ts": "OpenAIResponsesResponse",
    "openai-responses-event.ts": "OpenAIResponsesStreamEvent",
  };
  let files: Array<{ file: string; content: string }>;
  const content = (file: string): string => files.find((f) => f.file === file)?.content ?? "";

  beforeAll(async () => {
    files = await emitProviderTypes(SCHEMA_DIR);
  });

  it("writes one module per schema and an index, in a stable order", () => {
    expect(files.map((f) => f.file)).toEqual([
      "anthropic-messages-event.ts",
      "anthropic-messages-request.ts",
      "anthropic-messages-response.ts",
      "gemini-generate-request.ts",
      "gemini-generate-response.ts",
      "ollama-chat-request.ts",
      "ollama-chat-response.ts",
      "openai-chat-chunk.ts",
      "openai-chat-request.ts",
      "openai-chat-response.ts",
      "openai-responses-event.ts",
      "openai-responses-request.ts",
      "openai-responses-response.ts",
      "index.ts",
    ]);
  });

  it.each(Object.entries(ROOT_TYPES))("%s exports %s under our banner", (file, rootType) => {
    const schema = file.replace(/\.ts$/, "").replaceAll("-", ".");
    expect(content(file).split("\n")[0]).toBe(`// Code generated by switchyard-gen from schema/providers/${schema}.json. DO NOT EDIT.`);
    expect(exportedNames(content(file))).toContain(rootType);
  });

  it("names every titled schema exactly as its title (no renamed or dropped definitions)", () => {
    for (const schemaFile of schemaFiles) {
      const titles = new Set<string>();
      collectTitles(readJson(path.join(SCHEMA_DIR, schemaFile)), titles);
      const names = exportedNames(content(`${schemaFile.replace(/\.json$/, "").replaceAll(".", "-")}.ts`));
      expect(new Set(names), schemaFile).toEqual(titles);
    }
  });

  it("re-exports every module from index.ts", () => {
    expect(content("index.ts")).toBe(
      "// Code generated by switchyard-gen from schema/providers/*.json. DO NOT EDIT.\n\n" +
        Object.keys(ROOT_TYPES).sort().map((f) => `export type * from "./${f}";`).join("\n") +
        "\n",
    );
  });

  it("is deterministic", async () => {
    expect(await emitProviderTypes(SCHEMA_DIR)).toEqual(files);
  });

  it("type-checks under the project tsconfig; fixtures and the SDKs' own types are assignable to it", () => {
    const probeDir = path.join(ROOT, "test/.build/provider-types");
    const project = new Project({ tsConfigFilePath: path.join(ROOT, "tsconfig.json"), skipAddingFilesFromTsConfig: true });
    for (const f of files) project.createSourceFile(path.join(probeDir, f.file), f.content, { overwrite: true });
    project.createSourceFile(path.join(probeDir, "fixtures.probe.ts"), fixturesProbe(), { overwrite: true });
    project.createSourceFile(path.join(probeDir, "sdk.probe.ts"), SDK_PROBE, { overwrite: true });
    const errors = project.getPreEmitDiagnostics().map((d) => {
      const where = `${path.basename(d.getSourceFile()?.getFilePath() ?? "?")}:${d.getLineNumber() ?? 0}`;
      return `${where}: ${ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n")}`;
    });
    expect(errors).toEqual([]);
  });

  /** Every fixture as a typed constant; `loose` lets unknown keys through while literal types still check. */
  function fixturesProbe(): string {
    const lines = ['import type * as G from "./index.ts";', "function loose<T>(value: T): T {", "  return value;", "}"];
    for (const [i, fixture] of fixtureFiles.entries()) {
      const rootType = ROOT_TYPES[`${schemaOf(fixture).replace(/\.json$/, "").replaceAll(".", "-")}.ts`]!;
      const type = STREAM_SCHEMAS.has(schemaOf(fixture)) ? `G.${rootType}[]` : `G.${rootType}`;
      lines.push(`// ${fixture}`, `export const fixture${i}: ${type} = loose(${readFileSync(path.join(FIXTURE_DIR, fixture), "utf8").trim()});`);
    }
    return `${lines.join("\n")}\n`;
  }

  describe("refuses schemas it cannot name stably", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), "switchyard-provider-schemas-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function write(files: Record<string, unknown>): string {
      const sub = mkdtempSync(path.join(dir, "case-"));
      for (const [name, schema] of Object.entries(files)) writeFileSync(path.join(sub, name), JSON.stringify(schema));
      return sub;
    }
    const usage = { title: "Usage", type: "object", properties: { tokens: { type: "integer" } } };

    it("the same type name from two files", async () => {
      const sub = write({
        "a.chat.response.json": { title: "AResponse", type: "object", properties: { usage: { $ref: "#/definitions/Usage" } }, definitions: { Usage: usage } },
        "b.chat.response.json": { title: "BResponse", type: "object", properties: { usage: { $ref: "#/definitions/Usage" } }, definitions: { Usage: usage } },
      });
      await expect(emitProviderTypes(sub)).rejects.toThrow(/Usage \(a-chat-response\.ts, b-chat-response\.ts\)/);
    });

    it("a $ref to another file", async () => {
      const sub = write({ "a.chat.request.json": { title: "ARequest", type: "object", properties: { usage: { $ref: "b.json#/definitions/Usage" } } } });
      await expect(emitProviderTypes(sub)).rejects.toThrow(/a\.chat\.request\.json\/properties\/usage\/\$ref: "b\.json#\/definitions\/Usage" is not a local reference/);
    });

    it("a root without a title", async () => {
      const sub = write({ "a.chat.request.json": { type: "object", properties: { model: { type: "string" } } } });
      await expect(emitProviderTypes(sub)).rejects.toThrow(/a\.chat\.request\.json: the root needs a "title"/);
    });
  });
});

/**
 * Everything the pinned SDKs can send or receive must fit the generated types (and so the schemas they come
 * from). Each check names the SDK union members that do not fit. The one deliberate difference: where the
 * SDKs say `unknown` (tool_use input, input_schema.properties) the API documents an object, and so do we.
 */
const SDK_PROBE = `
import type * as O from "openai/resources/chat/completions";
import type * as A from "@anthropic-ai/sdk/resources/messages";
import type * as G from "./index.ts";

type Primitive = string | number | boolean | bigint | symbol | null | undefined;
type ObjectWhereUnknown<T> = T extends Primitive
  ? T // before the object case: the SDKs' \`string & {}\` model names must stay strings
  : T extends readonly (infer U)[]
    ? ObjectWhereUnknown<U>[]
    : { [K in keyof T]: unknown extends T[K] ? { [k: string]: unknown } : ObjectWhereUnknown<T[K]> };
type Misfits<S, T> = S extends unknown ? ([ObjectWhereUnknown<S>] extends [T] ? never : S) : never;
type None<T extends never> = T;
type ToolResultContent = Exclude<NonNullable<A.ToolResultBlockParam["content"]>, string>[number];

export type Checks = [
  None<Misfits<O.ChatCompletionCreateParams, G.OpenAIChatRequest>>,
  None<Misfits<O.ChatCompletionMessageParam, G.OpenAIChatMessage>>,
  None<Misfits<O.ChatCompletionContentPart, G.OpenAIChatContentPart>>,
  None<Misfits<O.ChatCompletionTool, G.OpenAIChatTool>>,
  None<Misfits<O.ChatCompletionToolChoiceOption, G.OpenAIChatToolChoice>>,
  None<Misfits<O.ChatCompletion, G.OpenAIChatResponse>>,
  None<Misfits<O.ChatCompletionMessageToolCall, G.OpenAIChatToolCall>>,
  None<Misfits<O.ChatCompletionChunk, G.OpenAIChatChunk>>,
  None<Misfits<A.MessageCreateParams, G.AnthropicMessagesRequest>>,
  None<Misfits<A.MessageParam, G.AnthropicMessageParam>>,
  None<Misfits<A.ContentBlockParam, G.AnthropicContentBlockParam>>,
  None<Misfits<ToolResultContent, G.AnthropicToolResultContentBlock>>,
  None<Misfits<A.ToolUnion, G.AnthropicTool>>,
  None<Misfits<A.ToolChoice, G.AnthropicToolChoice>>,
  None<Misfits<A.ThinkingConfigParam, G.AnthropicThinkingConfig>>,
  None<Misfits<A.Message, G.AnthropicMessagesResponse>>,
  None<Misfits<A.ContentBlock, G.AnthropicContentBlock>>,
  None<Misfits<A.RawMessageStreamEvent, G.AnthropicStreamEvent>>,
  None<Misfits<A.RawContentBlockDelta, G.AnthropicContentBlockDelta>>,
];
`;

function collectTitles(node: Json, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectTitles(item, into);
  } else if (node !== null && typeof node === "object") {
    if (typeof node.title === "string") into.add(node.title);
    for (const value of Object.values(node)) collectTitles(value, into);
  }
}

/** Adds an unknown key to every object, except inside maps whose values the schemas constrain. */
function withUnknownKeys(value: Json, parentKey = ""): Json {
  if (Array.isArray(value)) return value.map((item) => withUnknownKeys(item));
  if (value === null || typeof value !== "object") return value;
  const out: { [key: string]: Json } = {};
  for (const [key, child] of Object.entries(value)) out[key] = withUnknownKeys(child, key);
  if (parentKey !== "logit_bias" && parentKey !== "metadata") out.x_switchyard_unknown = { added: true };
  return out;
}
