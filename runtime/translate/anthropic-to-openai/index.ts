// The translator for an Anthropic-format client (Claude Code, @anthropic-ai/sdk) in front of an
// OpenAI-format upstream (OpenAI, OpenRouter, DeepSeek, vLLM, ...).
import type {
  AnthropicMessagesRequest,
  AnthropicMessagesResponse,
  OpenAIChatRequest,
  OpenAIChatResponse,
} from "../../../generated/types/index.ts";
import { translateError } from "../errors.ts";
import type { Translator } from "../translator.ts";
import { translateRequest } from "./request.ts";
import { translateResponse } from "./response.ts";
import { AnthropicStreamFromOpenAI } from "./stream.ts";

export const anthropicToOpenAI: Translator<AnthropicMessagesRequest, OpenAIChatRequest, OpenAIChatResponse, AnthropicMessagesResponse> = {
  client: "anthropic",
  upstream: "openai",
  request: translateRequest,
  response: translateResponse,
  stream: (state) => new AnthropicStreamFromOpenAI(state),
  error: (status, body) => translateError("anthropic", status, body),
};
