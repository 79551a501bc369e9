// OpenAI embeddings (POST /v1/embeddings) in front of Ollama's POST /api/embed. Both take one string or a
// batch and answer one vector per input in order; Ollama's model name and `dimensions` (for models that
// can shorten their vectors) mean what OpenAI's do. Token-array inputs cannot be sent: Ollama embeds text.
//
// encoding_format "base64" is what the openai SDK asks for unless told otherwise (it decodes the vectors
// itself), so it is answered, not refused: each vector as the base64 of its little-endian float32s,
// exactly OpenAI's encoding. `user` is ignored, as in chat.
//
// These wire shapes have no schema in schema/providers yet, so they are declared here.
// @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
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

export interface OpenAIEmbedding {
  object: "embedding";
  index: number;
  /** float32 values, or their base64 when the request said encoding_format: "base64". */
  embedding: number[] | string;
}

export interface OpenAIEmbeddingsResponse {
  object: "list";
  data: OpenAIEmbedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

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

export interface EmbeddingsState extends TranslationState {
  /** Answer vectors as base64 float32 (encoding_format: "base64"). */
  readonly base64: boolean;
}

export type EmbeddingsRequestTranslation =
  | { readonly ok: true; readonly body: OllamaEmbedRequest; readonly state: EmbeddingsState }
  | { readonly ok: false; readonly problem: TranslationProblem };

/** Like a chat Translator, without streams: embeddings answer in one body. */
export interface EmbeddingsTranslator {
  readonly client: ClientApi;
  readonly upstream: UpstreamApi;
  /** The upstream endpoint, relative to the provider's origin. */
  readonly path: string;
  request(body: OpenAIEmbeddingsRequest, context: TranslationContext): EmbeddingsRequestTranslation;
  /** Upstream 2xx JSON body → client body. Never throws: missing fields become empty values. */
  response(body: OllamaEmbedResponse, state: EmbeddingsState): OpenAIEmbeddingsResponse;
  error(status: number, body: string): string;
}

const CHARS_PER_TOKEN = 4;

function isText(input: unknown): input is string | string[] {
  return typeof input === "string" || (Array.isArray(input) && input.every((item) => typeof item === "string"));
}

function translateRequest(body: OpenAIEmbeddingsRequest, context: TranslationContext): EmbeddingsRequestTranslation {
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
    state: {
      clientModel: context.clientModel,
      toolNames: new Map(),
      includeUsage: false,
      dropped: [],
      estimatedInputTokens: Math.ceil(JSON.stringify(body.input).length / CHARS_PER_TOKEN),
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

function translateResponse(body: OllamaEmbedResponse, state: EmbeddingsState): OpenAIEmbeddingsResponse {
  const response = objectOf(body);
  const data = arrayOf(response.embeddings).map((item, index): OpenAIEmbedding => {
    const vector = arrayOf(item).map((value) => numberOf(value) ?? 0);
    return { object: "embedding", index, embedding: state.base64 ? base64Of(vector) : vector };
  });
  const tokens = numberOf(response.prompt_eval_count) ?? 0;
  return { object: "list", data, model: state.clientModel, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

export const ollamaEmbeddings: EmbeddingsTranslator = {
  client: "openai",
  upstream: "ollama",
  path: "/api/embed",
  request: translateRequest,
  response: translateResponse,
  error: (status, body) => translateError("openai", status, body),
};
