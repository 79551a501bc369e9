// Faults on the upstream side: resets and stalls mid-stream, a 200 whose body or stream is not JSON, an
// answer larger than the provider's response_limit, and one client's failures across a glob route's model
// names. Each reaches the client as an error in its own API's format (an error event once a stream has
// started), is logged and counted against the upstream, and none takes anything else down.
import type { Behaviour, MockUpstream } from "../../support/mock-upstream.ts";
import { rawRequest, sendRaw, type HostileRow, type WireResult } from "./wire.ts";

/** The mocks behind hostile.routes.yaml, scripted by the rows that need a fault. */
export interface Upstreams {
  /** The OpenAI mock behind `faulty` (routes faulty-x, claude-via-faulty, claude-guarded, glob-*). */
  faulty: MockUpstream;
  /** The Anthropic mock behind `an` and `an-small` (routes claude-x, gpt-via-claude). */
  an: MockUpstream;
}

const openai = { "content-type": "application/json" };
const anthropic = { "content-type": "application/json", "anthropic-version": "2023-06-01" };
const body = (model: string, stream = false) => JSON.stringify({ model, max_tokens: 10, stream, messages: [{ role: "user", content: "hi" }] });

export const chatRequest = (model: string, stream = false) => rawRequest("POST", "/v1/chat/completions", openai, body(model, stream));
const messagesRequest = (model: string, stream = false) => rawRequest("POST", "/v1/messages", anthropic, body(model, stream));

/** Fails the row unless the stream's body ends in an error the client's SDK raises (not a clean end). */
function endsInError(result: WireResult, marker: RegExp): WireResult {
  if (!marker.test(result.body)) throw new Error(`the stream did not end in an error the client sees:\n${result.body}`);
  return result;
}

/** `upstreams` is read when a row runs (the mocks start in beforeAll, after the table is built). */
export function upstreamRows(upstreams: Upstreams): HostileRow[] {
  const faulty = { script: (...b: Behaviour[]) => upstreams.faulty.script(...b) };
  const an = { script: (...b: Behaviour[]) => upstreams.an.script(...b) };
  const rows: Array<Omit<HostileRow, "scriptsUpstream">> = [
    {
      name: "upstream reset before answering: a 502 in the client's format",
      send: (port) => {
        faulty.script({ kind: "reset" });
        return sendRaw(port, [chatRequest("faulty-x")]);
      },
      expect: { status: 502, errorType: "api_error", closed: false },
    },
    {
      name: "upstream reset mid-stream, pass-through: the stream ends in an error chunk",
      send: async (port) => {
        faulty.script({ kind: "reset", afterEvents: 2 });
        return endsInError(await sendRaw(port, [chatRequest("faulty-x", true)]), /"error":\{/);
      },
      expect: { status: 200, closed: false },
    },
    {
      name: "upstream reset mid-stream, translated for an Anthropic client: an error event",
      send: async (port) => {
        faulty.script({ kind: "reset", afterEvents: 2 });
        return endsInError(await sendRaw(port, [messagesRequest("claude-via-faulty", true)]), /event: error/);
      },
      expect: { status: 200, closed: false },
    },
    {
      name: "upstream stalls mid-stream past idle_ms: the stream ends in an error chunk",
      send: async (port) => {
        faulty.script({ kind: "stall", afterEvents: 2 });
        return endsInError(await sendRaw(port, [chatRequest("faulty-x", true)]), /"error":\{/);
      },
      expect: { status: 200, closed: false },
    },
    {
      name: "upstream stalls before its first byte of a JSON body: a 504",
      send: (port) => {
        faulty.script({ kind: "stall", afterEvents: 0 });
        return sendRaw(port, [chatRequest("faulty-x")]);
      },
      expect: { status: 504, errorType: "api_error", closed: false },
    },
    {
      name: "a 200 whose body is not JSON, translated: a 502, not a crash",
      send: (port) => {
        faulty.script({ kind: "raw", status: 200, headers: { "content-type": "application/json" }, body: '{"id":"x","choices":[{"mess' });
        return sendRaw(port, [messagesRequest("claude-via-faulty")]);
      },
      expect: { status: 502, errorType: "api_error", closed: false },
    },
    {
      name: "a 20 MB translated answer over response_limit: a 502 naming the limit",
      send: async (port) => {
        an.script({ kind: "reply", text: "x".repeat(20 * 1024 * 1024) });
        const result = await sendRaw(port, [chatRequest("gpt-via-claude")]);
        if (!result.body.includes("response larger than the provider's response_limit (1048576 bytes)")) throw new Error(`the error does not name the limit: ${result.body}`);
        return result;
      },
      expect: { status: 502, errorType: "api_error", closed: false },
    },
    {
      name: "a 200 whose stream is not JSON, translated for an Anthropic client: an error event, logged",
      send: async (port) => {
        faulty.script({ kind: "raw", status: 200, headers: { "content-type": "text/event-stream" }, body: "data: {not json\n\ndata: [DONE]\n\n" });
        return endsInError(await sendRaw(port, [messagesRequest("claude-via-faulty", true)]), /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"upstream sent an event that is not a JSON object/);
      },
      expect: { status: 200, closed: false, logged: /^upstream stream broke: sent an event that is not a JSON object: "\{not json"$/ },
    },
    {
      name: "an Anthropic stream that turns to garbage after its first text, translated for an OpenAI client: an error chunk after the text",
      send: async (port) => {
        const start = { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", content: [], model: "claude-upstream", usage: { input_tokens: 1, output_tokens: 1 } } };
        const text = { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Half an answer" } };
        const body = `event: message_start\ndata: ${JSON.stringify(start)}\n\nevent: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\nevent: content_block_delta\ndata: ${JSON.stringify(text)}\n\nevent: content_block_delta\ndata: <html>502</html>\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`;
        an.script({ kind: "raw", status: 200, headers: { "content-type": "text/event-stream" }, body });
        const result = await sendRaw(port, [chatRequest("gpt-via-claude", true)]);
        if (!/"content":"Half an answer".*data: \{"error":\{[^]*"type":"api_error"/s.test(result.body) || result.body.includes("[DONE]")) {
          throw new Error(`expected the text, then an error chunk and no [DONE]:\n${result.body}`);
        }
        return result;
      },
      expect: { status: 200, closed: false, logged: /^upstream stream broke: sent an event that is not a JSON object: "<html>502<\/html>"$/ },
    },
    {
      name: "unreadable streams count against the upstream: two open the route's breaker, the third request gets a 503",
      send: async (port) => {
        for (let i = 0; i < 2; i++) {
          faulty.script({ kind: "raw", status: 200, headers: { "content-type": "text/event-stream" }, body: "data: {not json\n\n" });
          endsInError(await sendRaw(port, [messagesRequest("claude-guarded", true)]), /event: error/);
        }
        const refused = await sendRaw(port, [messagesRequest("claude-guarded", true)]);
        if (!refused.body.includes("faulty:faulty-upstream → circuit open")) throw new Error(`expected the open breaker as the reason: ${refused.body}`);
        return refused;
      },
      expect: { status: 503, errorType: "api_error", closed: false },
    },
    {
      name: "one client's resets on five model names of a glob route leave a sixth model served",
      send: async (port) => {
        for (const model of ["glob-a", "glob-b", "glob-c", "glob-d", "glob-e"]) {
          faulty.script({ kind: "reset" });
          const failed = await sendRaw(port, [chatRequest(model)]);
          if (failed.status !== 502) throw new Error(`${model}: expected the reset as a 502, got ${failed.status} ${failed.body}`);
        }
        return sendRaw(port, [chatRequest("glob-f")]);
      },
      expect: { status: 200, closed: false },
    },
  ];
  // Every row scripts the faulty or the Anthropic mock.
  return rows.map((row) => ({ ...row, scriptsUpstream: true }));
}
