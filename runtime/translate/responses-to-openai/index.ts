// The translator for a Responses API client (Codex CLI, the Agents SDK, the AI SDK's default OpenAI model,
// openai.responses.*) in front of an OpenAI-format upstream that speaks only chat completions (DeepSeek,
// OpenRouter, vLLM, Ollama's OpenAI endpoint, …). Composed with openai-to-anthropic, -gemini and -ollama
// it serves the other upstreams too (generator/emit/translators.ts).
import type { OpenAIChatRequest, OpenAIChatResponse, OpenAIResponsesRequest, OpenAIResponsesResponse } from "../../../generated/types/index.ts";
import { translateError } from "../errors.ts";
import type { Translator } from "../translator.ts";
import { translateRequest } from "./request.ts";
import { translateResponse } from "./response.ts";
import { ResponsesStreamFromOpenAI } from "./stream.ts";

export const responsesToOpenAI: Translator<OpenAIResponsesRequest, OpenAIChatRequest, OpenAIChatResponse, OpenAIResponsesResponse> = {
  client: "responses",
  upstream: "openai",
  request: translateRequest,
  response: translateResponse,
  stream: (state) => new ResponsesStreamFromOpenAI(state),
  error: (status, body) => translateError("responses", status, body),
};
