// The translator for a Responses API client (Codex CLI, the Agents SDK, the AI SDK's default OpenAI model,
// openai.responses.*) in front of an OpenAI-format upstream that speaks only chat completions (DeepSeek,
// OpenRouter, vLLM, Ollama's OpenAI endpoint, …). Composed with openai-to-anthropic, -gemini and -ollama
// it serves the other upstreams too (generator/emit/translators.ts).
import type { OpenAIChatRequest, OpenAIChatResponse, OpenAIResponsesRequest, OpenAIResponsesResponse } from "../../../generated/types/index.ts";
import { translateError } from "../errors.ts";
import type { Translator } from "../translator.ts";
import { requestTranslation } from "./request.ts";
import { translateResponse } from "./response.ts";
import { ResponsesStreamFromOpenAI } from "./stream.ts";

type ResponsesToChat = Translator<OpenAIResponsesRequest, OpenAIChatRequest, OpenAIChatResponse, OpenAIResponsesResponse>;

/** For a chat completions upstream: earlier reasoning items are left out of the request. */
export const responsesToOpenAI: ResponsesToChat = {
  client: "responses",
  upstream: "openai",
  request: requestTranslation(false),
  response: translateResponse,
  stream: (state) => new ResponsesStreamFromOpenAI(state),
  error: (status, body) => translateError("responses", status, body),
};

/**
 * The outer half of a composition (Responses → chat → Anthropic, Gemini, Ollama): earlier reasoning items go
 * into the chat middle as reasoning_content and signed thinking blocks, for the inner translator to use.
 */
export const responsesToChatMiddle: ResponsesToChat = { ...responsesToOpenAI, request: requestTranslation(true) };
