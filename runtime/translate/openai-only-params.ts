// Top-level OpenAI chat request fields that no other API this gateway translates to can express, noted only
// when set to something other than their default (n: 1, logprobs: false, penalties: 0, modalities: ["text"]
// ask for nothing extra). The route's unsupported policy then drops or rejects them.
//
// Ignored without a note, because leaving them out changes nothing the client can observe in the answer:
// store and metadata (OpenAI's stored completions), service_tier, verbosity, user and safety_identifier
// (mapped where the target has a user id), prompt_cache_key and prompt_cache_retention (the targets cache by
// their own means), stream_options.include_obfuscation, and unknown keys that validation let through.
import type { OpenAIChatRequest } from "../../generated/types/index.ts";
import type { UnsupportedFields } from "./unsupported-fields.ts";

export interface OpenAIOnlyParamsOptions {
  /** Whether the target lacks presence/frequency penalties and seed (Anthropic does; Gemini and Ollama have them). */
  readonly penaltiesAndSeed: boolean;
}

export function noteOpenAIOnlyParams(body: OpenAIChatRequest, unsupported: UnsupportedFields, options: OpenAIOnlyParamsOptions): void {
  const set = (value: unknown) => value !== undefined && value !== null;
  if (set(body.n) && body.n !== 1) unsupported.noteValue(["n"], body.n);
  if (body.logprobs === true) unsupported.noteValue(["logprobs"], true);
  if (set(body.top_logprobs) && body.top_logprobs !== 0) unsupported.noteValue(["top_logprobs"], body.top_logprobs);
  if (options.penaltiesAndSeed) {
    if (set(body.presence_penalty) && body.presence_penalty !== 0) unsupported.noteValue(["presence_penalty"], body.presence_penalty);
    if (set(body.frequency_penalty) && body.frequency_penalty !== 0) unsupported.noteValue(["frequency_penalty"], body.frequency_penalty);
  }
  if (set(body.logit_bias) && Object.keys(body.logit_bias ?? {}).length > 0) unsupported.noteValue(["logit_bias"], body.logit_bias);
  if (options.penaltiesAndSeed && set(body.seed)) unsupported.noteValue(["seed"], body.seed);
  if (set(body.audio)) unsupported.note(["audio"], "audio output");
  if (set(body.modalities) && (body.modalities ?? []).some((m) => m !== "text")) unsupported.noteValue(["modalities"], body.modalities);
  if (set(body.prediction)) unsupported.note(["prediction"], "prediction (predicted outputs)");
  if (set(body.web_search_options)) unsupported.note(["web_search_options"], "web_search_options");
  if (set(body.functions)) unsupported.note(["functions"], "functions (deprecated in favour of tools)");
  if (set(body.function_call)) unsupported.note(["function_call"], "function_call (deprecated in favour of tool_choice)");
}
