// The official SDKs read what a command attempt sends, streamed and not: each SDK's fetch is pointed at
// attemptCommand (through the recording ClientResponse), so their own parsers judge the bytes.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { attemptCommand } from "../../../runtime/command/attempt.ts";
import type { ClientApi } from "../../../runtime/contract.ts";
import { attemptRequest, FakeClient, nodeUpstream } from "./support.ts";

const upstream = nodeUpstream("echo-prompt.mjs");

/** A fetch that answers every request with one command attempt. */
function commandFetch(api: ClientApi) {
  return async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = JSON.parse(String(init?.body));
    const client = new FakeClient();
    const outcome = await attemptCommand(attemptRequest(api, body), body, upstream, client.client);
    if (outcome.kind !== "relayed") return new Response(JSON.stringify({ error: { message: JSON.stringify(outcome) } }), { status: 502 });
    return new Response(client.output, { status: client.status, headers: client.headers });
  };
}

const openai = new OpenAI({ apiKey: "unused", baseURL: "http://command.test/v1", maxRetries: 0, fetch: commandFetch("openai") });
const anthropic = new Anthropic({ apiKey: "unused", baseURL: "http://command.test", maxRetries: 0, fetch: commandFetch("anthropic") });

describe("openai SDK", () => {
  it("iterates a streamed answer, usage included", async () => {
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    const stream = await openai.chat.completions.create({ model: "cli", messages: [{ role: "user", content: "Hi ✨" }], stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("You said: Hi ✨");
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("assembles the stream with its helper", async () => {
    const final = await openai.chat.completions.stream({ model: "cli", messages: [{ role: "user", content: "Hi" }] }).finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("You said: Hi");
  });

  it("reads a whole answer", async () => {
    const completion = await openai.chat.completions.create({ model: "cli", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] });
    expect(completion.choices[0]?.message.content).toBe("You said: System: Be brief.\n\nUser: Hi");
    expect(completion.model).toBe("cli");
  });
});

describe("anthropic SDK", () => {
  it("assembles a streamed answer into the final message", async () => {
    const deltas: string[] = [];
    const stream = anthropic.messages.stream({ model: "cli", max_tokens: 100, messages: [{ role: "user", content: "Hi ✨" }] });
    stream.on("text", (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "You said: Hi ✨" })]);
    expect(deltas.join("")).toBe("You said: Hi ✨");
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it("reads a whole answer", async () => {
    const message = await anthropic.messages.create({ model: "cli", max_tokens: 100, messages: [{ role: "user", content: "Hi" }] });
    expect(message.content).toEqual([{ type: "text", text: "You said: Hi" }]);
    expect(message.role).toBe("assistant");
  });
});
