// Record → replay, end to end with the built bundles: conversations of both SDKs (plain and streamed, with a
// tool call) go through a gateway whose routes have `record:`, to live mock upstreams; the upstreams are
// stopped, a second bundle plays the recorded files with `scenario` providers, the same conversations run
// again, and every response body the clients receive is byte-identical to the recorded one.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileScenario } from "../../generator/scenario.ts";
import { buildCase, root, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream, type RecordedRequest } from "../support/mock-upstream.ts";
import { until } from "../support/wait.ts";

const KEYS = { OA_KEY: "sk-oa-record-0123456789abcdefghij", AN_KEY: "sk-ant-record-0123456789abcdefghi" };
/** Redacted by the fixture's `logs.redact` rule, and (the key) by the log's key shapes. */
const ACCOUNT = "ACME-123456";
const USER_KEY = "sk-proj-userpasted0123456789abcdef";
const ECHOED_ACCOUNT = "ACME-654321";
const ADMIN_KEY = "admin-key-for-the-record-test-0123456789";

const weather = { type: "function" as const, function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } } };
const weatherTool = { name: "get_weather", description: "Weather in a city", input_schema: { type: "object" as const, properties: { city: { type: "string" } } } };

/** The mocks pick their answer from the history, as a model would: a tool call first, then text. */
function answer(request: RecordedRequest) {
  const text = JSON.stringify(request.json?.messages ?? []);
  if (text.includes("echo")) return { kind: "reply" as const, text: `Your account is ${ECHOED_ACCOUNT}.` };
  if (text.includes('"tool"') || text.includes("tool_result")) return { kind: "reply" as const, text: "It is sunny in Paris." };
  return { kind: "reply" as const, toolCall: { name: "get_weather", arguments: { city: "Paris" } } };
}

/** A client whose fetch keeps a copy of every response body, as bytes arrive to the SDK. */
function teeFetch(bodies: string[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const copy = response.clone();
    bodies.push(""); // keeps the order of requests, whatever order the bodies finish in
    const slot = bodies.length - 1;
    void copy.text().then((text) => (bodies[slot] = text));
    return response;
  };
}

/** Conversation A (openai SDK): a streamed tool call, then a whole answer to the tool's result. */
async function openaiConversation(openai: OpenAI, prompt: string, headers?: Record<string, string>, model = "gpt-rec") {
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: prompt }];
  const first = await openai.chat.completions.stream({ model, messages, tools: [weather] }, { headers }).finalChatCompletion();
  const call = first.choices[0]!.message.tool_calls![0]!;
  messages.push({ role: "assistant", content: first.choices[0]!.message.content ?? null, tool_calls: [call] } as OpenAI.ChatCompletionAssistantMessageParam);
  messages.push({ role: "tool", tool_call_id: call.id, content: '{"sky":"clear"}' });
  const second = await openai.chat.completions.create({ model, messages, tools: [weather] }, { headers });
  return [call.function.name, second.choices[0]!.message.content];
}

/** Conversation B (@anthropic-ai/sdk): a whole tool call, then a streamed answer to the tool's result. */
async function anthropicConversation(anthropic: Anthropic, model = "claude-rec") {
  const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
  const first = await anthropic.messages.create({ model, max_tokens: 200, system: "Be brief.", messages, tools: [weatherTool] });
  const use = first.content.find((block) => block.type === "tool_use")!;
  messages.push({ role: "assistant", content: first.content });
  messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "clear sky" }] });
  const second = await anthropic.messages.stream({ model, max_tokens: 200, system: "Be brief.", messages, tools: [weatherTool] }).finalMessage();
  return [use.type === "tool_use" ? use.name : "", second.content.map((block) => (block.type === "text" ? block.text : "")).join("")];
}

const caseDir = path.join(root, "test/.build/record-replay");
let oa: MockUpstream;
let an: MockUpstream;
let recorder: RunningGateway;
let player: RunningGateway | undefined;
const recorded = { openai: [] as string[], anthropic: [] as string[] };
let files: string[] = [];
const read = (file: string) => readFileSync(file, "utf8");
const fileWith = (text: string) => files.find((file) => read(file).includes(text))!;
function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir).map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

beforeAll(async () => {
  [oa, an] = await Promise.all([startMockUpstream({ api: "openai", default: answer }), startMockUpstream({ api: "anthropic", default: answer })]);
  const { bundle } = await buildCase("record-replay", "test/e2e/record.routes.yaml");
  recorder = await startGateway(bundle, { ...KEYS, OA_URL: oa.url, AN_URL: an.url, SWITCHYARD_ADMIN_KEY: ADMIN_KEY });
}, 240_000);

afterAll(async () => {
  await recorder?.stop();
  await player?.stop();
  await Promise.all([oa, an].map((m) => m?.close()));
});

describe("recording", () => {
  it("writes each conversation of both SDKs, streamed and whole, as a readable scenario file", async () => {
    const openai = new OpenAI({ baseURL: `${recorder.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: teeFetch(recorded.openai) });
    const anthropic = new Anthropic({ baseURL: recorder.url, apiKey: "unused", maxRetries: 0, fetch: teeFetch(recorded.anthropic) });
    expect(await openaiConversation(openai, `Weather in Paris? My account is ${ACCOUNT}, key ${USER_KEY}.`)).toEqual(["get_weather", "It is sunny in Paris."]);
    expect(await anthropicConversation(anthropic)).toEqual(["get_weather", "It is sunny in Paris."]);
    // Two conversations at once, with the same prompt: each keeps its own file.
    const side = new OpenAI({ baseURL: `${recorder.url}/v1`, apiKey: "unused", maxRetries: 0 });
    await Promise.all([openaiConversation(side, "Parallel weather?"), openaiConversation(side, "Parallel weather?")]);
    // An answer that carries a secret the log redacts.
    await side.chat.completions.create({ model: "gpt-rec", messages: [{ role: "user", content: "echo my account" }] });

    const dir = path.join(recorder.cwd, "recordings");
    const complete = () => files.length === 5 && files.every((f) => read(f).split("- llmResponse:").length - 1 === (read(f).includes("echo") ? 1 : 2));
    await until("five recordings with every turn", () => (files = listFiles(dir)), complete, 10_000);
    expect(files.filter((f) => path.basename(f).startsWith("gpt-rec-"))).toHaveLength(4);
    expect(files.filter((f) => path.basename(f).startsWith("claude-rec-"))).toHaveLength(1);

    const a = read(fileWith("Weather in Paris? My"));
    expect(a).toContain('toolName: "get_weather"');
    expect(a).toContain('args: {"city":"Paris"}');
    expect(a).toContain('- assistant: [[');
    expect(a).toContain('"It is sunny in Paris."]]');
    expect(a).toMatch(/recorded:\n {6}api: openai\n {6}stream: true\n {6}contentType: "text\/event-stream/);
    expect(a).toMatch(/recorded:\n {6}api: openai\n {6}stream: false\n {6}contentType: "application\/json/);
    const parallel = files.filter((f) => read(f).includes("Parallel weather?"));
    expect(parallel).toHaveLength(2);
  });

  it("keeps redacted secrets and keys out of the files", () => {
    const all = files.map(read).join("\n");
    for (const secret of [ACCOUNT, USER_KEY, ECHOED_ACCOUNT, KEYS.OA_KEY, KEYS.AN_KEY]) expect(all).not.toContain(secret);
    expect(all).toContain("My account is [account], key [REDACTED]");
    const echoed = read(fileWith("echo my account"));
    expect(echoed).toContain('"Your account is [account]."');
    // A response redaction changed is kept only as readable events: its bytes held the secret.
    expect(echoed).not.toMatch(/^ *recorded:/m);
  });

  it("writes files that compile without a warning", () => {
    for (const file of files) {
      const result = compileScenario(path.basename(file), read(file));
      expect(result.diagnostics).toEqual([]);
      expect(result.scenario!.responses.length).toBeGreaterThan(0);
    }
    const a = compileScenario("a.yaml", read(fileWith("Weather in Paris? My"))).scenario!;
    expect(a.responses.map((r) => [r.recorded?.api, r.recorded?.stream])).toEqual([["openai", true], ["openai", false]]);
    expect(a.responses[0]!.recorded!.body).toBe(recorded.openai[0]);
  });
});

describe("replay", () => {
  it("in the same gateway: a recording loaded through the control API plays on a scenario route, upstreams stopped", async () => {
    await Promise.all([oa.close(), an.close()]);
    const load = async (name: string, file: string) => {
      const response = await fetch(`${recorder.url}/_switchyard/scenarios`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name, file: path.relative(recorder.cwd, file) }),
      });
      expect(await response.json()).toMatchObject({ name, responses: 2, warnings: [] });
    };
    await load("session-a", fileWith("Weather in Paris? My"));
    await load("session-b", files.find((f) => path.basename(f).startsWith("claude-rec-"))!);
    const replayed = { openai: [] as string[], anthropic: [] as string[] };
    const openai = new OpenAI({ baseURL: `${recorder.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: teeFetch(replayed.openai), defaultHeaders: { "x-switchyard-scenario": "session-a" } });
    const anthropic = new Anthropic({ baseURL: recorder.url, apiKey: "unused", maxRetries: 0, fetch: teeFetch(replayed.anthropic), defaultHeaders: { "x-switchyard-scenario": "session-b" } });
    expect(await openaiConversation(openai, `Weather in Paris? My account is ${ACCOUNT}, key ${USER_KEY}.`, undefined, "replayed")).toEqual(["get_weather", "It is sunny in Paris."]);
    expect(await anthropicConversation(anthropic, "replayed")).toEqual(["get_weather", "It is sunny in Paris."]);
    await until("every body read", () => [...replayed.openai, ...replayed.anthropic], (bodies) => bodies.every(Boolean), 5000);
    expect(replayed.openai).toEqual(recorded.openai.slice(0, 2));
    expect(replayed.anthropic).toEqual(recorded.anthropic);
    // The scenario route is not recorded: still the five files.
    expect(listFiles(path.join(recorder.cwd, "recordings"))).toHaveLength(5);
  });

  it("in a second bundle: the same clients get byte-identical response bodies", async () => {
    await recorder.stop();
    mkdirSync(caseDir, { recursive: true });
    writeFileSync(path.join(caseDir, "gpt.yaml"), read(fileWith("Weather in Paris? My")));
    writeFileSync(path.join(caseDir, "claude.yaml"), read(files.find((f) => path.basename(f).startsWith("claude-rec-"))!));
    const config = path.join(caseDir, "replay.routes.yaml");
    rmSync(config, { force: true });
    writeFileSync(
      config,
      [
        "providers:",
        "  gpt-replay: { kind: scenario, file: gpt.yaml, speed: 0 }",
        "  claude-replay: { kind: scenario, file: claude.yaml, speed: 0 }",
        "routes:",
        "  - { model: gpt-rec, api: openai, targets: [{ provider: gpt-replay }] }",
        "  - { model: claude-rec, api: anthropic, targets: [{ provider: claude-replay }] }",
        "",
      ].join("\n"),
    );
    const { bundle } = await buildCase("record-replay-play", path.relative(root, config));
    player = await startGateway(bundle, {});
    const replayed = { openai: [] as string[], anthropic: [] as string[] };
    const openai = new OpenAI({ baseURL: `${player.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: teeFetch(replayed.openai) });
    const anthropic = new Anthropic({ baseURL: player.url, apiKey: "unused", maxRetries: 0, fetch: teeFetch(replayed.anthropic) });
    expect(await openaiConversation(openai, `Weather in Paris? My account is ${ACCOUNT}, key ${USER_KEY}.`)).toEqual(["get_weather", "It is sunny in Paris."]);
    expect(await anthropicConversation(anthropic)).toEqual(["get_weather", "It is sunny in Paris."]);
    await until("every body read", () => [...replayed.openai, ...replayed.anthropic], (bodies) => bodies.every(Boolean), 5000);
    expect(replayed.openai).toHaveLength(2);
    expect(replayed.openai).toEqual(recorded.openai.slice(0, 2));
    expect(replayed.anthropic).toEqual(recorded.anthropic);
  }, 240_000);
});
