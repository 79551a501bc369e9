// End to end through the provider kinds beyond OpenAI and Anthropic, with the official SDKs: each kind's URL
// shape and auth header, translation where its API differs, and the embeddings and completions endpoints.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import path from "node:path";
import { buildCase, logRecordsAfter, root, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { DEFAULT_OLLAMA_TEXT, DEFAULT_OLLAMA_USAGE, startMockOllama, type MockOllama } from "../support/mock-ollama.ts";

const KEYS = { AZURE_KEY: "azure-key-0123456789abcdef0123", OA_KEY: "sk-oa-providers-0123456789abcdef" };

let azure: MockUpstream;
let oa: MockUpstream;
let ollama: MockOllama;
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  [azure, oa, ollama] = await Promise.all([startMockUpstream({ api: "openai" }), startMockUpstream({ api: "openai" }), startMockOllama()]);
  const { bundle } = await buildCase("providers", "test/e2e/providers.routes.yaml");
  gw = await startGateway(bundle, { ...KEYS, AZURE_URL: azure.url, OA_URL: oa.url, OLLAMA_URL: ollama.url, FIXTURES: path.join(root, "test/fixtures/commands") });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "client-key", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: "client-key", maxRetries: 0 });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([azure, oa, ollama].map((m) => m?.close()));
});

let seen: { azure: number; oa: number; ollama: number; log: number };
beforeEach(async () => {
  const log = await gw.settledLogCount();
  seen = { azure: azure.requests.length, oa: oa.requests.length, ollama: ollama.requests.length, log };
});

const hello = [{ role: "user" as const, content: "Say hello" }];
const EMBEDDING = { object: "list", data: [{ object: "embedding", index: 0, embedding: [0.25, -0.5, 1] }], model: "m", usage: { prompt_tokens: 3, total_tokens: 3 } };

describe("azure-openai", () => {
  it("puts the deployment and api-version in the URL and sends the key as api-key", async () => {
    const completion = await openai.chat.completions.create({ model: "gpt-azure", messages: hello });
    expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    const upstream = azure.requests[seen.azure]!;
    expect(upstream.path).toBe("/openai/deployments/my-gpt4o-deployment/chat/completions?api-version=2024-10-21");
    expect(upstream.headers["api-key"]).toBe(KEYS.AZURE_KEY);
    expect(upstream.headers.authorization).toBeUndefined();
  });

  it("serves Anthropic clients through the OpenAI translator, streamed", async () => {
    const final = await anthropic.messages.stream({ model: "gpt-azure", max_tokens: 50, messages: hello }).finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: "text", text: "Hello from the mock upstream." })]);
    expect(azure.requests[seen.azure]!.path).toBe("/openai/deployments/my-gpt4o-deployment/chat/completions?api-version=2024-10-21");
  });
});

describe("POST /v1/embeddings", () => {
  it("passes through to the deployment's embeddings endpoint", async () => {
    azure.script({ kind: "raw", status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(EMBEDDING) });
    const result = await openai.embeddings.create({ model: "text-embedding-3-small", input: "hello", encoding_format: "float" });
    expect(result.data[0]!.embedding).toEqual([0.25, -0.5, 1]);
    expect(azure.requests[seen.azure]!.path).toBe("/openai/deployments/embed-deployment/embeddings?api-version=2024-10-21");
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ path: "/v1/embeddings", route: "text-embedding-3-small", status: 200, usage: { prompt_tokens: 3 } });
  });

  it("retries a 429 on the same target, then falls back to the next one", async () => {
    const limited = { kind: "error", status: 429, headers: { "retry-after": "0" } } as const;
    azure.script(limited, limited);
    oa.script({ kind: "raw", status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(EMBEDDING) });
    const result = await openai.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"], encoding_format: "float" });
    expect(result.data[0]!.embedding).toEqual([0.25, -0.5, 1]);
    expect(oa.requests[seen.oa]!.path).toBe("/v1/embeddings");
    expect(oa.requests[seen.oa]!.json.model).toBe("text-embedding-3-small");
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.attempts.map((a: any) => [a.provider, a.status, a.retry])).toEqual([
      ["azure", 429, undefined],
      ["azure", 429, 1],
      ["oa", 200, undefined],
    ]);
  });

  it("refuses a body without input, in the OpenAI format", async () => {
    const error = await openai.embeddings.create({ model: "text-embedding-3-small" } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain("input");
  });
});

describe("POST /v1/completions", () => {
  it("passes legacy completions through to an OpenAI-compatible upstream", async () => {
    const body = { id: "cmpl-1", object: "text_completion", created: 1, model: "gpt-3.5-turbo-instruct", choices: [{ text: " world", index: 0, logprobs: null, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
    oa.script({ kind: "raw", status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const completion = await openai.completions.create({ model: "gpt-3.5-turbo-instruct", prompt: "hello" });
    expect(completion.choices[0]!.text).toBe(" world");
    expect(oa.requests[seen.oa]!.path).toBe("/v1/completions");
  });

  it("an unknown model is a 404", async () => {
    const error = await openai.completions.create({ model: "nope", prompt: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

const weatherTool = {
  name: "get_weather",
  description: "Current weather in a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
};

describe("ollama (native /api/chat, NDJSON streams)", () => {
  it("openai SDK, non-stream: stream:false is explicit and usage comes from Ollama's counts", async () => {
    const completion = await openai.chat.completions.create({ model: "ollama/llama", messages: hello, max_tokens: 20 });
    expect(completion.choices[0]!.message.content).toBe(DEFAULT_OLLAMA_TEXT);
    expect(completion.usage).toMatchObject({ prompt_tokens: DEFAULT_OLLAMA_USAGE.input, completion_tokens: DEFAULT_OLLAMA_USAGE.output });
    const upstream = ollama.requests[seen.ollama]!;
    expect(upstream.path).toBe("/api/chat");
    expect(upstream.json).toMatchObject({ model: "llama3.2", stream: false, options: { num_predict: 20 } });
  });

  it("openai SDK streaming helper assembles a tool call from NDJSON lines", async () => {
    ollama.script({ kind: "reply", toolCall: { name: "get_weather", arguments: { city: "Oslo" } } });
    const final = await openai.chat.completions
      .stream({ model: "ollama/llama", messages: [{ role: "user", content: "Weather in Oslo?" }], tools: [{ type: "function", function: { name: "get_weather", parameters: weatherTool.input_schema } }] })
      .finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0] as { function: { name: string; arguments: string } };
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Oslo" });
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("the request log has Ollama's counts for a stream whose OpenAI client did not ask for a usage chunk", async () => {
    const stream = await openai.chat.completions.create({ model: "ollama/llama", stream: true, messages: hello });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => !c.usage)).toBe(true);
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ model: "ollama/llama", stream: true, status: 200 });
    expect(record!.usage).toMatchObject({ prompt_tokens: DEFAULT_OLLAMA_USAGE.input, completion_tokens: DEFAULT_OLLAMA_USAGE.output });
  });

  it("@anthropic-ai/sdk messages.stream().finalMessage() through the composed translators, with tools", async () => {
    ollama.script({ kind: "reply", text: "Checking.", toolCall: { name: "get_weather", arguments: { city: "Oslo" } } });
    const final = await anthropic.messages.stream({ model: "ollama/llama", max_tokens: 100, tools: [weatherTool], messages: [{ role: "user", content: "Weather in Oslo?" }] }).finalMessage();
    expect(final.content.find((b) => b.type === "tool_use")).toMatchObject({ name: "get_weather", input: { city: "Oslo" } });
    expect(final.stop_reason).toBe("tool_use");
    expect(final.usage.output_tokens).toBe(DEFAULT_OLLAMA_USAGE.output);
    expect(ollama.requests[seen.ollama]!.json.tools[0].function.name).toBe("get_weather");
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ api: "anthropic", stream: true, status: 200 });
    expect(record!.attempts[0].translated).toMatchObject({ to: "ollama" });
    expect(record!.usage).toMatchObject({ output_tokens: DEFAULT_OLLAMA_USAGE.output });
  });

  it("@anthropic-ai/sdk non-stream", async () => {
    const message = await anthropic.messages.create({ model: "ollama/llama", max_tokens: 100, messages: hello });
    expect(message.content[0]).toMatchObject({ type: "text", text: DEFAULT_OLLAMA_TEXT });
    expect(message.model).toBe("ollama/llama");
  });

  it("embeddings through /api/embed", async () => {
    const result = await openai.embeddings.create({ model: "nomic-embed-text", input: ["a", "b"] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]!.embedding.length).toBeGreaterThan(0);
    expect(ollama.requests[seen.ollama]!.path).toBe("/api/embed");
    expect(ollama.requests[seen.ollama]!.json).toMatchObject({ model: "nomic-embed-text", input: ["a", "b"] });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.attempts[0]).toMatchObject({ provider: "ollama", status: 200, translated: { to: "ollama", dropped: [] } });
  });
});

describe("command (a local CLI)", () => {
  it("answers an OpenAI client from the CLI's stdout, ANSI colours stripped", async () => {
    const completion = await openai.chat.completions.create({ model: "local-cli", messages: [{ role: "user", content: "héllo ☕" }] });
    expect(completion.choices[0]!.message.content).toBe("You said: héllo ☕");
  });

  it("streams to an Anthropic client as the CLI writes", async () => {
    const final = await anthropic.messages.stream({ model: "local-cli", max_tokens: 50, messages: [{ role: "user", content: "stream me" }] }).finalMessage();
    expect(final.content[0]).toMatchObject({ type: "text", text: "You said: stream me" });
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record).toMatchObject({ route: "local-cli", api: "anthropic", stream: true, status: 200, response: { text: "You said: stream me" } });
    // A CLI reports no counts: the log says its usage is an estimate.
    expect(record).toMatchObject({ usage_estimated: true, usage: { output_tokens: expect.any(Number) } });
  });

  it("a CLI that fails before answering falls back to the next target, its exit code and stderr in the log", async () => {
    const completion = await openai.chat.completions.create({ model: "broken-cli-then-openai", messages: hello });
    expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    const [record] = await logRecordsAfter(gw, seen.log, 1);
    expect(record!.attempts[0]).toMatchObject({ provider: "broken-cli", status: null });
    expect(record!.attempts[0].error).toContain("code 3");
    expect(record!.attempts[0].error).toContain("not logged in");
    expect(record!.usage_estimated).toBeUndefined();
  });
});
