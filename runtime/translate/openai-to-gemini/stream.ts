// Gemini's :streamGenerateContent?alt=sse → OpenAI chat.completion.chunk events, one upstream event at a time.
//
// - every event is a whole GenerateContentResponse (no event names) carrying the parts generated since the
//   last one: answer text becomes content deltas, thought summaries reasoning_content deltas, and each
//   function call, which arrives whole, one tool_calls delta with its id, name and complete arguments.
//   Tool call `index` counts tool calls from 0, as OpenAI clients accumulate by it.
// - the role chunk goes first, on the first event.
// - Gemini ends its stream without a terminator, and finishReason may come on an event that still carries
//   text, and usageMetadata is repeated on every event (cumulative: the last wins). So the finish chunk,
//   the usage chunk (with stream_options.include_usage: `usage: null` on every chunk before it, as OpenAI
//   does) and `data: [DONE]` are written at the end of the stream, once. A stream cut before any
//   finishReason (or prompt block) gets none of them: the runtime reports it as broken.
// - an error event ({error:{code,message,status}}) becomes OpenAI's in-stream `{"error":{...}}` and ends the
//   stream without [DONE].
// - an event that is not a JSON object stops the translation (`unreadable`), end() included: the runtime
//   ends the stream with its error event.
// @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
// @see https://platform.openai.com/docs/api-reference/chat-streaming
import { dataEvent, OPENAI_DONE } from "../sse.ts";
import type { StreamTranslator, TranslationState } from "../translator.ts";
import { finishReasonOf } from "./finish-reasons.ts";
import { candidateParts, firstCandidate, promptBlocked, toolCallOf, viewPart } from "./parts.ts";
import { isObject, objectOf, parseJson, stringOf, unreadableEvent } from "../untrusted.ts";
import { openaiUsageFromGemini, usageFromGemini } from "./usage.ts";
import { createChunkWriter } from "../openai-chunks.ts";

export function createStreamTranslator(state: TranslationState): StreamTranslator {
  let toolCalls = 0;
  let closed = false;
  let unreadable: string | null = null;
  let finishReason: unknown;
  let blocked = false;
  let usage: unknown;

  // The role chunk comes first even if the upstream skipped its opening event.
  const writer = createChunkWriter(state);
  const { chunk, delta, open } = writer;

  const part = (raw: unknown): string => {
    const view = viewPart(raw);
    switch (view.kind) {
      case "text":
        return delta({ content: view.text });
      case "thought":
        return delta({ reasoning_content: view.text });
      case "call": {
        const index = toolCalls++;
        const call = toolCallOf(view.call, view.signature, index, state);
        return delta({ tool_calls: [{ index, ...call }] });
      }
      default:
        return "";
    }
  };

  const fail = (error: unknown): string => {
    closed = true;
    const e = objectOf(error);
    const message = stringOf(e.message) || (typeof error === "string" && error) || "the upstream stream failed";
    return dataEvent({ error: { message, type: stringOf(e.status) || "api_error", code: null, param: null } });
  };

  return {
    event(_name, data) {
      if (closed) return "";
      const response = parseJson(data);
      if (!isObject(response)) {
        // Not a GenerateContentResponse: the stream cannot be read on (blank data is only a keep-alive).
        unreadable = unreadableEvent(data);
        if (unreadable !== null) closed = true;
        return "";
      }
      if (response.error !== undefined && response.error !== null) return fail(response.error);
      if (isObject(response.usageMetadata)) usage = response.usageMetadata;
      const candidate = firstCandidate(response);
      if (!candidate && promptBlocked(response)) blocked = true;
      let out = open();
      for (const raw of candidateParts(candidate)) out += part(raw);
      const reason = candidate?.finishReason;
      if (typeof reason === "string" && reason !== "") finishReason = reason;
      return out;
    },
    end() {
      if (closed || (finishReason === undefined && !blocked)) return "";
      closed = true;
      const reason = blocked ? "content_filter" : finishReasonOf(finishReason, toolCalls > 0);
      const usageChunk = state.includeUsage ? chunk([], openaiUsageFromGemini(usage)) : "";
      return open() + delta({}, reason) + usageChunk + OPENAI_DONE;
    },
    upstreamUsage: () => usageFromGemini(usage),
    get unreadable() {
      return unreadable;
    },
  };
}
