// Top-level OpenAI request fields with no Anthropic counterpart, noted only when set to something other
// than their default (n: 1, logprobs: false, penalties: 0, modalities: ["text"] ask for nothing extra).
//
// Ignored without a note, because leaving them out changes nothing the client can observe in the answer:
// store and metadata (OpenAI's stored completions), service_tier (OpenAI's tiers), verbosity,
// prompt_cache_key and prompt_cache_retention (Anthropic caches by cache_control breakpoints instead),
// stream_options.include_obfuscation, and unknown keys that validation let through.
import type { OpenAIChatRequest } from "../../../generated/types/index.ts";
import type { UnsupportedFields } from "../unsupported-fields.ts";

export function noteUnsupportedParams(body: OpenAIChatRequest, unsupported: UnsupportedFields): void {
  const set = (value: unknown) => value !== undefined && value !== null;
  if (set(body.n) && body.n !== 1) unsupported.noteValue(["n"], body.n);
  if (body.logprobs === true) unsupported.noteValue(["logprobs"], true);
  if (set(body.top_logprobs) && body.top_logprobs !== 0) unsupported.noteValue(["top_logprobs"], body.top_logprobs);
  if (set(body.presence_penalty) && body.presence_penalty !== 0) unsupported.noteValue(["presence_penalty"], body.presence_penalty);
  if (set(body.frequency_penalty) && body.frequency_penalty !== 0) unsupported.noteValue(["frequency_penalty"], body.frequency_penalty);
  if (set(body.logit_bias) && Object.keys(body.logit_bias ?? {}).length > 0) unsupported.noteValue(["logit_bias"], body.logit_bias);
  if (set(body.seed)) unsupported.noteValue(["seed"], body.seed);
  if (set(body.audio)) unsupported.note(["audio"], "audio output");
  if (set(body.modalities) && (body.modalities ?? []).some((m) => m !== "text")) unsupported.noteValue(["modalities"], body.modalities);
  if (set(body.prediction)) unsupported.note(["prediction"], "prediction (predicted outputs)");
  if (set(body.web_search_options)) unsupported.note(["web_search_options"], "web_search_options");
  if (set(body.functions)) unsupported.note(["functions"], "functions (deprecated in favour of tools)");
  if (set(body.function_call)) unsupported.note(["function_call"], "function_call (deprecated in favour of tool_choice)");
}
