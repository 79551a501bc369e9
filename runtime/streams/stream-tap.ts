// Watches a response on its way to the client and sums it up for the request log: usage, assembled text,
// reasoning, tool calls, finish reason, upstream error. It only reads the bytes it is shown; the relay
// writes them to the client first and hands them here afterwards, so nothing here can change or delay
// what the client receives. Nothing here throws either: a malformed stream just yields a thinner summary.

import { createParser, type EventSourceMessage } from "eventsource-parser";
import { createSseReader } from "./sse-events.ts";
import { countOutputChars } from "./output-chars.ts";
import { usageFromAnthropic, usageFromOpenAI, usageFromResponses, type Usage } from "../usage/usage.ts";

export interface ToolCallSummary {
  id: string;
  name: string;
  arguments: string;
}

export interface ResponseSummary {
  usage: Usage | null;
  /** The counts are a local estimate (a CLI or a scenario reports none), not the provider's. */
  usageEstimated?: true;
  text: string;
  reasoning: string;
  /** In the order the calls were made (by `index` for OpenAI, by content block for Anthropic). */
  toolCalls: readonly ToolCallSummary[];
  finishReason: string | null;
  /** The upstream's error object (an SSE `error` event, or an `error` member), as sent. */
  error: unknown | null;
  /**
   * A stream's kept bytes (when the tap kept them), for the request log's thread to assemble with
   * summarizeStream. Absent for whole bodies, for streams the tap did not keep and past the size bound.
   */
  stream?: StreamBytes;
  /**
   * A stream's output characters (text, reasoning, tool names and arguments) counted by the tap's scan
   * (output-chars.ts) while it had seen no usage: what the cost's estimate reads when none comes, so nothing
   * assembles the stream on the event loop for it. Absent for whole bodies and assembled summaries.
   */
  outputChars?: number;
}

export type SummaryApi = "openai" | "anthropic" | "responses";

/**
 * A stream's bytes as relayed, in one buffer of their own (no other view shares its ArrayBuffer, so it can
 * be transferred to another thread), with the API whose events they are.
 */
export interface StreamBytes {
  readonly api: SummaryApi;
  readonly bytes: Uint8Array;
}

/** One SSE event's worth of work, and the summary so far. */
interface Accumulator {
  onEvent(event: string | undefined, data: string): void;
  summary(): ResponseSummary;
  /** Whether an event so far carried usage (then the tap stops counting output characters). */
  hasUsage(): boolean;
}

/** An unterminated line or event beyond this is not a chat stream; the tap stops looking rather than grow. */
const MAX_BUFFERED_CHARS = 16 * 1024 * 1024;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function emptySummary(): ResponseSummary {
  return { usage: null, text: "", reasoning: "", toolCalls: [], finishReason: null, error: null };
}

/**
 * OpenAI chat completion chunks. Only choice 0 is summed up (n > 1 is rare and the log keeps one answer).
 * Tool calls arrive as fragments keyed by `index`: id and name on the first, arguments spread over all.
 */
function createOpenAIAccumulator(): Accumulator {
  let text = "";
  let reasoning = "";
  let finishReason: string | null = null;
  let usage: Usage | null = null;
  let error: unknown = null;
  /** Tool calls by their `index`. */
  const callAt: (ToolCallSummary | undefined)[] = [];

  function toolCallDelta(delta: Record<string, unknown>): void {
    const fn = isObject(delta.function) ? delta.function : undefined;
    const id = str(delta.id);
    let index = typeof delta.index === "number" && delta.index >= 0 ? delta.index : -1;
    // Some OpenAI-compatible servers omit `index`: an id names its call (a new id starts one), no id continues the last.
    if (index < 0) {
      index = id ? callAt.findIndex((c) => c?.id === id) : callAt.length - 1;
      if (index < 0) index = callAt.length;
    }
    let call = callAt[index];
    if (!call) {
      call = { id: "", name: "", arguments: "" };
      callAt[index] = call;
    }
    if (!call.id && id) call.id = id;
    if (fn) {
      if (!call.name && typeof fn.name === "string") call.name = fn.name;
      if (typeof fn.arguments === "string") call.arguments += fn.arguments;
    }
  }

  return {
    onEvent(_event, data) {
      if (data === "[DONE]") return;
      const chunk = parseJson(data);
      if (!isObject(chunk)) return;
      if (chunk.error !== undefined && chunk.error !== null) error = chunk.error;
      if (isObject(chunk.usage)) usage = usageFromOpenAI(chunk.usage) ?? usage;
      const choices = chunk.choices;
      if (!Array.isArray(choices)) return;
      for (const choice of choices) {
        if (!isObject(choice) || (choice.index !== undefined && choice.index !== 0)) continue;
        if (typeof choice.finish_reason === "string") finishReason = choice.finish_reason;
        const delta = choice.delta;
        if (!isObject(delta)) continue;
        if (typeof delta.content === "string") text += delta.content;
        // DeepSeek-style `reasoning_content`, or `reasoning` (OpenRouter, vLLM); some send both, same text.
        if (typeof delta.reasoning_content === "string") reasoning += delta.reasoning_content;
        else if (typeof delta.reasoning === "string") reasoning += delta.reasoning;
        if (Array.isArray(delta.tool_calls)) {
          for (const call of delta.tool_calls) if (isObject(call)) toolCallDelta(call);
        }
      }
    },
    summary() {
      const toolCalls = callAt.filter((c): c is ToolCallSummary => c !== undefined).map((c) => ({ ...c }));
      return { usage, text, reasoning, toolCalls, finishReason, error };
    },
    hasUsage: () => usage !== null,
  };
}

/**
 * Anthropic message events. Usage starts in message_start and is restated by message_delta, whose counts
 * are cumulative: a field present there replaces the earlier value, it is not added to it.
 */
function createAnthropicAccumulator(): Accumulator {
  let text = "";
  let reasoning = "";
  let finishReason: string | null = null;
  let error: unknown = null;
  const usage: Record<string, number> = {};
  let sawUsage = false;
  /** Each tool call with the input its block started with, used when no input_json_delta follows. */
  const calls: { call: ToolCallSummary; input: unknown }[] = [];
  const toolBlocks = new Map<number, ToolCallSummary>();

  function takeUsage(u: unknown): void {
    if (!isObject(u)) return;
    for (const key of USAGE_KEYS) {
      const v = u[key];
      if (typeof v === "number" && Number.isFinite(v)) {
        usage[key] = v;
        sawUsage = true;
      }
    }
  }

  return {
    onEvent(event, data) {
      const msg = parseJson(data);
      if (!isObject(msg)) return;
      const type = typeof msg.type === "string" ? msg.type : event;
      switch (type) {
        case "message_start":
          if (isObject(msg.message)) takeUsage(msg.message.usage);
          return;
        case "content_block_start": {
          const block = msg.content_block;
          if (!isObject(block)) return;
          if (block.type === "text") text += str(block.text);
          else if (block.type === "thinking") reasoning += str(block.thinking);
          else if (block.type === "tool_use") {
            const call = { id: str(block.id), name: str(block.name), arguments: "" };
            calls.push({ call, input: block.input });
            if (typeof msg.index === "number") toolBlocks.set(msg.index, call);
          }
          return;
        }
        case "content_block_delta": {
          const delta = msg.delta;
          if (!isObject(delta)) return;
          if (delta.type === "text_delta") text += str(delta.text);
          else if (delta.type === "thinking_delta") reasoning += str(delta.thinking);
          else if (delta.type === "input_json_delta" && typeof msg.index === "number") {
            const call = toolBlocks.get(msg.index);
            if (call) call.arguments += str(delta.partial_json);
          }
          return;
        }
        case "message_delta":
          if (isObject(msg.delta) && typeof msg.delta.stop_reason === "string") finishReason = msg.delta.stop_reason;
          takeUsage(msg.usage);
          return;
        case "error":
          error = msg.error ?? msg;
          return;
      }
    },
    summary() {
      const toolCalls = calls.map(({ call, input }) => ({
        ...call,
        arguments: call.arguments || JSON.stringify(isObject(input) ? input : {}),
      }));
      return { usage: sawUsage ? usageFromAnthropic(usage) : null, text, reasoning, toolCalls, finishReason, error };
    },
    hasUsage: () => sawUsage,
  };
}

/**
 * Responses API events. Function calls are output items: the name and call id come with
 * output_item.added, the arguments as deltas keyed by the item's id (and whole in output_item.done). The
 * last event (response.completed, .incomplete or .failed) holds the usage and the final status.
 */
function createResponsesAccumulator(): Accumulator {
  let text = "";
  let reasoning = "";
  let finishReason: string | null = null;
  let usage: Usage | null = null;
  let error: unknown = null;
  const calls = new Map<string, ToolCallSummary>();

  function addCall(item: Record<string, unknown>): ToolCallSummary {
    const key = str(item.id) || str(item.call_id);
    let call = calls.get(key);
    if (!call) {
      call = { id: str(item.call_id), name: str(item.name), arguments: "" };
      calls.set(key, call);
    }
    return call;
  }

  return {
    onEvent(event, data) {
      const msg = parseJson(data);
      if (!isObject(msg)) return;
      const type = typeof msg.type === "string" ? msg.type : event;
      switch (type) {
        case "response.output_text.delta":
          text += str(msg.delta);
          return;
        case "response.reasoning_summary_text.delta":
        case "response.reasoning_text.delta":
          reasoning += str(msg.delta);
          return;
        case "response.output_item.added":
          if (isObject(msg.item) && msg.item.type === "function_call") addCall(msg.item);
          return;
        case "response.function_call_arguments.delta": {
          const call = calls.get(str(msg.item_id));
          if (call) call.arguments += str(msg.delta);
          return;
        }
        case "response.output_item.done":
          if (isObject(msg.item) && msg.item.type === "function_call") {
            const call = addCall(msg.item);
            if (typeof msg.item.arguments === "string") call.arguments = msg.item.arguments;
          }
          return;
        case "response.completed":
        case "response.incomplete":
        case "response.failed": {
          const response = isObject(msg.response) ? msg.response : {};
          usage = usageFromResponses(response.usage) ?? usage;
          const details = isObject(response.incomplete_details) ? response.incomplete_details : {};
          finishReason = str(details.reason) || str(response.status) || null;
          if (isObject(response.error)) error = response.error;
          return;
        }
        case "error":
          error = msg.error ?? msg;
          return;
      }
    },
    summary() {
      return { usage, text, reasoning, toolCalls: [...calls.values()].map((c) => ({ ...c })), finishReason, error };
    },
    hasUsage: () => usage !== null,
  };
}

function summarizeResponsesBody(body: Record<string, unknown>): ResponseSummary {
  const toolCalls: ToolCallSummary[] = [];
  const summary = { ...emptySummary(), toolCalls };
  summary.usage = usageFromResponses(body.usage);
  if (isObject(body.error)) summary.error = body.error;
  const details = isObject(body.incomplete_details) ? body.incomplete_details : {};
  summary.finishReason = str(details.reason) || str(body.status) || null;
  for (const item of Array.isArray(body.output) ? body.output : []) {
    if (!isObject(item)) continue;
    if (item.type === "message" && Array.isArray(item.content)) {
      for (const part of item.content) if (isObject(part)) summary.text += str(part.text);
    } else if (item.type === "reasoning" && Array.isArray(item.summary)) {
      for (const part of item.summary) if (isObject(part)) summary.reasoning += str(part.text);
    } else if (item.type === "function_call") {
      toolCalls.push({ id: str(item.call_id), name: str(item.name), arguments: str(item.arguments) });
    }
  }
  return summary;
}

const USAGE_KEYS = ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"] as const;

function createAccumulator(api: SummaryApi): Accumulator {
  return api === "openai" ? createOpenAIAccumulator() : api === "anthropic" ? createAnthropicAccumulator() : createResponsesAccumulator();
}

/**
 * The whole summary of a stream's bytes: text, reasoning and tool calls assembled event by event. A pure
 * function of its input, meant to run after the response has ended (the log's record building calls it,
 * through the summary's getters), never per chunk. Bytes cut short end with their last whole event.
 */
export function summarizeStream(api: SummaryApi, raw: Uint8Array | readonly Uint8Array[]): ResponseSummary {
  try {
    const accumulator = createAccumulator(api);
    const parser = createParser({ onEvent: (m: EventSourceMessage) => accumulator.onEvent(m.event, m.data), onError() {}, maxBufferSize: MAX_BUFFERED_CHARS });
    const bytes = raw instanceof Uint8Array ? raw : Buffer.concat(raw as Uint8Array[]);
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    parser.feed(buf.toString("utf8") + "\n\n");
    return accumulator.summary();
  } catch {
    return emptySummary();
  }
}

/**
 * Which events can change usage, finish reason or error. An event is parsed during the stream only when one
 * of these appears in it with a value other than `null` (OpenAI repeats `"finish_reason":null` and, with
 * include_usage, `"usage":null` in every chunk; a Responses snapshot carries `"error":null`). A marker inside
 * a JSON string has its quotes escaped, so it cannot match there; a false match only costs one parse.
 */
const MARKERS: Record<SummaryApi, readonly string[]> = {
  openai: ['"usage"', '"finish_reason"', '"error"'],
  anthropic: ['"usage"', '"stop_reason"', '"error"'],
  responses: ['"usage"', '"error"', "response.completed", "response.incomplete", "response.failed"],
};

/**
 * Without kept bodies only usage is read on the event loop (spend, budgets, limits, metrics): the finish reason
 * and error are logged and traced only with the stream's response, so only usage's events are parsed.
 */
const USAGE_MARKERS: Record<SummaryApi, readonly string[]> = {
  openai: ['"usage"'],
  anthropic: ['"usage"'],
  responses: MARKERS.responses,
};

/**
 * The same markers as one pattern per API, compiled once: a marker counts unless it is a key whose value is
 * null. One regex pass per chunk costs less than a string or Buffer search per marker.
 */
const MARKER_PATTERNS: Record<SummaryApi, RegExp> = {
  openai: /"(?:usage|finish_reason|error)"(?!\s*:\s*null)/g,
  anthropic: /"(?:usage|stop_reason|error)"(?!\s*:\s*null)/g,
  responses: /"(?:usage|error)"(?!\s*:\s*null)|response\.(?:completed|incomplete|failed)/g,
};

const USAGE_PATTERNS: Record<SummaryApi, RegExp> = {
  openai: /"usage"(?!\s*:\s*null)/g,
  anthropic: /"usage"(?!\s*:\s*null)/g,
  responses: MARKER_PATTERNS.responses,
};

const SPACE = 0x20, TAB = 0x09, COLON = 0x3a, QUOTE = 0x22, N = 0x6e;

/** Whether the marker ending at `at` (of `code`'s text) is a key whose value is null; a marker that is not a key counts. */
function isNullValued(code: (i: number) => number, at: number, length: number, marker: string): boolean {
  if (marker.charCodeAt(0) !== QUOTE) return false;
  let i = at;
  while (i < length && (code(i) === SPACE || code(i) === TAB)) i++;
  if (i >= length || code(i) !== COLON) return false;
  i++;
  while (i < length && (code(i) === SPACE || code(i) === TAB)) i++;
  return i + 4 <= length && code(i) === N && code(i + 1) === 0x75 && code(i + 2) === 0x6c && code(i + 3) === 0x6c;
}

/** Whether an event's data (already a string: the translated path) can carry usage, finish reason or error. */
function mentionsSummary(markers: readonly string[], data: string): boolean {
  const code = (i: number) => data.charCodeAt(i);
  for (const marker of markers) {
    for (let at = data.indexOf(marker); at >= 0; at = data.indexOf(marker, at + 1)) {
      if (!isNullValued(code, at + marker.length, data.length, marker)) return true;
    }
  }
  return false;
}

/**
 * The scanner works on a chunk's bytes as a latin1 string (one char per byte: offsets are byte offsets, and
 * the markers are ASCII): V8's string search costs far less per call than Buffer#indexOf's native one.
 * The end of the first blank line (event boundary) at or after `from` and before `to`, or -1. LF or CRLF.
 */
function boundaryAfter(buf: string, from: number, to: number): number {
  const lf = buf.indexOf("\n\n", from);
  const crlf = buf.indexOf("\n\r\n", from);
  let end = -1;
  if (lf >= 0) end = lf + 2;
  if (crlf >= 0 && (end < 0 || crlf + 3 < end)) end = crlf + 3;
  return end >= 0 && end <= to ? end : -1;
}

/** The start of the event holding byte `at`: just after the last blank line before it. */
function eventStart(buf: string, at: number): number {
  const lf = at >= 1 ? buf.lastIndexOf("\n\n", at - 1) : -1;
  const crlf = at >= 1 ? buf.lastIndexOf("\n\r\n", at - 1) : -1;
  const start = Math.max(lf >= 0 && lf + 2 <= at ? lf + 2 : 0, crlf >= 0 && crlf + 3 <= at ? crlf + 3 : 0);
  return start;
}

/** Calls `onEvent` for each event in `text` (whole events, any line endings), the way an SSE client reads them. */
function eachEvent(text: string, onEvent: (event: string | undefined, data: string) => void): void {
  let event: string | undefined;
  let data: string[] = [];
  for (const line of (text + "\n\n").split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (data.length > 0) onEvent(event, data.join("\n"));
      event = undefined;
      data = [];
      continue;
    }
    if (line.charCodeAt(0) === COLON) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === SPACE) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
  }
}

/** The kept chunks copied once into a buffer of their own: chunks may be views of buffers undici or Node share. */
function ownedCopy(chunks: readonly Buffer[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

class LaterSummary implements ResponseSummary {
  usage: Usage | null;
  finishReason: string | null;
  error: unknown | null;
  stream: StreamBytes | undefined;
  outputChars: number;
  private assembled: ResponseSummary | null = null;

  constructor(scanned: ResponseSummary, stream: StreamBytes | undefined, outputChars: number) {
    this.usage = scanned.usage;
    this.finishReason = scanned.finishReason;
    this.error = scanned.error;
    this.stream = stream;
    this.outputChars = outputChars;
  }

  private whole(): ResponseSummary {
    if (this.assembled === null) {
      this.assembled = this.stream === undefined ? emptySummary() : summarizeStream(this.stream.api, this.stream.bytes);
      // Assembled on this thread already: the log takes the text rather than the bytes and does not do it again.
      this.stream = undefined;
    }
    return this.assembled;
  }

  get text(): string {
    return this.whole().text;
  }

  get reasoning(): string {
    return this.whole().reasoning;
  }

  get toolCalls(): readonly ToolCallSummary[] {
    return this.whole().toolCalls;
  }
}

/**
 * A summary whose usage, finish reason, error and output characters were found during the stream. Its text,
 * reasoning and tool calls are assembled from the kept bytes on first read (once), which also drops `stream`.
 * The request log reads `stream` and assembles in its own thread, and the cost's estimate reads
 * `outputChars`, so nothing on the event loop reads these getters for a relayed request (a recording, written
 * later, does). Once `stream.bytes` has been transferred they read empty.
 * A class rather than an object literal with getters: V8 builds such a literal slowly (~8 µs a stream, measured).
 */
function laterSummary(scanned: ResponseSummary, stream: StreamBytes | undefined, outputChars: number): ResponseSummary {
  return new LaterSummary(scanned, stream, outputChars);
}

/**
 * A tap for one SSE response. `push` every chunk as relayed (chunks may split lines, events and UTF-8
 * sequences anywhere), then `finish` once at the end; `finish` also reads a final event that lacks its blank line.
 *
 * Per chunk the tap only keeps the bytes (when `assemble`: the request log keeps bodies) and looks for the
 * few events that carry usage, finish reason or error (see MARKERS; without `assemble`, usage alone), which
 * alone are parsed. Until an event has carried usage it also counts the output's characters (output-chars.ts),
 * which the cost's estimate reads if none comes. `finish` copies the kept bytes once into the summary's
 * `stream`; the text, reasoning and tool calls are assembled from them by summarizeStream in the request
 * log's thread (or, on this one, when the summary's getters are read).
 *
 * With `onEvent` (a translated stream) the tap splits events for the translator too, so the upstream's bytes
 * go through one splitter; the translator parses each event, the tap again only the few above.
 */
export function createStreamTap(
  api: SummaryApi,
  assemble = true,
  onEvent: ((event: string | undefined, data: string) => void) | null = null,
): { push(chunk: Uint8Array): void; finish(): ResponseSummary } {
  const accumulator = createAccumulator(api);
  const patterns = assemble ? MARKER_PATTERNS : USAGE_PATTERNS;
  const markers = (assemble ? MARKERS : USAGE_MARKERS)[api];
  let raw: Buffer[] | null = assemble ? [] : null;
  let rawSize = 0;
  /** The bytes of the unfinished event at the end of what was pushed so far. */
  let tail: Buffer | null = null;
  let broken = false;
  let result: ResponseSummary | null = null;
  /** Output characters counted so far; counting stops once usage has been seen (the estimate is not needed then). */
  let outputChars = 0;
  let counting = true;

  /** Counts the output in `text[0, end)` (whole events; `bytes`: latin1 text of UTF-8) unless usage came already. */
  function count(text: string, end: number, bytes: boolean): void {
    if (!counting) return;
    if (accumulator.hasUsage()) counting = false;
    else outputChars += countOutputChars(api, text, 0, end, bytes);
  }

  const feed = (event: string | undefined, data: string) => {
    try {
      accumulator.onEvent(event, data);
    } catch {
      // A malformed event only thins the summary.
    }
  };

  /** Parses the events in buf[0, end) (whole events) that mention a marker with a non-null value. */
  /** `buf`'s bytes as latin1 text: `text`. */
  function scan(buf: Buffer, text: string, end: number): void {
    const pattern = patterns[api];
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null && match.index < end; match = pattern.exec(text)) {
      const at = match.index;
      const start = eventStart(text, at);
      let stop = boundaryAfter(text, at, end);
      if (stop < 0) stop = end;
      eachEvent(buf.toString("utf8", start, stop), feed);
      // Go on after this event: its other markers need no second parse.
      pattern.lastIndex = stop;
    }
  }

  function toBuffer(chunk: Uint8Array): Buffer {
    return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }

  const pushBytes = (chunk: Uint8Array) => {
    if (broken || result) return;
    try {
      const bytes = toBuffer(chunk);
      if (raw !== null) {
        rawSize += bytes.length;
        // Beyond this the log's body is left out rather than held; usage is still found.
        if (rawSize > MAX_BUFFERED_CHARS) raw = null;
        else raw.push(bytes);
      }
      const buf = tail === null ? bytes : Buffer.concat([tail, bytes]);
      const text = buf.toString("latin1");
      const n = text.length;
      let end: number;
      // Chunks mostly end on an event's end: then no search for the last boundary.
      if (n >= 2 && text.charCodeAt(n - 1) === 0x0a && (text.charCodeAt(n - 2) === 0x0a || (n >= 3 && text.charCodeAt(n - 2) === 0x0d && text.charCodeAt(n - 3) === 0x0a))) {
        end = n;
      } else {
        const lf = text.lastIndexOf("\n\n");
        const crlf = text.lastIndexOf("\n\r\n");
        end = Math.max(lf >= 0 ? lf + 2 : -1, crlf >= 0 ? crlf + 3 : -1);
      }
      if (end < 0) {
        tail = buf;
      } else {
        scan(buf, text, end);
        count(text, end, true);
        tail = end < buf.length ? buf.subarray(end) : null;
      }
      if (tail !== null && tail.length > MAX_BUFFERED_CHARS) {
        // An unterminated event this large is not a chat stream: stop looking rather than grow.
        broken = true;
        tail = null;
      }
    } catch {
      broken = true;
    }
  };

  /** The translated path: events come split already; only the ones that can matter are parsed here. */
  const reader =
    onEvent === null
      ? null
      : createSseReader((event, data) => {
          if (!broken) {
            if (mentionsSummary(markers, data)) feed(event, data);
            count(data, data.length, false);
          }
          onEvent(event, data);
        });

  return {
    push(chunk) {
      if (result) return;
      if (reader === null) return pushBytes(chunk);
      if (raw !== null) {
        const bytes = toBuffer(chunk);
        rawSize += bytes.length;
        if (rawSize > MAX_BUFFERED_CHARS) raw = null;
        else raw.push(bytes);
      }
      reader.push(chunk);
    },
    finish() {
      if (result) return result;
      if (reader !== null) reader.end();
      else if (!broken && tail !== null) {
        try {
          const text = tail.toString("latin1");
          scan(tail, text, tail.length);
          count(text, text.length, true);
        } catch {
          broken = true;
        }
      }
      tail = null;
      let scanned: ResponseSummary;
      try {
        scanned = accumulator.summary();
      } catch {
        scanned = emptySummary();
      }
      const stream = raw === null ? undefined : { api, bytes: ownedCopy(raw, rawSize) };
      raw = null;
      result = laterSummary(scanned, stream, outputChars);
      return result;
    },
  };
}

function summarizeOpenAIBody(body: Record<string, unknown>): ResponseSummary {
  const toolCalls: ToolCallSummary[] = [];
  const summary = { ...emptySummary(), toolCalls };
  summary.usage = usageFromOpenAI(body.usage);
  if (body.error !== undefined && body.error !== null) summary.error = body.error;
  const choice = Array.isArray(body.choices)
    ? body.choices.find((c) => isObject(c) && (c.index === undefined || c.index === 0))
    : undefined;
  if (!isObject(choice)) return summary;
  if (typeof choice.finish_reason === "string") summary.finishReason = choice.finish_reason;
  const message = choice.message;
  if (!isObject(message)) return summary;
  if (typeof message.content === "string") summary.text = message.content;
  else if (Array.isArray(message.content)) {
    for (const part of message.content) if (isObject(part)) summary.text += str(part.text);
  }
  if (typeof message.reasoning_content === "string") summary.reasoning = message.reasoning_content;
  else if (typeof message.reasoning === "string") summary.reasoning = message.reasoning;
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isObject(call)) continue;
      const fn = isObject(call.function) ? call.function : {};
      toolCalls.push({ id: str(call.id), name: str(fn.name), arguments: str(fn.arguments) });
    }
  }
  return summary;
}

function summarizeAnthropicBody(body: Record<string, unknown>): ResponseSummary {
  const toolCalls: ToolCallSummary[] = [];
  const summary = { ...emptySummary(), toolCalls };
  if (body.type === "error") {
    summary.error = body.error ?? body;
    return summary;
  }
  summary.usage = usageFromAnthropic(body.usage);
  if (typeof body.stop_reason === "string") summary.finishReason = body.stop_reason;
  if (Array.isArray(body.content)) {
    for (const block of body.content) {
      if (!isObject(block)) continue;
      if (block.type === "text") summary.text += str(block.text);
      else if (block.type === "thinking") summary.reasoning += str(block.thinking);
      else if (block.type === "tool_use") {
        const input = isObject(block.input) ? block.input : {};
        toolCalls.push({ id: str(block.id), name: str(block.name), arguments: JSON.stringify(input) });
      }
    }
  }
  return summary;
}

/** The same summary for a whole, non-stream JSON response. A body that is not JSON gives an empty summary. */
export function summarizeBody(api: SummaryApi, body: Uint8Array): ResponseSummary {
  try {
    const parsed = parseJson(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
    if (!isObject(parsed)) return emptySummary();
    return api === "openai" ? summarizeOpenAIBody(parsed) : api === "anthropic" ? summarizeAnthropicBody(parsed) : summarizeResponsesBody(parsed);
  } catch {
    return emptySummary();
  }
}
