// Watches a response on its way to the client and sums it up for the request log: usage, assembled text,
// reasoning, tool calls, finish reason, upstream error. It only reads the bytes it is shown; the relay
// writes them to the client first and hands them here afterwards, so nothing here can change or delay
// what the client receives. Nothing here throws either: a malformed stream just yields a thinner summary.

import { createParser, type EventSourceMessage } from "eventsource-parser";
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
}

export type SummaryApi = "openai" | "anthropic" | "responses";

/** One SSE event's worth of work, and the summary so far. */
interface Accumulator {
  onEvent(event: string | undefined, data: string): void;
  summary(): ResponseSummary;
}

/** An unterminated line or event beyond this is not a chat stream; the tap stops looking rather than grow. */
const MAX_BUFFERED_CHARS = 16 * 1024 * 1024;

const utf8 = new TextDecoder();

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

/**
 * A tap for one SSE response. `push` every chunk as relayed (chunks may split lines and UTF-8 sequences
 * anywhere), then `finish` once at the end; `finish` also reads a final event that lacks its blank line.
 *
 * With `assemble` false (the request log keeps no bodies) only usage is wanted, so only events that
 * mention it are parsed: a substring test per event instead of a JSON.parse per event.
 */
/**
 * `onEvent` sees every parsed event after the tap has: a translated stream reuses the tap's parser rather
 * than parsing the same bytes twice.
 */
export function createStreamTap(
  api: SummaryApi,
  assemble = true,
  onEvent: ((event: string | undefined, data: string) => void) | null = null,
): { push(chunk: Uint8Array): void; finish(): ResponseSummary } {
  const accumulator = api === "openai" ? createOpenAIAccumulator() : api === "anthropic" ? createAnthropicAccumulator() : createResponsesAccumulator();
  const decoder = new TextDecoder();
  let broken = false;
  let result: ResponseSummary | null = null;
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      if (assemble || message.data.includes('"usage"')) accumulator.onEvent(message.event, message.data);
      if (onEvent !== null) onEvent(message.event, message.data);
    },
    onError() {},
    maxBufferSize: MAX_BUFFERED_CHARS,
  });

  return {
    push(chunk) {
      if (broken || result) return;
      try {
        parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        broken = true;
      }
    },
    finish() {
      if (result) return result;
      if (!broken) {
        try {
          // Flush a trailing partial UTF-8 sequence, then end any unterminated last event.
          parser.feed(decoder.decode() + "\n\n");
        } catch {
          broken = true;
        }
      }
      try {
        result = accumulator.summary();
      } catch {
        result = emptySummary();
      }
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
    const parsed = parseJson(utf8.decode(body));
    if (!isObject(parsed)) return emptySummary();
    return api === "openai" ? summarizeOpenAIBody(parsed) : api === "anthropic" ? summarizeAnthropicBody(parsed) : summarizeResponsesBody(parsed);
  } catch {
    return emptySummary();
  }
}
