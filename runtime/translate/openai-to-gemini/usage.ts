// Gemini's usageMetadata in both vocabularies (runtime/usage/usage.ts) and in OpenAI's wire shape. Gemini counts
// thinking apart from the answer (thoughtsTokenCount beside candidatesTokenCount) where OpenAI's
// completion_tokens includes reasoning, so completion = candidates + thoughts, with the thoughts also shown
// as reasoning_tokens. promptTokenCount already includes cachedContentTokenCount, as OpenAI's prompt_tokens
// includes cached_tokens. In a stream every event repeats the counts so far: the last one is the total.
// @see https://ai.google.dev/api/generate-content#UsageMetadata
import type { GeminiUsageMetadata, OpenAIChatUsage } from "../../../generated/types/index.ts";
import { ZERO_USAGE, type Usage } from "../../usage/usage.ts";
import { openaiUsage } from "../usage-shapes.ts";
import { isObject, numberOf } from "../untrusted.ts";

type Untrusted<T> = { readonly [K in keyof T]?: unknown };


/** For the request log too: null when `u` is not an object or carries none of the counts. */
export function usageFromGemini(u: unknown): Usage | null {
  if (!isObject(u)) return null;
  const usage = u as Untrusted<GeminiUsageMetadata>;
  const prompt = numberOf(usage.promptTokenCount);
  const candidates = numberOf(usage.candidatesTokenCount);
  const thoughts = numberOf(usage.thoughtsTokenCount);
  const cached = numberOf(usage.cachedContentTokenCount);
  if (prompt === undefined && candidates === undefined && thoughts === undefined && cached === undefined) return null;
  const p = prompt ?? 0;
  const c = (candidates ?? 0) + (thoughts ?? 0);
  const r = cached ?? 0;
  return {
    prompt_tokens: p,
    completion_tokens: c,
    total_tokens: p + c,
    input_tokens: Math.max(0, p - r),
    output_tokens: c,
    cache_read_input_tokens: r,
    cache_creation_input_tokens: 0,
  };
}

export function openaiUsageFromGemini(u: unknown): OpenAIChatUsage {
  const usage = openaiUsage(usageFromGemini(u) ?? ZERO_USAGE);
  const thoughts = isObject(u) ? numberOf(u.thoughtsTokenCount) : undefined;
  return thoughts ? { ...usage, completion_tokens_details: { reasoning_tokens: thoughts } } : usage;
}
