// Sampling and output settings → generationConfig. Gemini's ranges match OpenAI's (temperature 0–2, top_p
// 0–1), so values pass as they are; seed and the two penalties are generationConfig fields too (a model
// without penalty support answers 400 naming them). max_completion_tokens (or max_tokens) → maxOutputTokens,
// which, like OpenAI's limit, counts thinking tokens. n: only 1 (unsupported-params.ts).
//
// response_format json_object → responseMimeType application/json; json_schema adds the schema, sanitised
// like tool parameters. reasoning_effort → thinkingConfig with the budgets Google's own OpenAI-compatible
// endpoint uses (low 1024, medium 8192, high 24576; minimal as low, xhigh as high, the largest budget every
// 2.5 model accepts) and thought summaries on, so they stream back as reasoning_content; "none" is budget 0,
// thinking off (which 2.5 Pro refuses with a 400 of its own).
// @see https://ai.google.dev/api/generate-content#generationconfig
// @see https://ai.google.dev/gemini-api/docs/openai#thinking
import type { GeminiGenerationConfig, GeminiThinkingConfig, OpenAIChatRequest } from "../../../generated/types/index.ts";
import { sanitizeSchema } from "./schema.ts";
import type { UnsupportedFields } from "../unsupported-fields.ts";

const JSON_MIME_TYPE = "application/json";

const THINKING_BUDGETS: Readonly<Record<string, number>> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576, xhigh: 24576 };

export function translateGenerationConfig(body: OpenAIChatRequest, unsupported: UnsupportedFields): GeminiGenerationConfig | undefined {
  const config: GeminiGenerationConfig = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (body.temperature != null) config.temperature = body.temperature;
  if (body.top_p != null) config.topP = body.top_p;
  const stop = typeof body.stop === "string" ? [body.stop] : (body.stop ?? []);
  if (stop.length > 0) config.stopSequences = stop;
  if (body.seed != null) config.seed = body.seed;
  if (body.presence_penalty) config.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty) config.frequencyPenalty = body.frequency_penalty;

  const format = body.response_format;
  if (format?.type === "json_object" || format?.type === "json_schema") config.responseMimeType = JSON_MIME_TYPE;
  if (format?.type === "json_schema" && format.json_schema.schema) {
    config.responseSchema = sanitizeSchema(format.json_schema.schema, ["response_format", "json_schema", "schema"], unsupported, { keepOrder: true });
  }

  const thinking = thinkingConfig(body.reasoning_effort, unsupported);
  if (thinking) config.thinkingConfig = thinking;
  return Object.keys(config).length > 0 ? config : undefined;
}

function thinkingConfig(effort: string | null | undefined, unsupported: UnsupportedFields): GeminiThinkingConfig | undefined {
  if (effort == null) return undefined;
  const budget = THINKING_BUDGETS[effort];
  if (budget === undefined) {
    unsupported.noteValue(["reasoning_effort"], effort);
    return undefined;
  }
  return budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
}
