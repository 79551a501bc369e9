// Loopback stand-ins for the OpenAI chat completions and Anthropic messages APIs, so end-to-end tests never
// reach a real provider. Each mock answers every request (any method, any path) with the next scripted
// behaviour, or its default one, and records what it received, including whether the client hung up early.
// Response bodies and SSE streams follow the real APIs closely enough for the official SDKs to accept them.
// @see https://platform.openai.com/docs/api-reference/chat-streaming
// @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
import type { ServerResponse } from "node:http";
import { createMockCore, DEFAULT_WAIT_MS, lowerCaseHeaders, parseJson, splitWords } from "./mock-server.ts";

export { freePort, refusedPort } from "./free-port.ts";

export type MockApi = "openai" | "anthropic";

/** Token counts in provider-neutral names; each format maps them onto its own usage object. */
export interface MockUsage {
  /** OpenAI prompt_tokens, Anthropic input_tokens. */
  input?: number;
  /** OpenAI completion_tokens, Anthropic output_tokens. */
  output?: number;
  /** OpenAI prompt_tokens_details.cached_tokens, Anthropic cache_read_input_tokens. */
  cacheRead?: number;
  /** Anthropic cache_creation_input_tokens (OpenAI has no counterpart). */
  cacheCreation?: number;
}

/** Known numbers, so a test can assert the gateway logged the upstream's usage and not its own guess. */
export const DEFAULT_USAGE: Readonly<Required<MockUsage>> = Object.freeze({ input: 11, output: 7, cacheRead: 3, cacheCreation: 2 });
export const DEFAULT_TEXT = "Hello from the mock upstream.";

export interface ToolCall {
  name: string;
  arguments: object;
}

/** A normal answer: JSON, or SSE when the request body has `stream: true`. Text defaults to DEFAULT_TEXT unless there is a tool call. */
export interface ReplyBehaviour {
  kind: "reply";
  text?: string;
  toolCall?: ToolCall;
  usage?: MockUsage;
  status?: number;
  /** Wait this long before sending response headers. */
  delayMs?: number;
}
/** An error in the API's own body format, always JSON (real APIs answer errors before any stream starts). */
export interface ErrorBehaviour {
  kind: "error";
  status: number;
  /** Replaces the default error body entirely. */
  body?: object;
  /** Extra response headers, e.g. { "retry-after": "1" }. */
  headers?: Record<string, string>;
}
/** Read the request, never send headers. The connection is dropped by close(). */
export interface HangBehaviour {
  kind: "hang";
}
/** Always SSE: a valid stream whose text is `chunks` small deltas ("t0 ", "t1 ", …), each event `intervalMs` after the previous one. */
export interface SlowStreamBehaviour {
  kind: "slowStream";
  chunks: number;
  intervalMs: number;
}
/** Exactly these bytes; nothing added but the framing headers Node needs (content-length when absent). */
export interface RawBehaviour {
  kind: "raw";
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}
/**
 * The connection is reset (TCP RST): before any response when `afterEvents` is absent, else after that many
 * events of a valid stream (the request must ask for one), as a provider dying mid-answer looks.
 */
export interface ResetBehaviour {
  kind: "reset";
  afterEvents?: number;
}
/**
 * A valid stream that stops after `afterEvents` events: for `stallMs` (then the rest follows), or for good
 * when it is absent (close() or the client's abort ends it). A non-stream request gets its JSON body's
 * headers (content-length included) and first half, then the same pause.
 */
export interface StallBehaviour {
  kind: "stall";
  afterEvents: number;
  stallMs?: number;
}
export type Behaviour = ReplyBehaviour | ErrorBehaviour | HangBehaviour | SlowStreamBehaviour | RawBehaviour | ResetBehaviour | StallBehaviour;

export interface RecordedRequest {
  readonly method: string;
  /** Path and query string, as sent. */
  readonly path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed as JSON, undefined when it is not JSON. */
  // `any` so tests can read request fields without casts.
  readonly json: any;
  /** True once the client closed the connection before the response was complete. */
  aborted: boolean;
}

export interface MockUpstream {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly RecordedRequest[];
  /** Queue behaviours for the next requests, first in first out; the default applies once the queue is empty. */
  script(...behaviours: Behaviour[]): void;
  /** Resolves once at least n requests have been received in full. */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves once request #index (0-based) has been aborted by its client. */
  waitForAbort(index: number, timeoutMs?: number): Promise<void>;
  /** Drops every open connection (releasing hung requests) and stops listening. */
  close(): Promise<void>;
}

export interface MockUpstreamOptions {
  api: MockApi;
  /**
   * Behaviour when the script queue is empty; default { kind: "reply" }. A function picks it from the
   * request, for clients whose number and order of requests is theirs to choose (an agent's loop).
   */
  default?: Behaviour | ((request: RecordedRequest) => Behaviour);
}


// ---------------------------------------------------------------------------------------------------------
// What one response says, independent of format.

interface Answer {
  /** Sequence number of the response, for deterministic ids. */
  seq: number;
  model: string;
  created: number;
  text: string | undefined;
  toolCall: ToolCall | undefined;
  usage: Required<MockUsage>;
}

interface StreamOptions {
  /** OpenAI only: stream_options.include_usage. */
  includeUsage: boolean;
}

/** One API's wire format: the JSON body, the SSE events, the error body, the request-id header. */
interface Format {
  message(answer: Answer): object;
  events(answer: Answer, options: StreamOptions): string[];
  errorBody(status: number): object;
  requestIdHeader: string;
}


/** Splits a JSON string into a few fragments, as providers stream tool arguments. */
function splitFragments(json: string, size = 8): string[] {
  const fragments: string[] = [];
  for (let i = 0; i < json.length; i += size) fragments.push(json.slice(i, i + size));
  return fragments;
}

function sseData(data: object | string): string {
  return `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

function sseEvent(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

// ---------------------------------------------------------------------------------------------------------
// OpenAI chat completions.

function openaiUsage(usage: Required<MockUsage>): object {
  return {
    prompt_tokens: usage.input,
    completion_tokens: usage.output,
    total_tokens: usage.input + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cacheRead, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function openaiToolCallId(answer: Answer): string {
  return `call_mock${answer.seq}`;
}

function openaiCompletion(answer: Answer): object {
  const { toolCall } = answer;
  const message = {
    role: "assistant",
    content: answer.text ?? null,
    refusal: null,
    annotations: [],
    ...(toolCall && {
      tool_calls: [{ id: openaiToolCallId(answer), type: "function", function: { name: toolCall.name, arguments: JSON.stringify(toolCall.arguments) } }],
    }),
  };
  return {
    id: `chatcmpl-mock${answer.seq}`,
    object: "chat.completion",
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toolCall ? "tool_calls" : "stop" }],
    usage: openaiUsage(answer.usage),
    service_tier: "default",
    system_fingerprint: "fp_mock",
  };
}

/** Role delta, content deltas, tool call header then argument fragments, finish_reason, usage (if asked), [DONE]. */
function openaiChunks(answer: Answer, { includeUsage }: StreamOptions): string[] {
  const { toolCall } = answer;
  // With include_usage every chunk carries "usage": null and one extra chunk with empty choices carries the numbers.
  const chunk = (choices: object[], usage: object | null = null): string =>
    sseData({
      id: `chatcmpl-mock${answer.seq}`,
      object: "chat.completion.chunk",
      created: answer.created,
      model: answer.model,
      service_tier: "default",
      system_fingerprint: "fp_mock",
      choices,
      ...(includeUsage && { usage }),
    });
  const delta = (delta: object, finishReason: string | null = null): string =>
    chunk([{ index: 0, delta, logprobs: null, finish_reason: finishReason }]);

  const frames = [delta({ role: "assistant", content: answer.text === undefined ? null : "", refusal: null })];
  for (const piece of splitWords(answer.text ?? "")) frames.push(delta({ content: piece }));
  if (toolCall) {
    const header = { index: 0, id: openaiToolCallId(answer), type: "function", function: { name: toolCall.name, arguments: "" } };
    frames.push(delta({ tool_calls: [header] }));
    for (const fragment of splitFragments(JSON.stringify(toolCall.arguments))) {
      frames.push(delta({ tool_calls: [{ index: 0, function: { arguments: fragment } }] }));
    }
  }
  frames.push(delta({}, toolCall ? "tool_calls" : "stop"));
  if (includeUsage) frames.push(chunk([], openaiUsage(answer.usage)));
  frames.push(sseData("[DONE]"));
  return frames;
}

const OPENAI_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: "invalid_request_error", code: null, message: "Invalid request (mock upstream)." },
  401: { type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided (mock upstream)." },
  403: { type: "invalid_request_error", code: "unsupported_country_region_territory", message: "Forbidden (mock upstream)." },
  404: { type: "invalid_request_error", code: "model_not_found", message: "The model does not exist (mock upstream)." },
  429: { type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached (mock upstream)." },
};

function openaiError(status: number): object {
  const known = OPENAI_ERRORS[status] ?? { type: "server_error", code: null, message: `Upstream error ${status} (mock upstream).` };
  return { error: { message: known.message, type: known.type, param: null, code: known.code } };
}

const openaiFormat: Format = {
  message: openaiCompletion,
  events: openaiChunks,
  errorBody: openaiError,
  requestIdHeader: "x-request-id",
};

// ---------------------------------------------------------------------------------------------------------
// Anthropic messages.

function anthropicUsage(usage: Required<MockUsage>, outputTokens: number): object {
  return {
    input_tokens: usage.input,
    cache_creation_input_tokens: usage.cacheCreation,
    cache_read_input_tokens: usage.cacheRead,
    output_tokens: outputTokens,
    service_tier: "standard",
  };
}

function anthropicToolUseId(answer: Answer): string {
  return `toolu_mock${answer.seq}`;
}

function anthropicStopReason(answer: Answer): string {
  return answer.toolCall ? "tool_use" : "end_turn";
}

function anthropicMessage(answer: Answer): object {
  const content: object[] = [];
  if (answer.text !== undefined) content.push({ type: "text", text: answer.text });
  if (answer.toolCall) {
    content.push({ type: "tool_use", id: anthropicToolUseId(answer), name: answer.toolCall.name, input: answer.toolCall.arguments });
  }
  return {
    id: `msg_mock${answer.seq}`,
    type: "message",
    role: "assistant",
    model: answer.model,
    content,
    stop_reason: anthropicStopReason(answer),
    stop_sequence: null,
    usage: anthropicUsage(answer.usage, answer.usage.output),
  };
}

/** message_start, then per block content_block_start/delta…/stop (ping after the first start), message_delta, message_stop. */
function anthropicEvents(answer: Answer): string[] {
  // message_start carries the input side of usage; output_tokens there is a running count, final in message_delta.
  const start = { ...anthropicMessage(answer), content: [], stop_reason: null, usage: anthropicUsage(answer.usage, Math.min(1, answer.usage.output)) };
  const frames = [sseEvent("message_start", { type: "message_start", message: start })];
  const blocks: { block: object; deltas: object[] }[] = [];
  if (answer.text !== undefined) {
    blocks.push({ block: { type: "text", text: "" }, deltas: splitWords(answer.text).map((text) => ({ type: "text_delta", text })) });
  }
  if (answer.toolCall) {
    const { name, arguments: args } = answer.toolCall;
    blocks.push({
      block: { type: "tool_use", id: anthropicToolUseId(answer), name, input: {} },
      deltas: ["", ...splitFragments(JSON.stringify(args))].map((partial_json) => ({ type: "input_json_delta", partial_json })),
    });
  }
  blocks.forEach(({ block, deltas }, index) => {
    frames.push(sseEvent("content_block_start", { type: "content_block_start", index, content_block: block }));
    if (index === 0) frames.push(sseEvent("ping", { type: "ping" }));
    for (const delta of deltas) frames.push(sseEvent("content_block_delta", { type: "content_block_delta", index, delta }));
    frames.push(sseEvent("content_block_stop", { type: "content_block_stop", index }));
  });
  frames.push(
    sseEvent("message_delta", {
      type: "message_delta",
      delta: { stop_reason: anthropicStopReason(answer), stop_sequence: null },
      usage: { output_tokens: answer.usage.output },
    }),
  );
  frames.push(sseEvent("message_stop", { type: "message_stop" }));
  return frames;
}

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

function anthropicError(status: number): object {
  const type = ANTHROPIC_ERROR_TYPES[status] ?? "api_error";
  return { type: "error", error: { type, message: `${type} ${status} (mock upstream)` } };
}

const anthropicFormat: Format = {
  message: anthropicMessage,
  events: anthropicEvents,
  errorBody: anthropicError,
  requestIdHeader: "request-id",
};

// ---------------------------------------------------------------------------------------------------------
// Serving.

function writeHeaders(res: ServerResponse, status: number, headers: Record<string, string>): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

export async function startMockUpstream(options: MockUpstreamOptions): Promise<MockUpstream> {
  const format = options.api === "openai" ? openaiFormat : anthropicFormat;
  const decide = typeof options.default === "function" ? options.default : undefined;
  // With a function default the core's fallback is this marker, replaced by the function's answer per request.
  const fallback: Behaviour = (typeof options.default === "object" ? options.default : undefined) ?? { kind: "reply" };
  const requests: RecordedRequest[] = [];
  /** Responses the mock itself cut off (reset faults): their 'close' is not the client's abort. */
  const selfClosed = new WeakSet<ServerResponse>();
  const core = createMockCore<Behaviour>(`mock ${options.api} upstream`, fallback);
  const { later, notify } = core;
  let seq = 0;

  const sendJson = (res: ServerResponse, status: number, body: object, extra: Record<string, string> = {}): void => {
    writeHeaders(res, status, { "content-type": "application/json", ...extra });
    res.end(JSON.stringify(body));
  };

  /** Writes SSE frames: all at once when intervalMs is 0, else one per interval, waiting for 'drain' under backpressure. */
  const sendStream = (res: ServerResponse, status: number, frames: string[], intervalMs: number): void => {
    writeHeaders(res, status, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    res.flushHeaders();
    let next = 0;
    const writeNext = (): void => {
      while (!res.destroyed) {
        const flushed = res.write(frames[next++]);
        if (next === frames.length) return void res.end();
        if (!flushed) return void res.once("drain", resume);
        if (intervalMs > 0) return later(intervalMs, writeNext);
      }
    };
    const resume = (): void => (intervalMs > 0 ? later(intervalMs, writeNext) : writeNext());
    resume();
  };

  /** A TCP reset, which the client sees as ECONNRESET rather than a clean close. */
  const reset = (res: ServerResponse): void => {
    selfClosed.add(res);
    const socket = res.socket;
    if (socket === null) return;
    if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
    else socket.destroy();
  };

  /** Writes `frames[0..count)` at once, then calls `next` (unless the client went away). */
  const streamHead = (res: ServerResponse, frames: string[], count: number, next: () => void): void => {
    writeHeaders(res, 200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    res.flushHeaders();
    res.write(frames.slice(0, count).join(""));
    // Let the events reach the wire before what comes next.
    later(20, () => !res.destroyed && next());
  };

  const answerFor = (id: number, rec: RecordedRequest, text: string | undefined, toolCall: ToolCall | undefined, usage?: MockUsage): Answer => ({
    seq: id,
    model: typeof rec.json?.model === "string" ? rec.json.model : "mock-model",
    created: Math.floor(Date.now() / 1000),
    text: text ?? (toolCall ? undefined : DEFAULT_TEXT),
    toolCall,
    usage: { ...DEFAULT_USAGE, ...usage },
  });

  const streamOptionsFor = (rec: RecordedRequest): StreamOptions => ({ includeUsage: rec.json?.stream_options?.include_usage === true });

  const reply = (res: ServerResponse, id: number, rec: RecordedRequest, behaviour: ReplyBehaviour): void => {
    const answer = answerFor(id, rec, behaviour.text, behaviour.toolCall, behaviour.usage);
    const status = behaviour.status ?? 200;
    if (rec.json?.stream === true) sendStream(res, status, format.events(answer, streamOptionsFor(rec)), 0);
    else sendJson(res, status, format.message(answer));
  };

  const respond = (res: ServerResponse, id: number, rec: RecordedRequest, behaviour: Behaviour): void => {
    switch (behaviour.kind) {
      case "reply":
        if (behaviour.delayMs) return later(behaviour.delayMs, () => !res.destroyed && reply(res, id, rec, behaviour));
        return reply(res, id, rec, behaviour);
      case "error":
        return sendJson(res, behaviour.status, behaviour.body ?? format.errorBody(behaviour.status), behaviour.headers);
      case "hang":
        return;
      case "slowStream": {
        const text = Array.from({ length: behaviour.chunks }, (_, i) => `t${i} `).join("");
        const frames = format.events(answerFor(id, rec, text, undefined), streamOptionsFor(rec));
        return sendStream(res, 200, frames, behaviour.intervalMs);
      }
      case "raw":
        res.removeHeader(format.requestIdHeader);
        writeHeaders(res, behaviour.status, behaviour.headers);
        res.end(behaviour.body);
        return;
      case "reset": {
        if (!behaviour.afterEvents) return reset(res);
        const frames = format.events(answerFor(id, rec, undefined, undefined), streamOptionsFor(rec));
        return streamHead(res, frames, behaviour.afterEvents, () => reset(res));
      }
      case "stall": {
        if (rec.json?.stream !== true) {
          const body = Buffer.from(JSON.stringify(format.message(answerFor(id, rec, undefined, undefined))));
          const half = body.length >> 1;
          writeHeaders(res, 200, { "content-type": "application/json", "content-length": String(body.length) });
          res.write(body.subarray(0, half));
          if (behaviour.stallMs !== undefined) later(behaviour.stallMs, () => !res.destroyed && res.end(body.subarray(half)));
          return;
        }
        const frames = format.events(answerFor(id, rec, "one two three four five six", undefined), streamOptionsFor(rec));
        const { stallMs } = behaviour;
        return streamHead(res, frames, behaviour.afterEvents, () => {
          if (stallMs !== undefined) later(stallMs, () => !res.destroyed && res.end(frames.slice(behaviour.afterEvents).join("")));
        });
      }
    }
  };

  const { url, port } = await core.listen((req, res) => {
    const id = ++seq;
    res.setHeader(format.requestIdHeader, `req_mock${id}`);
    const chunks: Buffer[] = [];
    let rec: RecordedRequest | undefined;
    const record = (): RecordedRequest => {
      const body = Buffer.concat(chunks).toString("utf8");
      const entry: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers: lowerCaseHeaders(req), body, json: parseJson(body), aborted: false };
      requests.push(entry);
      return entry;
    };
    // 'close' before end() means the client went away mid-request or mid-response; our own close() does not count.
    res.on("close", () => {
      if (res.writableEnded || core.closing || selfClosed.has(res)) return;
      rec ??= record();
      rec.aborted = true;
      notify();
    });
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (rec || res.destroyed) return;
      rec = record();
      const behaviour = core.next();
      respond(res, id, rec, decide && behaviour === fallback ? decide(rec) : behaviour);
      notify();
    });
  });

  return {
    url,
    port,
    requests,
    script: core.script,
    waitForRequests(n, timeoutMs = DEFAULT_WAIT_MS) {
      return core.waitUntil(() => requests.length >= n, timeoutMs, `${n} requests`, () => `${requests.length} received`);
    },
    waitForAbort(index, timeoutMs = DEFAULT_WAIT_MS) {
      return core.waitUntil(() => requests[index]?.aborted === true, timeoutMs, `abort of request #${index}`, () => `${requests.length} requests received`);
    },
    close: core.close,
  };
}
