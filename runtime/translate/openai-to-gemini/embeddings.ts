// OpenAI embeddings (POST /v1/embeddings) in front of Gemini's models/{model}:batchEmbedContents, which takes
// one request per input (each naming the model again, as models/{model}: it must match the URL's) and answers
// one vector per request, in order. `dimensions` is outputDimensionality. Token-array inputs cannot be sent:
// Gemini embeds text. Gemini reports no token counts for embeddings, so usage is zero.
// `user` is ignored. Vertex AI has no batchEmbedContents for its embedding models (they use :predict), so
// this is for the Gemini API only.
// @see https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
// @see https://platform.openai.com/docs/api-reference/embeddings/create
import { translateError } from "../errors.ts";
import type { TranslationContext } from "../translator.ts";
import { embeddingsState, encodeEmbedding, type EmbeddingsRequestTranslation, type EmbeddingsState, type EmbeddingsTranslator, type OpenAIEmbeddingsRequest, type OpenAIEmbeddingsResponse } from "../embeddings.ts";
import { arrayOf, numberOf, objectOf } from "../untrusted.ts";

export interface GeminiBatchEmbedContentsRequest {
  requests: { model: string; content: { parts: { text: string }[] }; outputDimensionality?: number }[];
}

export interface GeminiBatchEmbedContentsResponse {
  embeddings: { values: number[] }[];
}

export type GeminiEmbeddingsTranslator = EmbeddingsTranslator<GeminiBatchEmbedContentsRequest, GeminiBatchEmbedContentsResponse>;

function textInputs(input: unknown): string[] | undefined {
  if (typeof input === "string") return [input];
  return Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === "string") ? input : undefined;
}

/** "models/<model>", whether or not the target's model already says "models/". */
function resourceName(model: string): string {
  return model.startsWith("models/") ? model : `models/${model}`;
}

function translateRequest(body: OpenAIEmbeddingsRequest, context: TranslationContext): EmbeddingsRequestTranslation<GeminiBatchEmbedContentsRequest> {
  const inputs = textInputs(body.input);
  if (!inputs) {
    const message = Array.isArray(body.input) && body.input.length === 0 ? "an empty input list" : "token-array input (send text)";
    return { ok: false, problem: { path: "/input", message: `${message} cannot be expressed by the Gemini API` } };
  }
  const model = resourceName(context.upstreamModel);
  const dimensions = body.dimensions != null ? { outputDimensionality: body.dimensions } : {};
  return {
    ok: true,
    body: { requests: inputs.map((text) => ({ model, content: { parts: [{ text }] }, ...dimensions })) },
    state: embeddingsState(body, context),
  };
}

function translateResponse(body: GeminiBatchEmbedContentsResponse, state: EmbeddingsState): OpenAIEmbeddingsResponse {
  const data = arrayOf(objectOf(body).embeddings).map((item, index) => {
    const vector = arrayOf(objectOf(item).values).map((value) => numberOf(value) ?? 0);
    return { object: "embedding" as const, index, embedding: encodeEmbedding(vector, state) };
  });
  return { object: "list", data, model: state.clientModel, usage: { prompt_tokens: 0, total_tokens: 0 } };
}

export const geminiEmbeddings: GeminiEmbeddingsTranslator = {
  client: "openai",
  upstream: "gemini",
  request: translateRequest,
  response: translateResponse,
  error: (status, body) => translateError("openai", status, body),
};
