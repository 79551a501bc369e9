// Ollama's NDJSON stream → OpenAI chat.completion.chunk events, one line at a time (the runtime splits
// the body into lines and passes each as `event(undefined, line)`).
//
// - the first line opens with the role chunk; `message.thinking` increments become reasoning_content
//   deltas and `message.content` increments content deltas, in that order within a line.
// - tool calls arrive whole: each becomes one chunk carrying id, name and all of its arguments, with
//   `index` counting tool calls from 0 across the stream, as OpenAI clients accumulate by it.
// - the done: true line carries done_reason and the counts: it ends the stream with the finish chunk, the
//   usage chunk (stream_options.include_usage: every chunk carries `usage: null` until then, as OpenAI
//   does) and `data: [DONE]`.
// - a line {"error": "..."} (a failure after the 200 was sent) becomes OpenAI's in-stream
//   `{"error":{...}}` and ends the stream without [DONE].
// - a stream that ends after it started but before done: true still gets its finish chunk, usage (zero:
//   the counts never came) and [DONE] from end(), once.
// - a line that is not a JSON object stops the translation (`unreadable`), end() included: the runtime
//   ends the stream with its error event.
// @see https://github.com/ollama/ollama/blob/main/docs/api.md#chat-request-streaming
// @see https://platform.openai.com/docs/api-reference/chat-streaming
import type { OpenAIChatChunkFinishReason } from "../../../generated/types/index.ts";
import { dataEvent, OPENAI_DONE } from "../sse.ts";
import type { StreamTranslator, TranslationState } from "../translator.ts";
import { openaiUsage } from "../usage-shapes.ts";
import type { Usage } from "../../usage/usage.ts";
import { finishReasonOf, usageOf } from "./response.ts";
import { ZERO_USAGE } from "../../usage/usage.ts";
import { openaiToolCall } from "./tool-calls.ts";
import { arrayOf, isObject, objectOf, parseJson, stringOf, unreadableEvent } from "../untrusted.ts";
import { createChunkWriter } from "../openai-chunks.ts";

export function createStreamTranslator(state: TranslationState): StreamTranslator {
  let toolCalls = 0;
  let closed = false;
  let unreadable: string | null = null;
  let reported: Usage | null = null;

  // The role chunk comes first even if the upstream skipped its opening event.
  const writer = createChunkWriter(state);
  const { chunk, delta, open } = writer;
  const close = (finishReason: OpenAIChatChunkFinishReason, usage: Usage): string => {
    closed = true;
    const usageChunk = state.includeUsage ? chunk([], openaiUsage(usage)) : "";
    return open() + delta({}, finishReason) + usageChunk + OPENAI_DONE;
  };

  return {
    event(_name, data) {
      if (closed) return "";
      const line = parseJson(data);
      if (!isObject(line)) {
        // Not a line of the stream: it cannot be read on (the splitter already skips blank lines).
        unreadable = unreadableEvent(data);
        if (unreadable !== null) closed = true;
        return "";
      }
      if (line.error !== undefined && line.error !== null) {
        closed = true;
        const message = stringOf(line.error) || stringOf(objectOf(line.error).message) || "the upstream stream failed";
        return dataEvent({ error: { message, type: "api_error", code: null, param: null } });
      }
      const message = objectOf(line.message);
      let out = open();
      const thinking = stringOf(message.thinking);
      if (thinking !== "") out += delta({ reasoning_content: thinking });
      const content = stringOf(message.content);
      if (content !== "") out += delta({ content });
      for (const call of arrayOf(message.tool_calls)) {
        const n = toolCalls++;
        out += delta({ tool_calls: [{ index: n, ...openaiToolCall(call, n, state.responseId) }] });
      }
      if (line.done === true) {
        reported = usageOf(line);
        out += close(finishReasonOf(line.done_reason, toolCalls > 0), reported);
      }
      return out;
    },
    end() {
      return writer.started && !closed ? close(toolCalls > 0 ? "tool_calls" : "stop", ZERO_USAGE) : "";
    },
    upstreamUsage: () => reported,
    get unreadable() {
      return unreadable;
    },
  };
}
