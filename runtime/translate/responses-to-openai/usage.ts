// Chat completions usage → Responses usage: prompt_tokens (cached included) is input_tokens, the cached
// share input_tokens_details.cached_tokens; completion_tokens (reasoning included) is output_tokens, the
// reasoning share output_tokens_details.reasoning_tokens. Without usage from the upstream, an estimate.
import type { OpenAIResponsesUsage } from "../../../generated/types/index.ts";
import { estimatedUsage, usageFromOpenAI } from "../../usage/usage.ts";
import { estimateTokens } from "../../usage/token-estimate.ts";
import { responsesUsage } from "../responses/envelope.ts";
import { isObject } from "../anthropic-to-openai/untrusted.ts";

export function usageFromChat(raw: unknown, estimatedInputTokens: number, outputChars: number): OpenAIResponsesUsage {
  const usage = usageFromOpenAI(raw);
  if (usage === null) return responsesUsage(estimatedUsage(estimatedInputTokens, estimateTokens(outputChars)), 0);
  const details = isObject(raw) && isObject(raw.completion_tokens_details) ? raw.completion_tokens_details : {};
  const reasoning = typeof details.reasoning_tokens === "number" && Number.isFinite(details.reasoning_tokens) ? details.reasoning_tokens : 0;
  return responsesUsage(usage, reasoning);
}

/** finish_reason → why a response is incomplete; null for a complete one. */
export function incompleteReason(finishReason: unknown): "max_output_tokens" | "content_filter" | null {
  if (finishReason === "length") return "max_output_tokens";
  if (finishReason === "content_filter") return "content_filter";
  return null;
}
