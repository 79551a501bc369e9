// Why generation stopped, in each API's words.
import type { AnthropicStopReason, OpenAIChatFinishReason } from "../../generated/types/index.ts";

export function finishReasonOf(stopReason: unknown): OpenAIChatFinishReason {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default: // end_turn, stop_sequence, pause_turn, missing
      return "stop";
  }
}

export function stopReasonOf(finishReason: unknown): AnthropicStopReason {
  switch (finishReason) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}
