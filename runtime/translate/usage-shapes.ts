// A Usage (both vocabularies, runtime/usage/usage.ts) written back out in one API's wire shape. The conversion
// rules live in usage.ts: OpenAI prompt_tokens = input + cache read + cache creation, cached_tokens = cache
// read; the reverse clamps input at 0.
import type { AnthropicUsage, OpenAIChatUsage } from "../../generated/types/index.ts";
import type { Usage } from "../usage/usage.ts";

export function openaiUsage(usage: Usage): OpenAIChatUsage {
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
    prompt_tokens_details: { cached_tokens: usage.cache_read_input_tokens },
  };
}

/** Anthropic's shape, with the `cache_creation` object clients (Claude Code among them) expect to find. */
export function anthropicUsage(usage: Usage): AnthropicUsage {
  return {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    cache_creation: { ephemeral_5m_input_tokens: usage.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 },
  };
}
