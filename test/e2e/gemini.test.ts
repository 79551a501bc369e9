// End to end through Gemini upstreams with both SDKs: Google AI Studio with an API key, and Vertex AI with an
// OAuth token the gateway obtains from a (loopback) token endpoint with a service-account key.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { GEMINI_DEFAULT_TEXT, GEMINI_DEFAULT_USAGE, startMockGemini, type MockGemini } from "../support/mock-gemini.ts";

const GEMINI_KEY = "AIza-test-key-0123456789abcdefghij";
const ACCESS_TOKEN = "ya29.e2e-access-token";

let gemini: MockGemini;
let tokenServer: Server;
let tokenRequests = 0;
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  gemini = await startMockGemini();
  tokenServer = createServer((req, res) => {
    tokenRequests++;
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: ACCESS_TOKEN, expires_in: 3600, token_type: "Bearer" }));
    });
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, "127.0.0.1", resolve));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyFile = path.join(mkdtempSync(path.join(tmpdir(), "switchyard-vertex-")), "key.json");
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: "service_account",
      client_email: "gateway@my-project.iam.gserviceaccount.com",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
      token_uri: `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`,
    }),
  );
  const { bundle } = await buildCase("gemini", "test/e2e/gemini.routes.yaml");
  gw = await startGateway(bundle, { GEMINI_URL: gemini.url, GEMINI_KEY, VERTEX_KEY_FILE: keyFile });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "client-key", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: "client-key", maxRetries: 0 });
});

afterAll(async () => {
  await gw?.stop();
  await gemini?.close();
  await new Promise((resolve) => tokenServer?.close(resolve));
});

let seen: number;
beforeEach(() => {
  seen = gemini.requests.length;
});

const weatherTool = {
  name: "get_weather",
  description: "Current weather in a city",
  input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
};

describe("Google AI Studio", () => {
  it("openai SDK: generateContent with the key in x-goog-api-key, the model in the URL", async () => {
    const completion = await openai.chat.completions.create({ model: "gemini-2.0-flash", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] });
    expect(completion.choices[0]!.message.content).toBe(GEMINI_DEFAULT_TEXT);
    expect(completion.usage).toMatchObject({ prompt_tokens: GEMINI_DEFAULT_USAGE.prompt, completion_tokens: GEMINI_DEFAULT_USAGE.candidates });
    const upstream = gemini.requests[seen]!;
    expect(upstream.path).toBe("/v1beta/models/gemini-2.0-flash:generateContent");
    expect(upstream.headers["x-goog-api-key"]).toBe(GEMINI_KEY);
    expect(upstream.json.systemInstruction).toEqual({ parts: [{ text: "Be brief." }] });
  });

  it("openai SDK streaming helper: a function call from streamGenerateContent?alt=sse", async () => {
    gemini.script({ kind: "reply", functionCalls: [{ name: "get_weather", args: { city: "Rome" } }] });
    const final = await openai.chat.completions
      .stream({ model: "gemini-2.0-flash", messages: [{ role: "user", content: "Weather in Rome?" }], tools: [{ type: "function", function: { name: "get_weather", parameters: weatherTool.input_schema } }] })
      .finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0] as { function: { name: string; arguments: string } };
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Rome" });
    const upstream = gemini.requests[seen]!;
    expect(upstream.path).toBe("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    // Sanitised for Gemini: no additionalProperties.
    expect(JSON.stringify(upstream.json.tools)).not.toContain("additionalProperties");
  });

  it("the request log has Gemini's usage for a stream whose OpenAI client did not ask for a usage chunk", async () => {
    const logged = await gw.settledLogCount();
    const stream = await openai.chat.completions.create({ model: "gemini-2.0-flash", stream: true, messages: [{ role: "user", content: "Hi" }] });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => !c.usage)).toBe(true);
    const [record] = (await gw.waitForLogRecords(logged + 1)).slice(logged);
    expect(record).toMatchObject({ model: "gemini-2.0-flash", stream: true, status: 200 });
    expect(record!.usage).toMatchObject({ prompt_tokens: GEMINI_DEFAULT_USAGE.prompt, completion_tokens: GEMINI_DEFAULT_USAGE.candidates });
  });

  it("@anthropic-ai/sdk messages.stream().finalMessage() with tools, through the composed translators", async () => {
    gemini.script({ kind: "reply", text: "Let me check.", functionCalls: [{ name: "get_weather", args: { city: "Rome" } }] });
    const final = await anthropic.messages.stream({ model: "gemini-2.5-pro", max_tokens: 200, tools: [weatherTool], messages: [{ role: "user", content: "Weather in Rome?" }] }).finalMessage();
    expect(final.content[0]).toMatchObject({ type: "text", text: "Let me check." });
    expect(final.content.find((b) => b.type === "tool_use")).toMatchObject({ name: "get_weather", input: { city: "Rome" } });
    expect(final.stop_reason).toBe("tool_use");
    expect(final.usage.output_tokens).toBe(GEMINI_DEFAULT_USAGE.candidates);
  });

  it("@anthropic-ai/sdk non-stream", async () => {
    const message = await anthropic.messages.create({ model: "gemini-2.5-pro", max_tokens: 100, messages: [{ role: "user", content: "Hi" }] });
    expect(message.content[0]).toMatchObject({ type: "text", text: GEMINI_DEFAULT_TEXT });
  });

  it("embeddings through batchEmbedContents", async () => {
    const result = await openai.embeddings.create({ model: "text-embedding-004", input: ["a", "b"] });
    expect(result.data).toHaveLength(2);
    expect(gemini.requests[seen]!.path).toBe("/v1beta/models/text-embedding-004:batchEmbedContents");
  });

  it("an upstream 400 comes back as the client's error", async () => {
    gemini.script({ kind: "error", status: 400 });
    const error = await openai.chat.completions.create({ model: "gemini-2.0-flash", messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("Vertex AI", () => {
  it("gets an OAuth token once with the service-account key and calls the publisher model path", async () => {
    const before = tokenRequests;
    for (let i = 0; i < 3; i++) {
      const completion = await openai.chat.completions.create({ model: "vertex-flash", messages: [{ role: "user", content: "Hi" }] });
      expect(completion.choices[0]!.message.content).toBe(GEMINI_DEFAULT_TEXT);
    }
    expect(tokenRequests - before).toBeLessThanOrEqual(1);
    const upstream = gemini.requests[seen]!;
    expect(upstream.path).toBe("/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent");
    expect(upstream.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(upstream.headers["x-goog-api-key"]).toBeUndefined();
  });

  it("the token never appears in the request log", async () => {
    await openai.chat.completions.create({ model: "vertex-flash", messages: [{ role: "user", content: "Hi" }] });
    const log = JSON.stringify(await gw.waitForLogRecords(1));
    expect(log).not.toContain(ACCESS_TOKEN);
  });
});
