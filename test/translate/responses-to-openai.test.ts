// Responses API client → chat completions upstream (and, composed through chat, → Anthropic): the golden
// fixtures, then on every stream fixture the rules a Responses client relies on, checked programmatically
// (event schema, sequence numbers, item order, deltas that add up to the items of response.completed) and
// by the official SDK's own responses.stream() accumulator fed the translated bytes; schema checks of
// everything produced; the request rules a user relies on.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { createParser } from "eventsource-parser";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import type { OpenAIResponsesRequest } from "../../generated/types/index.ts";
import { composeTranslators } from "../../runtime/translate/compose.ts";
import { openaiToAnthropic } from "../../runtime/translate/openai-to-anthropic/index.ts";
import { responsesToChatMiddle, responsesToOpenAI } from "../../runtime/translate/responses-to-openai/index.ts";
import type { AnyTranslator, TranslationOptions } from "../../runtime/translate/translator.ts";
import { describeGoldenFixtures } from "./golden.ts";
import { translateStream } from "./fixtures.ts";
import { testContext } from "./helpers.ts";

const responsesToAnthropic = composeTranslators(responsesToChatMiddle, openaiToAnthropic);
describeGoldenFixtures("responses-to-openai", responsesToOpenAI);
describeGoldenFixtures("responses-to-anthropic", responsesToAnthropic);

const schemaDir = path.join(import.meta.dirname, "../../schema/providers");
function validator(file: string) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile(JSON.parse(readFileSync(path.join(schemaDir, file), "utf8")));
}
const validClientRequest = validator("openai.responses.request.json");
const validChatRequest = validator("openai.chat.request.json");
const validAnthropicRequest = validator("anthropic.messages.request.json");
const validClientResponse = validator("openai.responses.response.json");
const validClientEvent = validator("openai.responses.event.json");

const PAIRS: ReadonlyArray<{ id: string; translator: AnyTranslator; validUpstream: ReturnType<typeof validator> }> = [
  { id: "responses-to-openai", translator: responsesToOpenAI, validUpstream: validChatRequest },
  { id: "responses-to-anthropic", translator: responsesToAnthropic, validUpstream: validAnthropicRequest },
];

function context(options: Partial<TranslationOptions> = {}) {
  return testContext("gpt-4o", "upstream-model", options);
}

function request(body: Partial<OpenAIResponsesRequest>, options: Partial<TranslationOptions> = {}) {
  return responsesToOpenAI.request({ model: "gpt-4o", input: "Hi", ...body }, context(options));
}

interface Event {
  name: string | undefined;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function parseEvents(sse: string): Event[] {
  const events: Event[] = [];
  createParser({ onEvent: (e) => events.push({ name: e.event, data: JSON.parse(e.data) }) }).feed(sse);
  return events;
}

/** The official SDK's responses.stream() over these bytes: its accumulator throws on an event out of order. */
async function sdkFinalResponse(sse: string) {
  const fetch = async () => new Response(sse, { status: 200, headers: { "content-type": "text/event-stream" } });
  const client = new OpenAI({ apiKey: "unused", baseURL: "http://sdk.invalid/v1", fetch, maxRetries: 0 });
  const types: string[] = [];
  const stream = client.responses.stream({ model: "gpt-4o", input: "Hi" });
  stream.on("event", (event) => types.push(event.type));
  return { response: await stream.finalResponse(), types };
}

for (const { id, translator, validUpstream } of PAIRS) {
  const dir = path.join(import.meta.dirname, "fixtures", id);
  const rules = readdirSync(dir).sort();

  describe(`${id}: what every fixture produces fits the schemas`, () => {
    it.each(rules)("%s", (rule) => {
      const read = (name: string) => readFileSync(path.join(dir, rule, name), "utf8");
      const clientRequest = JSON.parse(read("client-request.json"));
      expect(validClientRequest(clientRequest), JSON.stringify(validClientRequest.errors)).toBe(true);
      const translated = translator.request(clientRequest, { ...context(), clientModel: clientRequest.model });
      if (!translated.ok) return;
      expect(validUpstream(translated.body), JSON.stringify(validUpstream.errors)).toBe(true);
      if (existsSync(path.join(dir, rule, "upstream-response.json"))) {
        const response = translator.response(JSON.parse(read("upstream-response.json")), translated.state);
        expect(validClientResponse(response), JSON.stringify(validClientResponse.errors)).toBe(true);
      }
    });
  });

  const streamRules = rules.filter((rule) => existsSync(path.join(dir, rule, "upstream-stream.sse")));
  describe(`${id}: stream rules, on every stream fixture`, () => {
    it.each(streamRules)("%s", async (rule) => {
      const clientRequest = JSON.parse(readFileSync(path.join(dir, rule, "client-request.json"), "utf8"));
      const translated = translator.request(clientRequest, { ...context(), clientModel: clientRequest.model });
      if (!translated.ok) throw new Error(translated.problem.message);
      const sse = translateStream(translator.stream(translated.state), readFileSync(path.join(dir, rule, "upstream-stream.sse"), "utf8"));
      const events = parseEvents(sse);

      events.forEach((e, i) => {
        expect(e.name, "SSE event name is the payload type").toBe(e.data.type);
        expect(e.data.sequence_number, "sequence numbers count from 0").toBe(i);
        expect(validClientEvent(e.data), `${JSON.stringify(e.data)} ${JSON.stringify(validClientEvent.errors)}`).toBe(true);
      });
      expect(events.slice(0, 2).map((e) => e.name)).toEqual(["response.created", "response.in_progress"]);
      const last = events.at(-1)!;
      const terminal = ["response.completed", "response.incomplete", "response.failed"];
      expect(terminal).toContain(last.name);
      expect(events.filter((e) => terminal.includes(e.name!))).toHaveLength(1);
      if (last.name === "response.failed") {
        expect(events.at(-2)!.name).toBe("error");
        return;
      }

      // Items: added in output_index order; a message or reasoning item is closed before anything else is
      // added (function calls may stay open together); deltas only to open items; each closed once, whole.
      const built: Array<{ item: Record<string, any>; text: string; args: string; summary: string; done: boolean }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
      const open = new Set<number>();
      for (const { name, data } of events) {
        if (name === "response.output_item.added") {
          for (const i of open) expect(built[i]!.item.type, "only function calls stay open while another item starts").toBe("function_call");
          if (data.item.type !== "function_call") expect(open.size, "calls closed before text or reasoning starts").toBe(0);
          expect(data.output_index).toBe(built.length);
          built.push({ item: data.item, text: "", args: "", summary: "", done: false });
          open.add(data.output_index);
        } else if (name === "response.output_item.done") {
          expect(open.has(data.output_index)).toBe(true);
          built[data.output_index]!.done = true;
          built[data.output_index]!.item = data.item;
          open.delete(data.output_index);
        } else if (name?.endsWith(".delta")) {
          expect(open.has(data.output_index), `${name} to an open item`).toBe(true);
          const b = built[data.output_index]!;
          if (name === "response.output_text.delta") b.text += data.delta;
          if (name === "response.function_call_arguments.delta") b.args += data.delta;
          if (name === "response.reasoning_summary_text.delta") b.summary += data.delta;
        }
      }
      expect(open.size, "every item closed before the response ends").toBe(0);
      const final = last.data.response;
      expect(validClientResponse(final), JSON.stringify(validClientResponse.errors)).toBe(true);
      expect(final.output).toEqual(built.map((b) => b.item));
      for (const b of built) {
        if (b.item.type === "message" && b.item.content[0]?.type === "output_text") expect(b.item.content[0].text).toBe(b.text);
        if (b.item.type === "function_call") expect(b.item.arguments).toBe(b.args);
        if (b.item.type === "reasoning" && b.summary) expect(b.item.summary[0].text).toBe(b.summary);
      }
      expect(final.usage.total_tokens).toBe(final.usage.input_tokens + final.usage.output_tokens);

      const sdk = await sdkFinalResponse(sse);
      expect(sdk.types).toEqual(events.map((e) => e.name));
      // The SDK's snapshot takes items as added and deltas, and only response.completed replaces it.
      if (last.name === "response.completed") expect(sdk.response.output).toMatchObject(final.output);
      else expect(sdk.response.output.map((item) => ({ ...item, status: undefined }))).toMatchObject(final.output.map((item: object) => ({ ...item, status: undefined })));
    });
  });
}

describe("responses → chat: request rules", () => {
  it("previous_response_id is a 400 whatever the policy, saying what to send instead", () => {
    const result = request({ previous_response_id: "resp_1" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.path).toBe("/previous_response_id");
    expect(result.problem.message).toContain("Send the whole conversation in `input`");
    expect(result.problem.message).toContain("`store: false`");
  });

  it("store, metadata, include, reasoning.summary and client_metadata are accepted and not sent upstream", () => {
    const result = request({ store: true, metadata: { a: "b" }, include: ["reasoning.encrypted_content"], reasoning: { summary: "auto" }, client_metadata: { x: "y" } } as Partial<OpenAIResponsesRequest>, { unsupported: "reject" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.body).toEqual({ model: "upstream-model", messages: [{ role: "user", content: "Hi" }] });
    const response = responsesToOpenAI.response({ id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] } as never, result.state);
    expect(response).toMatchObject({ store: false, metadata: { a: "b" }, model: "gpt-4o", status: "completed" });
  });

  it("a response without usage from the upstream gets an estimate, input from the prompt", () => {
    const result = request({ input: "x".repeat(400) });
    if (!result.ok) throw new Error(result.problem.message);
    const response = responsesToOpenAI.response({ id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "y".repeat(40) }, finish_reason: "stop" }] } as never, result.state);
    expect(response.usage).toMatchObject({ input_tokens: 100, output_tokens: 10, total_tokens: 110 });
  });

  it("untrusted upstream data: a body that is not a completion gives an empty, valid response", () => {
    const result = request({});
    if (!result.ok) throw new Error(result.problem.message);
    for (const body of [null, 42, "text", { choices: "no" }, { choices: [{ message: { content: 5, tool_calls: [null, { function: 3 }] } }] }]) {
      const response = responsesToOpenAI.response(body as never, result.state);
      expect(validClientResponse(response), JSON.stringify(validClientResponse.errors)).toBe(true);
    }
  });
});
