// Top-level OpenAI request fields with no Gemini counterpart, noted only when set to something other than
// their default (n: 1, logprobs: false, modalities: ["text"] ask for nothing extra). Gemini has logprobs
// (responseLogprobs), but this translation does not carry them back into the response, so asking for them
// is unsupported rather than silently unanswered.
//
// Ignored without a note, because leaving them out changes nothing the client can observe in the answer:
// user and safety_identifier, store and metadata (OpenAI's stored completions), service_tier, verbosity,
// prompt_cache_key and prompt_cache_retention (Gemini caches implicitly, or by cachedContent),
// stream_options.include_obfuscation, and unknown keys that validation let through.
import type { OpenAIChatRequest } from "../../../generated/types/index.ts";
import type { UnsupportedFields } from "../unsupported-fields.ts";

export function noteUnsupportedParams(body: OpenAIChatRequest, unsupported: UnsupportedFields): void {
  const set = (value: unknown) => value !== undefined && value !== null;
  if (set(body.n) && body.n !== 1) unsupported.noteValue(["n"], body.n);
  if (body.logprobs === true) unsupported.noteValue(["logprobs"], true);
  if (set(body.top_logprobs) && body.top_logprobs !== 0) unsupported.noteValue(["top_logprobs"], body.top_logprobs);
  if (set(body.logit_bias) && Object.keys(body.logit_bias ?? {}).length > 0) unsupported.noteValue(["logit_bias"], body.logit_bias);
  if (set(body.audio)) unsupported.note(["audio"], "audio output");
  if (set(body.modalities) && (body.modalities ?? []).some((m) => m !== "text")) unsupported.noteValue(["modalities"], body.modalities);
  if (set(body.prediction)) unsupported.note(["prediction"], "prediction (predicted outputs)");
  if (set(body.web_search_options)) unsupported.note(["web_search_options"], "web_search_options");
  if (set(body.functions)) unsupported.note(["functions"], "functions (deprecated in favour of tools)");
  if (set(body.function_call)) unsupported.note(["function_call"], "function_call (deprecated in favour of tool_choice)");
}
