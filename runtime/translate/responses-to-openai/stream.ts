// OpenAI chat.completion.chunk stream → Responses API events, one upstream event at a time, through
// ../responses/stream-writer.ts (which owns the event order and sequence numbers).
//
// - response.created and response.in_progress go out on the first chunk.
// - Deltas open items as they come: reasoning_content / reasoning a reasoning item (its summary text),
//   content a message, refusal a refusal part, each tool call (by `index`, or by id for servers that
//   omit it) a function_call item. A whole thinking block (the Anthropic translation sends one at its end,
//   signature included) becomes the reasoning item's encrypted_content.
// - finish_reason only notes how the response ends. response.completed (or response.incomplete for
//   length / content_filter) waits for the usage chunk include_usage adds after it, or [DONE], or the end
//   of the stream, so it carries the real counts.
// - An error payload becomes the `error` event and response.failed; nothing follows.
// - An event that is not a JSON object stops the translation (`unreadable`), end() included: the runtime
//   ends the stream with its error event.
import type { StreamTranslator, TranslationState } from "../translator.ts";
import { argumentsText, isObject, objectOf, parseObject, reasoningOf, textOf, type Loose } from "../anthropic-to-openai/untrusted.ts";
import { REDACTED_PREFIX, THINKING_PREFIX, type ResponsesState } from "../responses/envelope.ts";
import { ResponsesStreamWriter } from "../responses/stream-writer.ts";
import { incompleteReason, usageFromChat } from "./usage.ts";
import { unreadableEvent } from "../untrusted.ts";

export class ResponsesStreamFromOpenAI implements StreamTranslator {
  private readonly writer: ResponsesStreamWriter;
  private finishReason: unknown;
  private usage: unknown = null;
  /** Tool call keys by `index`, for fragments that name only the index. */
  private readonly callKeys: string[] = [];
  private lastCallKey = "";
  unreadable: string | null = null;

  constructor(private readonly state: TranslationState) {
    this.writer = new ResponsesStreamWriter(state as ResponsesState);
  }

  event(name: string | undefined, data: string): string {
    if (this.writer.isEnded || this.unreadable !== null) return "";
    if (data.trim() === "[DONE]") return this.finish();
    const chunk = parseObject(data);
    if (name === "error" || (chunk && chunk.error != null)) return this.fail(chunk ? chunk.error : data);
    if (!chunk) {
      // Not a chunk: the stream cannot be read on (blank data is only a keep-alive).
      this.unreadable = unreadableEvent(data);
      return "";
    }
    let out = this.writer.start();
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    const choice = choices.find((c): c is Loose => isObject(c) && (c.index ?? 0) === 0);
    if (choice) {
      out += this.delta(objectOf(choice.delta));
      if (typeof choice.finish_reason === "string") this.finishReason = choice.finish_reason;
    }
    if (isObject(chunk.usage)) {
      this.usage = chunk.usage;
      if (this.finishReason !== undefined) out += this.finish();
    }
    return out;
  }

  end(): string {
    return this.writer.isStarted && !this.writer.isEnded && this.unreadable === null ? this.finish() : "";
  }

  private delta(delta: Loose): string {
    const w = this.writer;
    let out = w.reasoning(reasoningOf(delta));
    if (Array.isArray(delta.thinking_blocks)) {
      for (const block of delta.thinking_blocks) {
        if (!isObject(block)) continue;
        if (block.type === "thinking" && typeof block.signature === "string") out += w.encrypted(THINKING_PREFIX + block.signature, typeof block.thinking === "string" ? block.thinking : "");
        else if (block.type === "redacted_thinking" && typeof block.data === "string") out += w.encrypted(REDACTED_PREFIX + block.data, "");
      }
    }
    out += w.text(textOf(delta.content));
    if (typeof delta.refusal === "string") out += w.refusal(delta.refusal);
    const fragments = Array.isArray(delta.tool_calls) ? delta.tool_calls : [];
    for (const fragment of fragments) {
      if (!isObject(fragment)) continue;
      const fn = objectOf(fragment.function);
      const id = typeof fragment.id === "string" ? fragment.id : "";
      let key: string | undefined;
      if (typeof fragment.index === "number") key = this.callKeys[fragment.index];
      else if (id !== "") key = w.hasCall(`id:${id}`) ? `id:${id}` : undefined;
      else key = this.lastCallKey || undefined;
      if (key === undefined) {
        key = typeof fragment.index === "number" ? `index:${fragment.index}` : `id:${id || this.callKeys.length}`;
        if (typeof fragment.index === "number") this.callKeys[fragment.index] = key;
        else this.callKeys.push(key);
        const callId = id || `call_${this.state.responseId}_${this.callKeys.length - 1}`;
        out += w.toolStart(key, callId, typeof fn.name === "string" ? fn.name : "");
      }
      this.lastCallKey = key;
      out += w.toolArgs(key, argumentsText(fn.arguments));
    }
    return out;
  }

  private finish(): string {
    const usage = usageFromChat(this.usage, this.state.estimatedInputTokens, this.writer.outputChars);
    return this.writer.finish(usage, incompleteReason(this.finishReason));
  }

  private fail(error: unknown): string {
    const e = objectOf(error);
    const message = typeof e.message === "string" ? e.message : typeof error === "string" && error.trim() ? error.trim() : "upstream stream error";
    const code = typeof e.code === "string" ? e.code : typeof e.type === "string" ? e.type : "server_error";
    return this.writer.fail(code, message);
  }
}
