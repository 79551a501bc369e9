// OpenAI-format clients (the openai SDK, Cursor, Aider; Anthropic clients through compose.ts) in front of
// Ollama's native chat API, which unlike Ollama's OpenAI-compatible endpoint reports thinking and takes
// images, JSON schemas and keep_alive-style options. Ollama's errors are {"error": "message"}, which
// translateError already reads.
// @see https://github.com/ollama/ollama/blob/main/docs/api.md
// @see https://platform.openai.com/docs/api-reference/chat
import type { OllamaChatRequest, OllamaChatResponse, OpenAIChatRequest, OpenAIChatResponse } from "../../../generated/types/index.ts";
import { translateError } from "../errors.ts";
import type { Translator } from "../translator.ts";
import { translateRequest } from "./request.ts";
import { translateResponse } from "./response.ts";
import { createStreamTranslator } from "./stream.ts";

export const openaiToOllama: Translator<OpenAIChatRequest, OllamaChatRequest, OllamaChatResponse, OpenAIChatResponse> = {
  client: "openai",
  upstream: "ollama",
  request: translateRequest,
  response: translateResponse,
  stream: createStreamTranslator,
  error: (status, body) => translateError("openai", status, body),
};
