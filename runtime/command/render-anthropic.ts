// A CLI's text as an Anthropic message with one text block: the event stream (message_start, ping,
// content_block_start, text_delta…, content_block_stop, message_delta, message_stop), or one message body.
// @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
// @see https://docs.anthropic.com/en/api/messages
import type {
  AnthropicContentBlockDeltaEvent,
  AnthropicMessageDeltaEvent,
  AnthropicMessageStartEvent,
  AnthropicMessagesResponse,
} from "../../generated/types/index.ts";
import { namedEvent } from "../translate/sse.ts";
import { anthropicUsage } from "../translate/usage-shapes.ts";
import type { RenderContext, TextRenderer } from "./render.ts";
import { estimatedUsage } from "./estimate.ts";

const STOP_REASON = "end_turn";

export function createAnthropicRenderer(ctx: RenderContext): TextRenderer {
  return {
    finishReason: STOP_REASON,
    open() {
      const start: AnthropicMessageStartEvent = {
        type: "message_start",
        // Output is counted at message_delta; input is final here, as the API has it.
        message: { id: ctx.id, type: "message", role: "assistant", model: ctx.model, content: [], stop_reason: null, stop_sequence: null, usage: anthropicUsage(estimatedUsage(ctx.inputTokens, 0)) },
      };
      return (
        namedEvent("message_start", start) +
        namedEvent("ping", { type: "ping" }) +
        namedEvent("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } })
      );
    },
    delta(text) {
      const event: AnthropicContentBlockDeltaEvent = { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } };
      return namedEvent("content_block_delta", event);
    },
    close(usage) {
      const delta: AnthropicMessageDeltaEvent = {
        type: "message_delta",
        delta: { stop_reason: STOP_REASON, stop_sequence: null },
        usage: { input_tokens: usage.input_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: usage.output_tokens },
      };
      return (
        namedEvent("content_block_stop", { type: "content_block_stop", index: 0 }) +
        namedEvent("message_delta", delta) +
        namedEvent("message_stop", { type: "message_stop" })
      );
    },
    body(text, usage) {
      const message: AnthropicMessagesResponse = {
        id: ctx.id,
        type: "message",
        role: "assistant",
        model: ctx.model,
        content: [{ type: "text", text }],
        stop_reason: STOP_REASON,
        stop_sequence: null,
        usage: anthropicUsage(usage),
      };
      return JSON.stringify(message);
    },
  };
}
