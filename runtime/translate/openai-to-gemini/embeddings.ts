// OpenAI embeddings (POST /v1/embeddings) in front of Gemini's models/{model}:batchEmbedContents, which takes
// one request per input (each naming the model again, as models/{model}: it must match the URL's) and answers
// one vector per request, in order. `dimensions` is outputDimensionality. Token-array inputs cannot be sent:
// Gemini embeds text. Gemini reports no token counts for embeddings, so usage is zero.
//
// encoding_format "base64" is what the openai SDK asks for unless told otherwise (it decodes the vectors
// itself), so it is answered: each vector as the base64 of its little-endian float32s, OpenAI's encoding.
// `user` is ignored. Vertex AI has no batchEmbedContents for its embedding models (they use :predict), so
// this is for the Gemini API only.
// @see https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
// @see https://platform.openai.com/docs/api-reference/embeddings/create
import type { ClientApi } from "../../contract.ts";
import { translateError } from "../errors.ts";
import type { TranslationContext, TranslationProblem, TranslationState, UpstreamApi } from "../translator.ts";
import { arrayOf, numberOf, objectOf } from "../untrusted.ts";

export interface OpenAIEmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  dimensions?: number;
  encoding_format?: "float" | "base64";
  user?: string;
}

export interface OpenAIEmbeddingsResponse {
  object: "list";
  data: { object: "embedding"; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface GeminiBatchEmbedContentsRequest {
  requests: { model: string; content: { parts: { text: string }[] }; outputDimensionality?: number }[];
}

export interface GeminiBatchEmbedContentsResponse {
  embeddings: { values: number[] }[];
}

export interface GeminiEmbeddingsState extends TranslationState {
  /** Answer vectors as base64 float32 (encoding_format: "base64"). */
  readonly base64: boolean;
}

export type GeminiEmbeddingsRequestTranslation =
  | { readonly ok: true; readonly body: GeminiBatchEmbedContentsRequest; readonly state: GeminiEmbeddingsState }
  | { readonly ok: false; readonly problem: TranslationProblem };

/** Like a chat Translator, without streams: embeddings answer in one body. */
export interface GeminiEmbeddingsTranslator {
  readonly client: ClientApi;
  readonly upstream: UpstreamApi;
  request(body: OpenAIEmbeddingsRequest, context: TranslationContext): GeminiEmbeddingsRequestTranslation;
  /** Upstream 2xx JSON body → client body. Never throws: missing fields become empty values. */
  response(body: GeminiBatchEmbedContentsResponse, state: GeminiEmbeddingsState): OpenAIEmbeddingsResponse;
  error(status: number, body: string): string;
}

const CHARS_PER_TOKEN = 4;

function textInputs(input: unknown): string[] | undefined {
  if (typeof input === "string") return [input];
  return Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === "string") ? input : undefined;
}

/** "models/<model>", whether or not the target's model already says "models/". */
function resourceName(model: string): string {
  return model.startsWith("models/") ? model : `models/${model}`;
}

function translateRequest(body: OpenAIEmbeddingsRequest, context: TranslationContext): GeminiEmbeddingsRequestTranslation {
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
    state: {
      clientModel: context.clientModel,
      toolNames: new Map(),
      includeUsage: false,
      dropped: [],
      estimatedInputTokens: Math.ceil(JSON.stringify(inputs).length / CHARS_PER_TOKEN),
      responseId: `embd-${context.requestId}`,
      created: context.now,
      base64: body.encoding_format === "base64",
    },
  };
}

/** OpenAI's base64 encoding: the vector's float32 values, little-endian, as bytes. */
function base64Of(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString("base64");
}

function translateResponse(body: GeminiBatchEmbedContentsResponse, state: GeminiEmbeddingsState): OpenAIEmbeddingsResponse {
  const data = arrayOf(objectOf(body).embeddings).map((item, index) => {
    const vector = arrayOf(objectOf(item).values).map((value) => numberOf(value) ?? 0);
    return { object: "embedding" as const, index, embedding: state.base64 ? base64Of(vector) : vector };
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
