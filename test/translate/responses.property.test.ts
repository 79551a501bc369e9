// Property tests of the Responses ⇄ chat completions translator (fast-check):
// - random Responses conversations become schema-valid chat requests that keep every text, call and result
//   in order, with their call ids;
// - an answer's round trip: a chat answer translated to Responses output items, sent back as the next
//   request's input, becomes the same assistant message (text, tool call ids, names, arguments);
// - the same answer streamed (split anywhere) and whole gives the same output items and usage;
// - random upstream garbage never makes the response, stream or error translation throw.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import fc from "fast-check";
import { createParser } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import type { OpenAIResponsesInputItem, OpenAIResponsesRequest } from "../../generated/types/index.ts";
import { responsesToOpenAI } from "../../runtime/translate/responses-to-openai/index.ts";
import { root } from "../support/gateway.ts";
import { testContext } from "./helpers.ts";

const RUNS = 200;
const ajv = new Ajv({ strict: false });
const validChat = ajv.compile(JSON.parse(readFileSync(path.join(root, "schema/providers/openai.chat.request.json"), "utf8")));
const validResponses = ajv.compile(JSON.parse(readFileSync(path.join(root, "schema/providers/openai.responses.request.json"), "utf8")));

const text = fc.string({ minLength: 1, maxLength: 24 }).filter((s) => s.trim() !== "");
const toolName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_-]{0,20}$/);
const args = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean()), { maxKeys: 3 });

const turn = fc.record({
  user: text,
  assistant: fc.option(text, { nil: null }),
  calls: fc.array(fc.record({ name: toolName, input: args, result: text }), { maxLength: 3 }),
});

/** A conversation as Responses input items, with unique call ids. */
const conversation = fc.record({ instructions: fc.option(text, { nil: null }), turns: fc.array(turn, { maxLength: 4 }), last: text }).map(({ instructions, turns, last }) => {
  let n = 0;
  const input: OpenAIResponsesInputItem[] = [];
  for (const t of turns) {
    input.push({ role: "user", content: t.user });
    if (t.assistant !== null) input.push({ type: "message", role: "assistant", content: [{ type: "output_text", text: t.assistant }] });
    const calls = t.calls.map((c) => ({ ...c, id: `call_${n++}` }));
    for (const c of calls) input.push({ type: "function_call", call_id: c.id, name: c.name, arguments: JSON.stringify(c.input) });
    for (const c of calls) input.push({ type: "function_call_output", call_id: c.id, output: c.result });
  }
  input.push({ role: "user", content: [{ type: "input_text", text: last }] });
  const body: OpenAIResponsesRequest = { model: "gpt-4o", input, ...(instructions === null ? {} : { instructions }) };
  return body;
});

/** A chat answer: text and/or tool calls, and its usage. */
const answer = fc.record({
  text: fc.option(text, { nil: null }),
  calls: fc.array(fc.record({ name: toolName, input: args }), { maxLength: 3 }),
  usage: fc.record({ prompt: fc.nat(5000), cached: fc.nat(100), completion: fc.nat(5000) }),
  cuts: fc.array(fc.nat(30), { maxLength: 6 }),
}).filter((a) => a.text !== null || a.calls.length > 0);
type Answer = typeof answer extends fc.Arbitrary<infer T> ? T : never;

function chatUsage(a: Answer) {
  const prompt = a.usage.prompt + a.usage.cached;
  return { prompt_tokens: prompt, completion_tokens: a.usage.completion, total_tokens: prompt + a.usage.completion, prompt_tokens_details: { cached_tokens: a.usage.cached } };
}

function chatBody(a: Answer) {
  return {
    id: "chatcmpl-p",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, finish_reason: a.calls.length ? "tool_calls" : "stop", message: { role: "assistant", content: a.text, tool_calls: a.calls.length ? a.calls.map((c, i) => ({ id: `call_p${i}`, type: "function", function: { name: c.name, arguments: JSON.stringify(c.input) } })) : undefined } }],
    usage: chatUsage(a),
  };
}

/** Splits `s` at the given cut points (modulo its length). */
function pieces(s: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => (s.length ? c % s.length : 0)))].filter((c) => c > 0).sort((x, y) => x - y);
  const out: string[] = [];
  let from = 0;
  for (const c of at) {
    out.push(s.slice(from, c));
    from = c;
  }
  out.push(s.slice(from));
  return out.filter((p) => p !== "");
}

function chatStream(a: Answer): string[] {
  const chunk = (delta: object, finish: string | null = null) => JSON.stringify({ id: "chatcmpl-p", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] });
  const events = [chunk({ role: "assistant", content: "" })];
  if (a.text !== null) for (const p of pieces(a.text, a.cuts)) events.push(chunk({ content: p }));
  a.calls.forEach((c, i) => {
    events.push(chunk({ tool_calls: [{ index: i, id: `call_p${i}`, type: "function", function: { name: c.name, arguments: "" } }] }));
    for (const p of pieces(JSON.stringify(c.input), a.cuts)) events.push(chunk({ tool_calls: [{ index: i, function: { arguments: p } }] }));
  });
  events.push(chunk({}, a.calls.length ? "tool_calls" : "stop"));
  events.push(JSON.stringify({ id: "chatcmpl-p", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: chatUsage(a) }));
  events.push("[DONE]");
  return events;
}

function translate(body: OpenAIResponsesRequest) {
  const result = responsesToOpenAI.request(body, testContext("gpt-4o", "gpt-4o"));
  if (!result.ok) throw new Error(result.problem.message);
  return result;
}

describe("Responses → chat properties", () => {
  it("random conversations are schema-valid on both sides and keep every text, call and result in order", () => {
    fc.assert(
      fc.property(conversation, (body) => {
        expect(validResponses(body)).toBe(true);
        const { body: chat, state } = translate(body);
        expect(validChat(chat), JSON.stringify(validChat.errors)).toBe(true);
        expect(state.dropped).toEqual([]);
        const said = (chat.messages as Array<Record<string, any>>).flatMap((m) => [ // eslint-disable-line @typescript-eslint/no-explicit-any
          ...(typeof m.content === "string" ? [`${m.role}:${m.content}`] : Array.isArray(m.content) ? m.content.map((p: { text: string }) => `${m.role}:${p.text}`) : []),
          ...(m.tool_calls ?? []).map((c: { id: string; function: { name: string; arguments: string } }) => `call:${c.id}:${c.function.name}:${c.function.arguments}`),
          ...(m.role === "tool" ? [`result:${m.tool_call_id}`] : []),
        ]);
        const expected = [
          ...(body.instructions ? [`system:${body.instructions}`] : []),
          ...(body.input as Array<Record<string, any>>).flatMap((item) => { // eslint-disable-line @typescript-eslint/no-explicit-any
            if (item.type === "function_call") return [`call:${item.call_id}:${item.name}:${item.arguments}`];
            if (item.type === "function_call_output") return [`tool:${item.output}`, `result:${item.call_id}`];
            const content = typeof item.content === "string" ? [item.content] : item.content.map((p: { text: string }) => p.text);
            return content.map((t: string) => `${item.role}:${t}`);
          }),
        ];
        // An assistant turn's text comes before its calls in one message, as in the input.
        expect(said).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it("an answer's round trip: chat answer → Responses output → next request's input → the same assistant message", () => {
    fc.assert(
      fc.property(answer, (a) => {
        const { state } = translate({ model: "gpt-4o", input: "q" });
        const response = responsesToOpenAI.response(chatBody(a) as never, state);
        const next = translate({ model: "gpt-4o", input: [{ role: "user", content: "q" }, ...(response.output as OpenAIResponsesInputItem[])] });
        const assistant = next.body.messages[1] as unknown as Record<string, unknown>;
        const original = chatBody(a).choices[0]!.message;
        expect(assistant.content ?? null).toEqual(original.content);
        expect(assistant.tool_calls).toEqual(original.tool_calls);
      }),
      { numRuns: RUNS },
    );
  });

  it("streamed, split anywhere, and whole: the same output items and usage", () => {
    fc.assert(
      fc.property(answer, (a) => {
        const { state } = translate({ model: "gpt-4o", input: "q", stream: true });
        const whole = responsesToOpenAI.response(chatBody(a) as never, state);
        const stream = responsesToOpenAI.stream(state);
        let sse = "";
        for (const data of chatStream(a)) sse += stream.event(undefined, data);
        sse += stream.end();
        let completed: Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
        let sequence = 0;
        createParser({
          onEvent: (e) => {
            const data = JSON.parse(e.data);
            expect(data.sequence_number).toBe(sequence++);
            if (e.event === "response.completed") completed = data.response;
          },
        }).feed(sse);
        expect(completed).toBeDefined();
        expect(completed!.output).toEqual(whole.output);
        expect(completed!.usage).toEqual(whole.usage);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("untrusted upstream data never makes the Responses translator throw", () => {
  const { state } = translate({ model: "gpt-4o", input: "q", stream: true });
  it("whole bodies", () => {
    fc.assert(fc.property(fc.anything(), (body) => void responsesToOpenAI.response(body as never, state)), { numRuns: RUNS });
  });
  it("stream events", () => {
    const data = fc.oneof(fc.string(), fc.json(), fc.constant("[DONE]"), fc.constant('{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"x"}}]}}]}'));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.option(fc.constantFrom("error", "message"), { nil: undefined }), data), { maxLength: 20 }), (events) => {
        const stream = responsesToOpenAI.stream(state);
        for (const [name, d] of events) stream.event(name, d);
        stream.end();
      }),
      { numRuns: RUNS },
    );
  });
  it("error bodies", () => {
    fc.assert(fc.property(fc.integer({ min: 400, max: 599 }), fc.string(), (status, body) => void JSON.parse(responsesToOpenAI.error(status, body))), { numRuns: 100 });
  });
});
