// The embeddings side of translation: OpenAI's POST /v1/embeddings in front of a provider's own embeddings
// API (Gemini's batchEmbedContents, Ollama's /api/embed). Like a chat Translator without streams: the answer
// is one body. What every provider shares lives here: the OpenAI wire shapes, the state, and OpenAI's
// base64 encoding, which the openai SDK asks for unless told otherwise (it decodes the vectors itself).
// @see https://platform.openai.com/docs/api-reference/embeddings/create
import type { ClientApi } from "../contract.ts";
import type { TranslationContext, TranslationProblem, TranslationState, UpstreamApi } from "./translator.ts";
import { estimatePromptTokens } from "../usage/token-estimate.ts";

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

export interface EmbeddingsState extends TranslationState {
  /** Answer vectors as base64 float32 (encoding_format: "base64"). */
  readonly base64: boolean;
}

export type EmbeddingsRequestTranslation<UpstreamRequest> =
  | { readonly ok: true; readonly body: UpstreamRequest; readonly state: EmbeddingsState }
  | { readonly ok: false; readonly problem: TranslationProblem };

export interface EmbeddingsTranslator<UpstreamRequest, UpstreamResponse> {
  readonly client: ClientApi;
  readonly upstream: UpstreamApi;
  request(body: OpenAIEmbeddingsRequest, context: TranslationContext): EmbeddingsRequestTranslation<UpstreamRequest>;
  /** Upstream 2xx JSON body → client body. Never throws: missing fields become empty values. */
  response(body: UpstreamResponse, state: EmbeddingsState): OpenAIEmbeddingsResponse;
  error(status: number, body: string): string;
}

/** An embeddings translator of any provider, as the runtime holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEmbeddingsTranslator = EmbeddingsTranslator<any, any>;

export function embeddingsState(body: OpenAIEmbeddingsRequest, context: TranslationContext): EmbeddingsState {
  return {
    clientModel: context.clientModel,
    toolNames: new Map(),
    includeUsage: false,
    dropped: [],
    estimatedInputTokens: estimatePromptTokens({ messages: body.input }),
    responseId: `embd-${context.requestId}`,
    created: context.now,
    base64: body.encoding_format === "base64",
  };
}

/** One vector in the client's encoding: OpenAI's base64 is the float32 values, little-endian, as bytes. */
export function encodeEmbedding(vector: readonly number[], state: EmbeddingsState): number[] | string {
  if (!state.base64) return [...vector];
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString("base64");
}
