// Property tests of the two translators together (fast-check): random, schema-valid conversations never make
// a translator throw, and translating a request to the other API and back keeps every text, tool call and
// tool result, with their ids. Random upstream garbage never makes a response or stream translator throw.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anthropicToOpenAI } from "../../runtime/translate/anthropic-to-openai/index.ts";
import { openaiToAnthropic } from "../../runtime/translate/openai-to-anthropic/index.ts";
import type { TranslationContext, TranslationState } from "../../runtime/translate/translator.ts";
import { root } from "../support/gateway.ts";
import { testContext } from "./helpers.ts";

const RUNS = 300;

function schemaValidator(file: string) {
  const schema = JSON.parse(readFileSync(path.join(root, "schema/providers", file), "utf8"));
  const ajv = new Ajv({ strict: false, allErrors: false });
  return ajv.compile(schema);
}
const validOpenAI = schemaValidator("openai.chat.request.json");
const validAnthropic = schemaValidator("anthropic.messages.request.json");

function context(model: string): TranslationContext {
  return testContext(model, model);
}

// ---- arbitraries: a conversation in neutral terms, rendered in either API -------------------------------

const text = fc.string({ minLength: 1, maxLength: 24 }).filter((s) => s.trim() !== "");
const toolName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_-]{0,20}$/);
const args = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean()), { maxKeys: 3 });

interface Call {
  id: string;
  name: string;
  input: Record<string, unknown>;
  result: string;
}
interface Exchange {
  user: string;
  assistantText: string | null;
  calls: Call[];
}

const exchange = fc.record({
  user: text,
  assistantText: fc.option(text, { nil: null }),
  calls: fc.array(fc.record({ name: toolName, input: args, result: text }), { maxLength: 3 }),
});

/** Exchanges with unique call ids, plus the final user question. */
const conversation = fc
  .record({ system: fc.option(text, { nil: null }), exchanges: fc.array(exchange, { maxLength: 4 }), last: text })
  .map(({ system, exchanges, last }) => {
    let n = 0;
    const withIds: Exchange[] = exchanges.map((e) => ({
      user: e.user,
      // An assistant turn says something or calls something.
      assistantText: e.assistantText ?? (e.calls.length ? null : "ok"),
      calls: e.calls.map((c) => ({ ...c, id: `call_${n++}` })),
    }));
    return { system, exchanges: withIds, last };
  });
type Conversation = { system: string | null; exchanges: Exchange[]; last: string };

function asOpenAI(c: Conversation) {
  const messages: unknown[] = [];
  if (c.system) messages.push({ role: "system", content: c.system });
  for (const e of c.exchanges) {
    messages.push({ role: "user", content: e.user });
    messages.push({
      role: "assistant",
      content: e.assistantText,
      ...(e.calls.length ? { tool_calls: e.calls.map((k) => ({ id: k.id, type: "function", function: { name: k.name, arguments: JSON.stringify(k.input) } })) } : {}),
    });
    for (const k of e.calls) messages.push({ role: "tool", tool_call_id: k.id, content: k.result });
  }
  messages.push({ role: "user", content: c.last });
  const names = [...new Set(c.exchanges.flatMap((e) => e.calls.map((k) => k.name)))];
  const tools = names.map((name) => ({ type: "function", function: { name, parameters: { type: "object", properties: {} } } }));
  return { model: "m", messages, ...(tools.length ? { tools } : {}) };
}

function asAnthropic(c: Conversation) {
  const messages: unknown[] = [];
  let pendingResults: unknown[] = [];
  for (const e of c.exchanges) {
    messages.push({ role: "user", content: [...pendingResults, { type: "text", text: e.user }] });
    pendingResults = e.calls.map((k) => ({ type: "tool_result", tool_use_id: k.id, content: k.result }));
    messages.push({
      role: "assistant",
      content: [...(e.assistantText ? [{ type: "text", text: e.assistantText }] : []), ...e.calls.map((k) => ({ type: "tool_use", id: k.id, name: k.name, input: k.input }))],
    });
  }
  messages.push({ role: "user", content: [...pendingResults, { type: "text", text: c.last }] });
  const names = [...new Set(c.exchanges.flatMap((e) => e.calls.map((k) => k.name)))];
  const tools = names.map((name) => ({ name, input_schema: { type: "object", properties: {} } }));
  return { model: "m", max_tokens: 100, ...(c.system ? { system: c.system } : {}), messages, ...(tools.length ? { tools } : {}) };
}

// ---- what must survive a round trip, read back from either API ------------------------------------------

interface Essentials {
  texts: string[];
  calls: Array<{ id: string; name: string; input: unknown }>;
  results: Array<{ id: string; content: string }>;
}

function textOf(content: unknown): string[] {
  if (typeof content === "string") return content === "" ? [] : [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((p: { type?: string; text?: string }) => (p.type === "text" && p.text ? [p.text] : []));
}

function essentialsOfOpenAI(body: { messages: Array<Record<string, any>> }): Essentials {
  const out: Essentials = { texts: [], calls: [], results: [] };
  for (const m of body.messages) {
    if (m.role === "tool") out.results.push({ id: m.tool_call_id, content: textOf(m.content).join("") });
    else out.texts.push(...textOf(m.content));
    for (const call of m.tool_calls ?? []) out.calls.push({ id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) });
  }
  return out;
}

function essentialsOfAnthropic(body: { system?: unknown; messages: Array<Record<string, any>> }): Essentials {
  const out: Essentials = { texts: textOf(body.system), calls: [], results: [] };
  for (const m of body.messages) {
    const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
    for (const b of blocks) {
      if (b.type === "text" && b.text) out.texts.push(b.text);
      if (b.type === "tool_use") out.calls.push({ id: b.id, name: b.name, input: b.input });
      if (b.type === "tool_result") out.results.push({ id: b.tool_use_id, content: textOf(b.content).join("") });
    }
  }
  return out;
}

function translated<T>(result: { ok: true; body: T } | { ok: false; problem: unknown }): T {
  if (!result.ok) throw new Error(`translation refused: ${JSON.stringify(result.problem)}`);
  return result.body;
}

describe("round trips", () => {
  it("generated requests are schema-valid (the property below starts from real requests)", () => {
    fc.assert(
      fc.property(conversation, (c) => {
        expect(validOpenAI(asOpenAI(c)), JSON.stringify(validOpenAI.errors)).toBe(true);
        expect(validAnthropic(asAnthropic(c)), JSON.stringify(validAnthropic.errors)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it("OpenAI → Anthropic → OpenAI keeps text, tool calls and tool results", () => {
    fc.assert(
      fc.property(conversation, (c) => {
        const original = asOpenAI(c);
        const there = translated(openaiToAnthropic.request(original as never, context("m")));
        expect(validAnthropic(there), JSON.stringify(validAnthropic.errors)).toBe(true);
        const back = translated(anthropicToOpenAI.request(there, context("m")));
        expect(essentialsOfOpenAI(back as never)).toEqual(essentialsOfOpenAI(original as never));
      }),
      { numRuns: RUNS },
    );
  });

  it("Anthropic → OpenAI → Anthropic keeps text, tool calls and tool results", () => {
    fc.assert(
      fc.property(conversation, (c) => {
        const original = asAnthropic(c);
        const there = translated(anthropicToOpenAI.request(original as never, context("m")));
        expect(validOpenAI(there), JSON.stringify(validOpenAI.errors)).toBe(true);
        const back = translated(openaiToAnthropic.request(there, context("m")));
        expect(essentialsOfAnthropic(back as never)).toEqual(essentialsOfAnthropic(original as never));
      }),
      { numRuns: RUNS },
    );
  });
});

describe("untrusted upstream data never makes a translator throw", () => {
  const state = (t: typeof openaiToAnthropic | typeof anthropicToOpenAI): TranslationState => {
    const request = t.client === "openai" ? asOpenAI({ system: null, exchanges: [], last: "hi" }) : asAnthropic({ system: null, exchanges: [], last: "hi" });
    const result = t.request(request as never, context("m"));
    if (!result.ok) throw new Error("setup");
    return result.state;
  };
  const eventNames = fc.constantFrom(undefined, "message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop", "ping", "error", "other");
  const data = fc.oneof(fc.constant("[DONE]"), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.anything().map((v) => JSON.stringify(v) ?? "null"));

  for (const translator of [openaiToAnthropic, anthropicToOpenAI]) {
    it(`${translator.client} → ${translator.upstream}: response() on any JSON value`, () => {
      fc.assert(fc.property(fc.anything(), (body) => void translator.response(body as never, state(translator))), { numRuns: RUNS });
    });
    it(`${translator.client} → ${translator.upstream}: stream events of any name and data`, () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(eventNames, data), { maxLength: 20 }), (events) => {
          const stream = translator.stream(state(translator));
          for (const [event, payload] of events) expect(typeof stream.event(event, payload)).toBe("string");
          expect(typeof stream.end()).toBe("string");
        }),
        { numRuns: RUNS },
      );
    });
    it(`${translator.client} → ${translator.upstream}: error() on any text`, () => {
      fc.assert(fc.property(fc.integer({ min: 400, max: 599 }), fc.string(), (status, body) => void JSON.parse(translator.error(status, body))), { numRuns: 100 });
    });
  }
});
