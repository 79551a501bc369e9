// OpenAI-format clients (the openai SDK, Cursor, Aider; Anthropic clients through translate/compose.ts) in
// front of Gemini's generateContent, on the Gemini API (AI Studio) or Vertex AI: the body is the same on
// both, only the URL and the auth header differ (runtime/upstream/paths.ts, runtime/google-auth/).
// @see https://ai.google.dev/api/generate-content
// @see https://platform.openai.com/docs/api-reference/chat
import type { GeminiGenerateContentRequest, GeminiGenerateContentResponse, OpenAIChatRequest, OpenAIChatResponse } from "../../../generated/types/index.ts";
import { translateError } from "../errors.ts";
import type { Translator } from "../translator.ts";
import { translateRequest } from "./request.ts";
import { translateResponse } from "./response.ts";
import { createStreamTranslator } from "./stream.ts";

export const openaiToGemini: Translator<OpenAIChatRequest, GeminiGenerateContentRequest, GeminiGenerateContentResponse, OpenAIChatResponse> = {
  client: "openai",
  upstream: "gemini",
  request: translateRequest,
  response: translateResponse,
  stream: createStreamTranslator,
  // Gemini's errors are {error:{code,message,status}}: translateError reads error.message.
  error: (status, body) => translateError("openai", status, body),
};
