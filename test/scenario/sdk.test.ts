// The official SDKs accept what playback produces: the frames are served as-is from a loopback node:http
// server and read by `openai` and `@anthropic-ai/sdk`, streamed and not, through a whole demo conversation.
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileScenario } from "../../generator/scenario.ts";
import { playScenario } from "../../runtime/scenario/play.ts";
import type { CompiledScenario } from "../../runtime/scenario/types.ts";

const demo: CompiledScenario = compileScenario("demo.yaml", readFileSync(fileURLToPath(new URL("../../scenarios/demo.yaml", import.meta.url)), "utf8")).scenario!;
const GREETING = demo.responses[0]!.parts.flatMap((p) => (p.type === "text" ? p.chunks.map(([, t]) => t) : [])).join("");
const THINKING = demo.responses[0]!.parts.flatMap((p) => (p.type === "think" ? p.chunks.map(([, t]) => t) : [])).join("");
const ANSWER = demo.responses[2]!.parts.flatMap((p) => (p.type === "text" ? p.chunks.map(([, t]) => t) : [])).join("");
/** Frames are written on their delays, scaled down so the suite stays fast but the stream really is paced. */
const SPEED = 50;

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (raw += chunk));
    req.on("end", async () => {
      const body = JSON.parse(raw);
      const api = req.url!.endsWith("/chat/completions") ? "openai" : "anthropic";
      const reply = playScenario(demo, { api, body, stream: body.stream === true, model: body.model }, { speed: SPEED });
      res.writeHead(200, { "content-type": reply.contentType });
      for (const frame of reply.frames) {
        if (frame.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, frame.delayMs));
        res.write(frame.data);
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const openai = () => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: "test-key", maxRetries: 0 });
const anthropic = () => new Anthropic({ baseURL: baseUrl, apiKey: "test-key", maxRetries: 0 });
const WEATHER_TOOL = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };

describe("openai SDK", () => {
  it("iterates chat.completions.create({ stream: true }) through the demo conversation", async () => {
    const client = openai();
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Hi!" }];

    let text = "";
    let finish: string | null = null;
    for await (const chunk of await client.chat.completions.create({ model: "demo", messages, stream: true })) {
      expect(chunk.model).toBe("demo");
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(GREETING);
    expect(finish).toBe("stop");
    messages.push({ role: "assistant", content: text }, { role: "user", content: "Weather in Paris?" });

    const args: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of await client.chat.completions.create({ model: "demo", messages, tools: [WEATHER_TOOL], stream: true, stream_options: { include_usage: true } })) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (call.function?.name) expect(call.function.name).toBe("get_weather");
        args[call.index] = (args[call.index] ?? "") + (call.function?.arguments ?? "");
      }
      usage = chunk.usage ?? usage;
    }
    expect(args.map((a) => JSON.parse(a))).toEqual([{ city: "Paris" }]);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    expect(usage!.prompt_tokens).toBeGreaterThan(0);
    messages.push(
      { role: "assistant", content: null, tool_calls: [{ id: "call_scn_1_0", type: "function", function: { name: "get_weather", arguments: args[0]! } }] },
      { role: "tool", tool_call_id: "call_scn_1_0", content: "18°C, sunny" },
    );

    const done = await client.chat.completions.create({ model: "demo", messages });
    expect(done.choices[0]!.message.content).toBe(ANSWER);
    expect(done.choices[0]!.finish_reason).toBe("stop");
  });

  it("assembles a tool call with chat.completions.stream(...).finalChatCompletion()", async () => {
    const final = await openai()
      .chat.completions.stream({ model: "demo", tools: [WEATHER_TOOL], messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }] })
      .finalChatCompletion();
    const message = final.choices[0]!.message;
    expect(message.content).toBe("Let me check the weather in Paris.");
    expect(message.tool_calls).toEqual([{ id: "call_scn_1_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("reads non-stream chat.completions.create replies", async () => {
    const first = await openai().chat.completions.create({ model: "gpt-demo", messages: [{ role: "user", content: "Hi!" }] });
    expect(first.model).toBe("gpt-demo");
    expect(first.choices[0]!.message.content).toBe(GREETING);
    expect(first.usage!.total_tokens).toBe(first.usage!.prompt_tokens + first.usage!.completion_tokens);

    const second = await openai().chat.completions.create({ model: "gpt-demo", messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }] });
    const call = second.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && [call.function.name, JSON.parse(call.function.arguments)]).toEqual(["get_weather", { city: "Paris" }]);
  });
});

describe("@anthropic-ai/sdk", () => {
  it("builds messages.stream(...).finalMessage() through the demo conversation", async () => {
    const client = anthropic();
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Hi!" }];

    const stream = client.messages.stream({ model: "claude-demo", max_tokens: 1024, messages });
    let streamed = "";
    stream.on("text", (delta) => (streamed += delta));
    const first = await stream.finalMessage();
    expect(first.model).toBe("claude-demo");
    expect(first.stop_reason).toBe("end_turn");
    expect(first.content).toEqual([
      { type: "thinking", thinking: THINKING, signature: "sig_scn_0_0" },
      { type: "text", text: GREETING },
    ]);
    expect(streamed).toBe(GREETING);
    expect(first.usage.output_tokens).toBe(Math.ceil((THINKING + GREETING).length / 4));
    messages.push({ role: "assistant", content: first.content }, { role: "user", content: "Weather in Paris?" });

    const second = await client.messages.stream({ model: "claude-demo", max_tokens: 1024, messages }).finalMessage();
    expect(second.stop_reason).toBe("tool_use");
    const toolUse = second.content.find((block) => block.type === "tool_use")!;
    expect(toolUse).toEqual({ type: "tool_use", id: "toolu_scn_1_0", name: "get_weather", input: { city: "Paris" } });
    messages.push({ role: "assistant", content: second.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "18°C, sunny" }] });

    const third = await client.messages.stream({ model: "claude-demo", max_tokens: 1024, messages }).finalMessage();
    expect(third.content).toEqual([{ type: "text", text: ANSWER }]);
  });

  it("iterates raw events from messages.create({ stream: true })", async () => {
    const types: string[] = [];
    for await (const event of await anthropic().messages.create({ model: "claude-demo", max_tokens: 64, stream: true, messages: [{ role: "user", content: "Hi!" }] })) {
      types.push(event.type);
    }
    expect(types[0]).toBe("message_start");
    expect(types.slice(-2)).toEqual(["message_delta", "message_stop"]);
  });

  it("reads non-stream messages.create replies", async () => {
    const message = await anthropic().messages.create({ model: "claude-demo", max_tokens: 64, messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }] });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([
      { type: "text", text: "Let me check the weather in Paris." },
      { type: "tool_use", id: "toolu_scn_1_0", name: "get_weather", input: { city: "Paris" } },
    ]);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
  });
});
