// A loopback mock of an upstream that speaks the OpenAI Responses API natively (POST /v1/responses), for
// pass-through tests: a whole `response` object, or with `stream: true` the event sequence OpenAI sends
// (response.created … response.completed, each with its sequence_number), usage in the last event.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createMockCore, DEFAULT_WAIT_MS, lowerCaseHeaders, parseJson, splitWords } from "./mock-server.ts";

export const RESPONSES_USAGE = Object.freeze({ input: 13, cached: 4, output: 9, reasoning: 2 });
export const RESPONSES_TEXT = "Hello from the Responses mock.";

export type ResponsesBehaviour =
  | { kind: "reply"; text?: string; toolCall?: { name: string; arguments: object } }
  | { kind: "error"; status: number; body?: object };

export interface RecordedResponsesRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly json: any;
}

export interface MockResponses {
  readonly url: string;
  readonly requests: readonly RecordedResponsesRequest[];
  script(...behaviours: ResponsesBehaviour[]): void;
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function usage() {
  const u = RESPONSES_USAGE;
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cached },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: u.input + u.output,
  };
}

export async function startMockResponses(): Promise<MockResponses> {
  const core = createMockCore<ResponsesBehaviour>("responses mock", { kind: "reply" });
  const requests: RecordedResponsesRequest[] = [];
  let n = 0;

  function answer(req: IncomingMessage, res: ServerResponse, body: string) {
    const json = parseJson(body) as any;
    requests.push({ method: req.method ?? "", path: req.url ?? "", headers: lowerCaseHeaders(req), body, json });
    core.notify();
    const behaviour = core.next();
    if (behaviour.kind === "error") {
      res.writeHead(behaviour.status, { "content-type": "application/json" });
      res.end(JSON.stringify(behaviour.body ?? { error: { message: `mock error ${behaviour.status}`, type: "invalid_request_error", param: null, code: null } }));
      return;
    }
    const id = `resp_mock${++n}`;
    const model = typeof json?.model === "string" ? json.model : "unknown";
    const base = { id, object: "response", created_at: 1700000000, model, error: null, incomplete_details: null, instructions: json?.instructions ?? null, metadata: {}, parallel_tool_calls: true, store: json?.store ?? true, tools: json?.tools ?? [], tool_choice: "auto", previous_response_id: json?.previous_response_id ?? null };
    const item = behaviour.toolCall
      ? { type: "function_call", id: `fc_${n}`, call_id: `call_${n}`, name: behaviour.toolCall.name, arguments: JSON.stringify(behaviour.toolCall.arguments), status: "completed" }
      : { type: "message", id: `msg_${n}`, role: "assistant", status: "completed", content: [{ type: "output_text", text: behaviour.text ?? RESPONSES_TEXT, annotations: [] }] };
    const done = { ...base, status: "completed", output: [item], usage: usage() };
    if (json?.stream !== true) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(done));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    let seq = 0;
    const send = (event: Record<string, unknown>) => res.write(`event: ${event.type}\ndata: ${JSON.stringify({ ...event, sequence_number: seq++ })}\n\n`);
    const pending = { ...base, status: "in_progress", output: [], usage: null };
    send({ type: "response.created", response: pending });
    send({ type: "response.in_progress", response: pending });
    if (item.type === "function_call") {
      send({ type: "response.output_item.added", output_index: 0, item: { ...item, arguments: "", status: "in_progress" } });
      send({ type: "response.function_call_arguments.delta", item_id: item.id, output_index: 0, delta: item.arguments });
      send({ type: "response.function_call_arguments.done", item_id: item.id, output_index: 0, arguments: item.arguments });
    } else {
      const text = (item as { content: Array<{ text: string }> }).content[0]!.text;
      send({ type: "response.output_item.added", output_index: 0, item: { ...item, status: "in_progress", content: [] } });
      send({ type: "response.content_part.added", item_id: item.id, output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } });
      for (const word of splitWords(text)) send({ type: "response.output_text.delta", item_id: item.id, output_index: 0, content_index: 0, delta: word, logprobs: [] });
      send({ type: "response.output_text.done", item_id: item.id, output_index: 0, content_index: 0, text, logprobs: [] });
      send({ type: "response.content_part.done", item_id: item.id, output_index: 0, content_index: 0, part: { type: "output_text", text, annotations: [] } });
    }
    send({ type: "response.output_item.done", output_index: 0, item });
    send({ type: "response.completed", response: done });
    res.end();
  }

  const { url } = await core.listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => answer(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  return {
    url,
    requests,
    script: core.script,
    waitForRequests: (count, timeoutMs = DEFAULT_WAIT_MS) => core.waitUntil(() => requests.length >= count, timeoutMs, `${count} requests`),
    close: core.close,
  };
}
