// A CLI reports no token counts, so usage is estimated from characters (about four per token, the rule
// both vendors give for English), for the prompt as sent and the text received. The request log cannot
// tell these from real counts; they are good for rough totals, not billing.
import { estimateTokens } from "../token-estimate.ts";
import type { Usage } from "../usage.ts";

export { estimateTokens };

/** Counts in both vocabularies, as runtime/usage.ts defines them (no cache on a CLI). */
export function estimatedUsage(inputTokens: number, outputTokens: number): Usage {
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
}
