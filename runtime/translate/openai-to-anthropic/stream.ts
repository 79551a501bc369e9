// Anthropic's message stream → OpenAI chat.completion.chunk events, one upstream event at a time.
//
// - message_start opens with the role chunk; content_block_* become content, tool_calls and
//   reasoning_content deltas. Tool call `index` counts tool calls from 0 (OpenAI clients accumulate by it),
//   not Anthropic's content block index, which also counts text and thinking blocks.
// - thinking text streams as `reasoning_content`; each thinking block is also assembled and sent whole, as
//   `thinking_blocks: [block]`, at its content_block_stop (its signature arrives last), so a client keeps
//   exactly one signed block per thinking block to send back. Redacted thinking is sent the same way.
// - a tool call whose arguments never streamed (a parameterless tool, or input given whole at
//   content_block_start) gets them at content_block_stop: "{}" or the input's JSON, never nothing.
// - usage in message_delta is cumulative: counts present there replace those from message_start.
// - with stream_options.include_usage every chunk carries `usage: null` and a last chunk with empty
//   choices carries the usage, as OpenAI does; `data: [DONE]` follows message_stop. An error event
//   becomes OpenAI's in-stream `{"error":{...}}` and ends the stream without [DONE].
// - an event that is not a JSON object stops the translation (`unreadable`), end() included: the runtime
//   ends the stream with its error event.
// @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
// @see https://platform.openai.com/docs/api-reference/chat-streaming
import { dataEvent, OPENAI_DONE } from "../sse.ts";
import { finishReasonOf } from "../stop-reasons.ts";
import { clientToolName } from "../tool-names.ts";
import type { StreamTranslator, TranslationState } from "../translator.ts";
import { openaiUsage } from "../usage-shapes.ts";
import { usageFromAnthropic } from "../../usage/usage.ts";
import { toolArguments } from "./response.ts";
import { ZERO_USAGE } from "../../usage/usage.ts";
import { isObject, numberOf, objectOf, parseJson, stringOf, unreadableEvent } from "../untrusted.ts";
import type { Json } from "../untrusted.ts";
import { createChunkWriter } from "../openai-chunks.ts";

type OpenBlock =
  | { kind: "tool"; call: number; input: unknown; streamed: boolean }
  | { kind: "thinking"; thinking: string; signature: string }
  | { kind: "redacted"; data: string };

const USAGE_KEYS = ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"] as const;

export function createStreamTranslator(state: TranslationState): StreamTranslator {
  const blocks = new Map<number, OpenBlock>();
  const usage: Record<string, number> = {};
  let toolCalls = 0;
  let finished = false;
  let closed = false;
  let unreadable: string | null = null;

  // The role chunk comes first even if the upstream skipped its opening event.
  const writer = createChunkWriter(state);
  const { chunk, delta, open } = writer;
  const setUsage = (source: unknown): void => {
    const counts = objectOf(source);
    for (const key of USAGE_KEYS) {
      const n = numberOf(counts[key]);
      if (n !== undefined) usage[key] = n;
    }
  };
  const finish = (stopReason: unknown): string => {
    if (finished) return "";
    finished = true;
    return open() + delta({}, finishReasonOf(stopReason));
  };
  const close = (): string => {
    closed = true;
    const usageChunk = state.includeUsage ? chunk([], openaiUsage(usageFromAnthropic(usage) ?? ZERO_USAGE)) : "";
    return usageChunk + OPENAI_DONE;
  };

  const blockStart = (index: unknown, block: Json): string => {
    const at = numberOf(index);
    switch (block.type) {
      case "text":
        return stringOf(block.text) === "" ? "" : open() + delta({ content: stringOf(block.text) });
      case "tool_use": {
        const call = toolCalls++;
        if (at !== undefined) blocks.set(at, { kind: "tool", call, input: block.input, streamed: false });
        const name = clientToolName(state.toolNames, stringOf(block.name));
        return open() + delta({ tool_calls: [{ index: call, id: stringOf(block.id), type: "function", function: { name, arguments: "" } }] });
      }
      case "thinking": {
        const thinking = stringOf(block.thinking);
        if (at !== undefined) blocks.set(at, { kind: "thinking", thinking, signature: stringOf(block.signature) });
        return thinking === "" ? "" : open() + delta({ reasoning_content: thinking });
      }
      case "redacted_thinking":
        if (at !== undefined) blocks.set(at, { kind: "redacted", data: stringOf(block.data) });
        return "";
      default: // server tools, container uploads: nothing an OpenAI client can show
        return "";
    }
  };

  const blockDelta = (index: unknown, change: Json): string => {
    const block = blocks.get(numberOf(index) ?? -1);
    switch (change.type) {
      case "text_delta": {
        const text = stringOf(change.text);
        return text === "" ? "" : open() + delta({ content: text });
      }
      case "input_json_delta": {
        const json = stringOf(change.partial_json);
        if (block?.kind !== "tool" || json === "") return "";
        block.streamed = true;
        return open() + delta({ tool_calls: [{ index: block.call, function: { arguments: json } }] });
      }
      case "thinking_delta": {
        const thinking = stringOf(change.thinking);
        if (block?.kind === "thinking") block.thinking += thinking;
        return thinking === "" ? "" : open() + delta({ reasoning_content: thinking });
      }
      case "signature_delta":
        if (block?.kind === "thinking") block.signature += stringOf(change.signature);
        return "";
      default: // citations_delta and future deltas
        return "";
    }
  };

  const blockStop = (index: unknown): string => {
    const at = numberOf(index) ?? -1;
    const block = blocks.get(at);
    blocks.delete(at);
    if (block?.kind === "tool") {
      if (block.streamed) return "";
      return open() + delta({ tool_calls: [{ index: block.call, function: { arguments: toolArguments(block.input) } }] });
    }
    if (block?.kind === "thinking") return open() + delta({ thinking_blocks: [{ type: "thinking", thinking: block.thinking, signature: block.signature }] });
    if (block?.kind === "redacted") return open() + delta({ thinking_blocks: [{ type: "redacted_thinking", data: block.data }] });
    return "";
  };

  return {
    event(name, data) {
      if (closed) return "";
      const parsed = parseJson(data);
      if (!isObject(parsed)) {
        // Not an event: the stream cannot be read on (blank data is only a keep-alive).
        unreadable = unreadableEvent(data);
        if (unreadable !== null) closed = true;
        return "";
      }
      switch (parsed.type ?? name) {
        case "message_start":
          setUsage(objectOf(parsed.message).usage);
          return open();
        case "content_block_start":
          return blockStart(parsed.index, objectOf(parsed.content_block));
        case "content_block_delta":
          return blockDelta(parsed.index, objectOf(parsed.delta));
        case "content_block_stop":
          return blockStop(parsed.index);
        case "message_delta":
          setUsage(parsed.usage);
          return finish(objectOf(parsed.delta).stop_reason);
        case "message_stop":
          return finish(undefined) + close();
        case "error": {
          closed = true;
          const error = objectOf(parsed.error);
          const message = stringOf(error.message) || "the upstream stream failed";
          return dataEvent({ error: { message, type: stringOf(error.type) || "api_error", code: null, param: null } });
        }
        default: // ping and future events
          return "";
      }
    },
    end() {
      // A stream cut before its finish is left for the runtime to report as broken.
      return !closed && finished ? close() : "";
    },
    get unreadable() {
      return unreadable;
    },
  };
}
