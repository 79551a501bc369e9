// Anthropic's prompt-cache marker in the shape OpenRouter and LiteLLM accept on OpenAI-format parts and
// tools. Kept only when the route asks (keepCacheControl); OpenAI itself ignores or rejects it.
import type { AnthropicCacheControl, OpenAIChatCacheControl } from "../../../generated/types/index.ts";

/** The upstream shape knows only the 5m and 1h lifetimes; any other ttl falls back to the default. */
export function cacheControlOf(marker: AnthropicCacheControl): OpenAIChatCacheControl {
  return marker.ttl === "5m" || marker.ttl === "1h" ? { type: "ephemeral", ttl: marker.ttl } : { type: "ephemeral" };
}
