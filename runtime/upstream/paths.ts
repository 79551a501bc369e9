// Where each provider kind answers, below its base URL. The generator picks one of these per provider at
// build time (the kind is known then); the base path is only known at start, once ${VAR}s are resolved.
// Kinds that put the model in the URL (Azure deployments, Gemini) build the path from the target's model.

export interface UpstreamPaths {
  chat(model: string, stream: boolean): string;
  /** The Responses API, for providers that speak it (`responses: native`); null where the kind has none. */
  responses: (() => string) | null;
  /** null: the kind has no embeddings endpoint. */
  embeddings: ((model: string) => string) | null;
  /** Legacy text completions; null where the kind has none. */
  completions: ((model: string) => string) | null;
  /** The provider's own model list (GET), for `list_models.upstream`; null where there is none to read. */
  models: string | null;
}

export type PathsFactory = (basePath: string) => UpstreamPaths;

const model = encodeURIComponent;

export const openaiPaths: PathsFactory = (base) => ({
  chat: () => `${base}/chat/completions`,
  responses: () => `${base}/responses`,
  embeddings: () => `${base}/embeddings`,
  completions: () => `${base}/completions`,
  models: `${base}/models`,
});

export const anthropicPaths: PathsFactory = (base) => ({
  chat: () => `${base}/v1/messages`,
  responses: null,
  embeddings: null,
  completions: null,
  models: `${base}/v1/models?limit=1000`,
});

/**
 * Azure OpenAI: the deployment (the target's model) is in the path, the API version in the query. The
 * Responses API is only on Azure's v1 surface, `/openai/v1/responses`, with the deployment as the body's
 * model and no api-version.
 * @see https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/responses
 */
export function azurePaths(apiVersion: string): PathsFactory {
  const query = `?api-version=${encodeURIComponent(apiVersion)}`;
  return (base) => ({
    chat: (m) => `${base}/openai/deployments/${model(m)}/chat/completions${query}`,
    responses: () => `${base}/openai/v1/responses`,
    embeddings: (m) => `${base}/openai/deployments/${model(m)}/embeddings${query}`,
    completions: (m) => `${base}/openai/deployments/${model(m)}/completions${query}`,
    // Azure's model list names base models, not the deployments requests are sent to.
    models: null,
  });
}

/** Google AI Studio: streams are asked for as SSE (`alt=sse`) so they parse like every other stream. */
export const geminiPaths: PathsFactory = (base) => ({
  chat: (m, stream) => `${base}/v1beta/models/${model(m)}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
  responses: null,
  embeddings: (m) => `${base}/v1beta/models/${model(m)}:batchEmbedContents`,
  completions: null,
  models: `${base}/v1beta/models?pageSize=1000`,
});

/** Gemini on Vertex AI: the same methods under the project's publisher model path. */
export function vertexPaths(project: string, location: string): PathsFactory {
  const prefix = `/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models/`;
  return (base) => ({
    chat: (m, stream) => `${base}${prefix}${model(m)}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
    responses: null,
    embeddings: null,
    completions: null,
    models: null,
  });
}

export const ollamaPaths: PathsFactory = (base) => ({
  chat: () => `${base}/api/chat`,
  responses: null,
  embeddings: () => `${base}/api/embed`,
  completions: null,
  models: `${base}/api/tags`,
});
