// OpenAI-format clients (the openai SDK, Cursor, Aider) in front of an Anthropic messages upstream.
// @see https://platform.openai.com/docs/api-reference/chat
// @see https://docs.anthropic.com/en/api/messages
import type { AnthropicMessagesRequest, AnthropicMessagesResponse, OpenAIChatRequest, OpenAIChatResponse } from "../../../generated/types/index.ts";
import { translateError } from "../errors.ts";
import type { Translator } from "../translator.ts";
import { translateRequest } from "./request.ts";
import { translateResponse } from "./response.ts";
import { createStreamTranslator } from "./stream.ts";

export const openaiToAnthropic: Translator<OpenAIChatRequest, AnthropicMessagesRequest, AnthropicMessagesResponse, OpenAIChatResponse> = {
  client: "openai",
  upstream: "anthropic",
  request: translateRequest,
  response: translateResponse,
  stream: createStreamTranslator,
  error: (status, body) => translateError("openai", status, body),
};
