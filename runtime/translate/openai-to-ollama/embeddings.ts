// OpenAI embeddings (POST /v1/embeddings) in front of Ollama's POST /api/embed. Both take one string or a
// batch and answer one vector per input in order; Ollama's model name and `dimensions` (for models that
// can shorten their vectors) mean what OpenAI's do. Token-array inputs cannot be sent: Ollama embeds text.
// `user` is ignored, as in chat.
//
// These wire shapes have no schema in schema/providers yet, so they are declared here.
// @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
// @see https://platform.openai.com/docs/api-reference/embeddings/create
import { translateError } from "../errors.ts";
import type { TranslationContext } from "../translator.ts";
import { embeddingsState, encodeEmbedding, type EmbeddingsRequestTranslation, type EmbeddingsState, type EmbeddingsTranslator, type OpenAIEmbedding, type OpenAIEmbeddingsRequest, type OpenAIEmbeddingsResponse } from "../embeddings.ts";
import { arrayOf, numberOf, objectOf } from "../untrusted.ts";

export interface OllamaEmbedRequest {
  model: string;
  input: string | string[];
  dimensions?: number;
}

export interface OllamaEmbedResponse {
  model: string;
  embeddings: number[][];
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
}

export type OllamaEmbeddingsTranslator = EmbeddingsTranslator<OllamaEmbedRequest, OllamaEmbedResponse>;

function isText(input: unknown): input is string | string[] {
  return typeof input === "string" || (Array.isArray(input) && input.every((item) => typeof item === "string"));
}

function translateRequest(body: OpenAIEmbeddingsRequest, context: TranslationContext): EmbeddingsRequestTranslation<OllamaEmbedRequest> {
  if (!isText(body.input)) {
    return { ok: false, problem: { path: "/input", message: "token-array input cannot be expressed by Ollama's embed API; send text" } };
  }
  const upstream: OllamaEmbedRequest = {
    model: context.upstreamModel,
    input: body.input,
    ...(body.dimensions != null ? { dimensions: body.dimensions } : {}),
  };
  return {
    ok: true,
    body: upstream,
    state: embeddingsState(body, context),
  };
}

function translateResponse(body: OllamaEmbedResponse, state: EmbeddingsState): OpenAIEmbeddingsResponse {
  const response = objectOf(body);
  const data = arrayOf(response.embeddings).map((item, index): OpenAIEmbedding => {
    const vector = arrayOf(item).map((value) => numberOf(value) ?? 0);
    return { object: "embedding", index, embedding: encodeEmbedding(vector, state) };
  });
  const tokens = numberOf(response.prompt_eval_count) ?? 0;
  return { object: "list", data, model: state.clientModel, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

export const ollamaEmbeddings: OllamaEmbeddingsTranslator = {
  client: "openai",
  upstream: "ollama",
  request: translateRequest,
  response: translateResponse,
  error: (status, body) => translateError("openai", status, body),
};
