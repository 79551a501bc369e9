// The Vercel AI SDK, installed from npm at pinned versions, against Switchyard as its users configure it: a
// provider created with `baseURL` at the gateway and a Switchyard client key. For each provider and route,
// generateText, streamText, and a tool round trip run by the SDK's own loop (stopWhen), pass-through to an
// upstream of the same API and translated across APIs. The SDKs are loaded at run time from their install
// folder, so their values are typed `any` here; the assertions say what a user of them relies on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TEXT, DEFAULT_USAGE, type MockUpstream } from "../support/mock-upstream.ts";
import { installLibraries } from "../support/npm-client.ts";
import { mark, startClientsGateway, TOOL_ANSWER_PREFIX, toolResultIn, WEATHER, type ClientsGateway } from "./harness.ts";

const AI_SDK = ["ai@6.0.333", "@ai-sdk/openai@3.0.141", "@ai-sdk/anthropic@3.0.140", "zod@4.6.7"];
const TOOL_OUTPUT = "Sunny, 21 °C";

let sdk: Awaited<ReturnType<typeof installLibraries>>;
let ai: any;
let openai: any;
let anthropic: any;
let setup: ClientsGateway | undefined;
/** Why the Responses API case cannot run on this build, if it cannot. */
let responsesMissing: string | undefined;

beforeAll(async () => {
  const started = Date.now();
  sdk = await installLibraries(AI_SDK);
  if (!sdk.ok) {
    console.warn(`AI SDK tests skipped: ${sdk.reason}`);
    return;
  }
  console.info(`${AI_SDK.join(" ")} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  setup = await startClientsGateway("clients-ai-sdk");
  const { gw, key } = setup;
  const [aiModule, openaiModule, anthropicModule] = await Promise.all([sdk.load("ai"), sdk.load("@ai-sdk/openai"), sdk.load("@ai-sdk/anthropic")]);
  ai = aiModule;
  openai = openaiModule.createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: key });
  anthropic = anthropicModule.createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: key });
  // The default `openai(model)` speaks the Responses API: its case runs once the gateway serves /v1/responses.
  const probe = await fetch(`${gw.url}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "gpt-mock", input: "ping" }),
  });
  if (probe.status === 404) responsesMissing = `the gateway answers POST /v1/responses with 404: ${(await probe.text()).slice(0, 200)}`;
}, 600_000);

afterAll(async () => {
  await setup?.stop();
});

interface Case {
  title: string;
  model(): any;
  route: string;
  /** The client's API, as the request log names it. */
  api: "openai" | "anthropic" | "responses";
  upstream(): MockUpstream;
  /** The model name the upstream sees. */
  upstreamModel: string;
  translated: boolean;
  skip?(): string | undefined;
}

const cases: Case[] = [
  { title: "@ai-sdk/openai .chat() → OpenAI-format upstream", model: () => openai.chat("gpt-mock"), route: "gpt-mock", api: "openai", upstream: () => setup!.oa, upstreamModel: "gpt-upstream", translated: false },
  { title: "@ai-sdk/anthropic → Anthropic-format upstream", model: () => anthropic("claude-mock"), route: "claude-mock", api: "anthropic", upstream: () => setup!.an, upstreamModel: "claude-upstream", translated: false },
  { title: "@ai-sdk/anthropic → OpenAI-format upstream, translated", model: () => anthropic("claude-on-openai"), route: "claude-on-openai", api: "anthropic", upstream: () => setup!.oa, upstreamModel: "gpt-upstream", translated: true },
  { title: "@ai-sdk/openai .chat() → Anthropic-format upstream, translated", model: () => openai.chat("gpt-on-anthropic"), route: "gpt-on-anthropic", api: "openai", upstream: () => setup!.an, upstreamModel: "claude-upstream", translated: true },
  {
    title: "@ai-sdk/openai default model (Responses API) → OpenAI-format upstream",
    model: () => openai("gpt-mock"),
    route: "gpt-mock",
    api: "responses",
    upstream: () => setup!.oa,
    upstreamModel: "gpt-upstream",
    // A provider at an address other than OpenAI's own gets chat completions, translated from Responses.
    translated: true,
    skip: () => responsesMissing,
  },
];

function skipUnlessReady(ctx: { skip(condition: boolean, note?: string): void }, c: Case): void {
  ctx.skip(!sdk.ok, sdk.ok ? "" : `the AI SDK could not be installed: ${sdk.reason}`);
  const reason = c.skip?.();
  if (reason !== undefined) console.warn(`${c.title}: skipped, ${reason}`);
  ctx.skip(reason !== undefined, reason);
}

describe.each(cases)("Vercel AI SDK ($title)", (c) => {
  it("generateText returns the upstream's text and usage", async (ctx) => {
    skipUnlessReady(ctx, c);
    const seen = await mark(setup!);
    const result = await ai.generateText({ model: c.model(), prompt: "Say hello", maxOutputTokens: 200, maxRetries: 0 });
    expect(result.text).toBe(DEFAULT_TEXT);
    expect(result.finishReason).toBe("stop");
    expect(result.usage.outputTokens).toBe(DEFAULT_USAGE.output);
    const [upstream] = seen.requests(c.upstream());
    expect(upstream?.json).toMatchObject({ model: c.upstreamModel });
    expect(upstream?.json.stream ?? false).toBe(false);
    const [record] = await seen.records(1);
    expect(record).toMatchObject({ route: c.route, api: c.api, status: 200, key_name: "clients-ai-sdk" });
    expect(Boolean(record!.attempts[0].translated)).toBe(c.translated);
  });

  it("streamText streams the upstream's text in pieces", async (ctx) => {
    skipUnlessReady(ctx, c);
    const seen = await mark(setup!);
    const result = ai.streamText({ model: c.model(), prompt: "Say hello", maxOutputTokens: 200, maxRetries: 0 });
    const pieces: string[] = [];
    for await (const piece of result.textStream) pieces.push(piece);
    expect(pieces.join("")).toBe(DEFAULT_TEXT);
    expect(pieces.length).toBeGreaterThan(1);
    expect(await result.finishReason).toBe("stop");
    expect((await result.usage).outputTokens).toBe(DEFAULT_USAGE.output);
    const [upstream] = seen.requests(c.upstream());
    expect(upstream?.json).toMatchObject({ model: c.upstreamModel, stream: true });
    const [record] = await seen.records(1);
    expect(record).toMatchObject({ route: c.route, api: c.api, status: 200 });
  });

  it("a tool round trip: the SDK runs the called tool and sends its result back, then gets the answer", async (ctx) => {
    skipUnlessReady(ctx, c);
    const seen = await mark(setup!);
    const calls: unknown[] = [];
    const getWeather = ai.tool({
      description: "Current weather in a city",
      inputSchema: ai.jsonSchema({ type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false }),
      execute: async (input: unknown) => {
        calls.push(input);
        return TOOL_OUTPUT;
      },
    });
    const result = await ai.generateText({
      model: c.model(),
      prompt: "What is the weather in Paris?",
      tools: { [WEATHER.name]: getWeather },
      stopWhen: ai.stepCountIs(3),
      maxOutputTokens: 200,
      maxRetries: 0,
    });
    expect(calls).toEqual([WEATHER.arguments]);
    expect(result.steps.length).toBe(2);
    expect(result.steps[0].toolCalls).toMatchObject([{ toolName: WEATHER.name, input: WEATHER.arguments }]);
    expect(result.text).toBe(TOOL_ANSWER_PREFIX + TOOL_OUTPUT);

    const [asked, answered] = seen.requests(c.upstream());
    expect(JSON.stringify(asked?.json.tools)).toContain(WEATHER.name);
    // The result went back under the id the upstream gave the call (OpenAI call_…, Anthropic toolu_…).
    const result2 = toolResultIn(answered!);
    expect(result2?.id).toMatch(c.upstream() === setup!.oa ? /^call_mock\d+$/ : /^toolu_mock\d+$/);
    expect(result2?.text).toContain(TOOL_OUTPUT);
    const records = await seen.records(2);
    expect(records.map((r) => r.status)).toEqual([200, 200]);
  });
});
