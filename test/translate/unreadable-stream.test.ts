// Every translator that reads an upstream's stream, direct or composed: an event whose data is not a JSON
// object stops the translation and says why (StreamTranslator.unreadable), so the runtime can end the
// client's stream with an error instead of closing it as a clean, shorter answer. Blank data (a keep-alive)
// is not such an event. The runtime's side is the hostile corpus's row (test/e2e/hostile/upstream.ts).
import { describe, expect, it } from "vitest";
import { anthropicToOpenAI } from "../../runtime/translate/anthropic-to-openai/index.ts";
import { composeTranslators } from "../../runtime/translate/compose.ts";
import { openaiToAnthropic } from "../../runtime/translate/openai-to-anthropic/index.ts";
import { openaiToGemini } from "../../runtime/translate/openai-to-gemini/index.ts";
import { openaiToOllama } from "../../runtime/translate/openai-to-ollama/index.ts";
import { responsesToChatMiddle, responsesToOpenAI } from "../../runtime/translate/responses-to-openai/index.ts";
import type { AnyTranslator, StreamTranslator } from "../../runtime/translate/translator.ts";
import { testContext } from "./helpers.ts";

const messages = [{ role: "user", content: "hi" }];
const CLIENT_BODY = {
  openai: { model: "m", stream: true, messages },
  anthropic: { model: "m", max_tokens: 10, stream: true, messages },
  responses: { model: "m", stream: true, input: "hi" },
} as const;

/** One event of the upstream's format that carries the text "Hi", as (event name, data). */
const OPENAI_TEXT: [string | undefined, string] = [undefined, JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] })];
const ANTHROPIC_TEXT: Array<[string | undefined, string]> = [
  ["message_start", JSON.stringify({ type: "message_start", message: { id: "msg", type: "message", role: "assistant", content: [], usage: { input_tokens: 1, output_tokens: 1 } } })],
  ["content_block_start", JSON.stringify({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } })],
  ["content_block_delta", JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi" } })],
];
const GEMINI_TEXT: [string | undefined, string] = [undefined, JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "Hi" }] } }] })];
const OLLAMA_TEXT: [string | undefined, string] = [undefined, JSON.stringify({ model: "m", message: { role: "assistant", content: "Hi" }, done: false })];

interface Pair {
  name: string;
  translator: AnyTranslator;
  client: keyof typeof CLIENT_BODY;
  /** Events that start the client's answer with "Hi". */
  opening: Array<[string | undefined, string]>;
}

const PAIRS: Pair[] = [
  { name: "OpenAI upstream → Anthropic client", translator: anthropicToOpenAI, client: "anthropic", opening: [OPENAI_TEXT] },
  { name: "Anthropic upstream → OpenAI client", translator: openaiToAnthropic, client: "openai", opening: ANTHROPIC_TEXT },
  { name: "Gemini upstream → OpenAI client", translator: openaiToGemini, client: "openai", opening: [GEMINI_TEXT] },
  { name: "Gemini upstream → Anthropic client (composed)", translator: composeTranslators(anthropicToOpenAI, openaiToGemini), client: "anthropic", opening: [GEMINI_TEXT] },
  { name: "Ollama upstream → OpenAI client", translator: openaiToOllama, client: "openai", opening: [OLLAMA_TEXT] },
  { name: "Ollama upstream → Anthropic client (composed)", translator: composeTranslators(anthropicToOpenAI, openaiToOllama), client: "anthropic", opening: [OLLAMA_TEXT] },
  { name: "OpenAI upstream → Responses client", translator: responsesToOpenAI, client: "responses", opening: [OPENAI_TEXT] },
  { name: "Anthropic upstream → Responses client (composed)", translator: composeTranslators(responsesToChatMiddle, openaiToAnthropic), client: "responses", opening: ANTHROPIC_TEXT },
];

function open(pair: Pair): StreamTranslator {
  const request = pair.translator.request(CLIENT_BODY[pair.client], testContext("m", "upstream-m"));
  if (!request.ok) throw new Error(`request not translated: ${request.problem.message}`);
  return pair.translator.stream(request.state);
}

/** The opening events' output: the client's answer has begun with the text. */
function begin(stream: StreamTranslator, pair: Pair): string {
  let out = "";
  for (const [event, data] of pair.opening) out += stream.event(event, data);
  return out;
}

describe.each(PAIRS)("$name", (pair) => {
  it("stops at an event that is not JSON, says why, and writes nothing more (end() included)", () => {
    const stream = open(pair);
    expect(begin(stream, pair)).toContain("Hi");
    expect(stream.unreadable).toBeNull();
    expect(stream.event(undefined, "{not json")).toBe("");
    expect(stream.unreadable).toBe('sent an event that is not a JSON object: "{not json"');
    // What follows, even a readable event or the end marker, adds nothing: the answer is not whole.
    for (const [event, data] of pair.opening) expect(stream.event(event, data)).toBe("");
    expect(stream.event(undefined, "[DONE]")).toBe("");
    expect(stream.end()).toBe("");
    expect(stream.unreadable).toBe('sent an event that is not a JSON object: "{not json"');
  });

  it("stops at the first event too, before anything went out", () => {
    const stream = open(pair);
    expect(stream.event(undefined, "<html>502 Bad Gateway</html>")).toBe("");
    expect(stream.unreadable).toContain("<html>502 Bad Gateway</html>");
    expect(stream.end()).toBe("");
  });

  it.each(["null", "[]", "42", '"text"'])("counts JSON that is not an object (%s) as unreadable", (data) => {
    const stream = open(pair);
    begin(stream, pair);
    expect(stream.event(undefined, data)).toBe("");
    expect(stream.unreadable).toBe(`sent an event that is not a JSON object: ${JSON.stringify(data)}`);
  });

  it("takes blank data as a keep-alive, not as unreadable", () => {
    const stream = open(pair);
    begin(stream, pair);
    expect(stream.event(undefined, "")).toBe("");
    expect(stream.event(undefined, "  ")).toBe("");
    expect(stream.unreadable).toBeNull();
    for (const [event, data] of pair.opening.slice(-1)) expect(stream.event(event, data)).toContain("Hi");
  });

  it("quotes at most 100 characters of the event", () => {
    const stream = open(pair);
    stream.event(undefined, "x".repeat(5000));
    expect(stream.unreadable).toBe(`sent an event that is not a JSON object: "${"x".repeat(100)}…"`);
  });
});
