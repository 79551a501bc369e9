// OpenAI chat.completion.chunk stream → Anthropic message events, one upstream event at a time.
//
// - message_start (then a ping) goes out on the first chunk, with the request's estimated input tokens:
//   clients read it before the real count exists.
// - finish_reason only notes the stop reason. message_delta and message_stop wait for the usage chunk
//   that include_usage adds after it (or [DONE], or the end of the stream), so message_delta carries the
//   real counts. Anthropic's message_delta usage is cumulative: the counts are set, not added.
// - An error payload in the stream becomes Anthropic's `error` event, and nothing follows it.
// - An event that is not a JSON object stops the translation (`unreadable`): the runtime ends the stream
//   with its error event, rather than the client taking what came before for the whole answer.
import type { AnthropicErrorEvent, AnthropicMessageDeltaEvent, AnthropicMessageStartEvent } from "../../../generated/types/index.ts";
import { namedEvent } from "../sse.ts";
import type { StreamTranslator, TranslationState } from "../translator.ts";
import { usageFromOpenAI, type Usage } from "../../usage/usage.ts";
import { ContentBlocks } from "./blocks.ts";
import { stopReason } from "./stop-reason.ts";
import { ToolCalls } from "./tool-calls.ts";
import { argumentsText, isObject, objectOf, parseObject, reasoningOf, textOf, type Loose } from "./untrusted.ts";
import { estimateTokens } from "../../usage/token-estimate.ts";
import { unreadableEvent } from "../untrusted.ts";


export class AnthropicStreamFromOpenAI implements StreamTranslator {
  private started = false;
  private ended = false;
  private finishReason: unknown;
  private usage: Usage | null = null;
  private readonly blocks: ContentBlocks;
  private readonly toolCalls: ToolCalls;
  unreadable: string | null = null;

  constructor(private readonly state: TranslationState) {
    this.blocks = new ContentBlocks(state.toolNames);
    this.toolCalls = new ToolCalls(state.responseId);
  }

  event(name: string | undefined, data: string): string {
    if (this.ended) return "";
    if (data.trim() === "[DONE]") return this.finish();
    const chunk = parseObject(data);
    if (name === "error" || (chunk && chunk.error != null)) return this.fail(chunk ? chunk.error : data);
    if (!chunk) {
      // Not a chunk: the stream cannot be read on (blank data is only a keep-alive).
      this.unreadable = unreadableEvent(data);
      if (this.unreadable !== null) this.ended = true;
      return "";
    }

    let out = this.start();
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    // Only the first choice: Anthropic has no n > 1, and the request never asks for it.
    const choice = choices.find((c): c is Loose => isObject(c) && (c.index ?? 0) === 0);
    if (choice) {
      out += this.delta(objectOf(choice.delta));
      if (typeof choice.finish_reason === "string") this.finishReason = choice.finish_reason;
    }
    const usage = usageFromOpenAI(chunk.usage);
    if (usage) {
      this.usage = usage;
      // Servers that repeat usage on every chunk are not done until the finish_reason has come.
      if (this.finishReason !== undefined) out += this.finish();
    }
    return out;
  }

  end(): string {
    return this.started && !this.ended ? this.finish() : "";
  }

  private delta(delta: Loose): string {
    let out = this.blocks.text("thinking", reasoningOf(delta));
    out += this.blocks.text("text", textOf(delta.content) || (typeof delta.refusal === "string" ? delta.refusal : ""));
    const fragments = Array.isArray(delta.tool_calls) ? delta.tool_calls : [];
    for (const fragment of fragments) {
      if (!isObject(fragment)) continue;
      const fn = objectOf(fragment.function);
      const { call, isNew } = this.toolCalls.locate(fragment);
      if (!call.name && typeof fn.name === "string") call.name = fn.name;
      if (isNew) out += this.blocks.toolStart(call);
      out += this.blocks.toolArgs(call, argumentsText(fn.arguments));
    }
    return out;
  }

  private start(): string {
    if (this.started) return "";
    this.started = true;
    const start: AnthropicMessageStartEvent = {
      type: "message_start",
      message: {
        id: this.state.responseId,
        type: "message",
        role: "assistant",
        model: this.state.clientModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: this.state.estimatedInputTokens,
          output_tokens: 1,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
        },
      },
    };
    return namedEvent("message_start", start) + namedEvent("ping", { type: "ping" });
  }

  /** The closing frames. Also for a stream that was only [DONE]: the client still gets a whole, empty message. */
  private finish(): string {
    let out = this.start() + this.blocks.finish();
    this.ended = true;
    const usage = this.usage;
    const messageDelta: AnthropicMessageDeltaEvent = {
      type: "message_delta",
      delta: { stop_reason: stopReason(this.finishReason, this.toolCalls.any), stop_sequence: null },
      usage: usage
        ? {
            input_tokens: usage.input_tokens,
            cache_creation_input_tokens: usage.cache_creation_input_tokens,
            cache_read_input_tokens: usage.cache_read_input_tokens,
            output_tokens: usage.output_tokens,
          }
        : // No usage from the upstream (it ignored include_usage): keep the estimate, count the output roughly.
          {
            input_tokens: this.state.estimatedInputTokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: estimateTokens(this.blocks.outputChars),
          },
    };
    out += namedEvent("message_delta", messageDelta) + namedEvent("message_stop", { type: "message_stop" });
    return out;
  }

  private fail(error: unknown): string {
    this.ended = true;
    const message = isObject(error) && typeof error.message === "string" ? error.message : typeof error === "string" && error.trim() ? error.trim() : "upstream stream error";
    const event: AnthropicErrorEvent = { type: "error", error: { type: "api_error", message } };
    return namedEvent("error", event);
  }
}
