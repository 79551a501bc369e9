// The Anthropic stop_reason of an OpenAI finish_reason, given what the model produced.
import type { AnthropicStopReason } from "../../../generated/types/index.ts";
import { stopReasonOf } from "../stop-reasons.ts";

/**
 * tool_use whenever the model called tools, even when a server says "stop" (many do), except when the
 * output was cut off: max_tokens tells the client the last call's input may be incomplete.
 */
export function stopReason(finishReason: unknown, calledTools: boolean, refused = false): AnthropicStopReason {
  const reason = stopReasonOf(finishReason);
  if (reason === "max_tokens") return reason;
  if (calledTools) return "tool_use";
  return refused && reason === "end_turn" ? "refusal" : reason;
}
