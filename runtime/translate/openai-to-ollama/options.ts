// OpenAI sampling fields → Ollama's `options` (the Modelfile parameter names). Values pass unchanged:
// Ollama's temperature, top_p and penalties use OpenAI's scales. max_completion_tokens (or the older
// max_tokens) becomes num_predict; without either Ollama generates until the model stops or the context
// fills, as OpenAI does. Nulls, which the SDKs allow for "unset", are left out.
// @see https://github.com/ollama/ollama/blob/main/docs/modelfile.md#valid-parameters-and-values
import type { OllamaChatOptions, OpenAIChatRequest } from "../../../generated/types/index.ts";

export function translateOptions(body: OpenAIChatRequest): OllamaChatOptions | undefined {
  const options: OllamaChatOptions = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) options.num_predict = maxTokens;
  if (body.temperature != null) options.temperature = body.temperature;
  if (body.top_p != null) options.top_p = body.top_p;
  if (body.seed != null) options.seed = body.seed;
  if (body.presence_penalty != null) options.presence_penalty = body.presence_penalty;
  if (body.frequency_penalty != null) options.frequency_penalty = body.frequency_penalty;
  if (body.stop != null) options.stop = typeof body.stop === "string" ? [body.stop] : body.stop;
  return Object.keys(options).length > 0 ? options : undefined;
}
