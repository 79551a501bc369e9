// Anthropic messages request → OpenAI chat completions request.
//
// Choices worth knowing:
// - max_tokens stays `max_tokens`, not `max_completion_tokens`: it is what vLLM, DeepSeek, Ollama and most
//   OpenAI-compatible servers read. OpenAI's reasoning models (o-series, gpt-5) want max_completion_tokens;
//   a route transform can rename the field for them.
// - Streams always ask for `stream_options.include_usage`, so the translated stream ends with real counts.
// - cache_control markers are kept on text parts and tools only when the route says keepCacheControl
//   (OpenRouter, LiteLLM); otherwise they are dropped silently: a caching hint changes no answer.
// - Everything else the chat completions API cannot express goes through the unsupported policy:
//   top_k, thinking (unless disabled), service_tier, container, mcp_servers, context_management,
//   inference_geo, speed, output_config.effort, server tools, document / search_result / server-tool
//   blocks, images in tool results, Files API images, and any top-level field this translator does not
//   know. metadata.user_id becomes `user`; output_config.format (JSON schema) becomes response_format.
import type { AnthropicMessagesRequest, AnthropicOutputConfig, OpenAIChatRequest } from "../../../generated/types/index.ts";
import { ToolNameMap } from "../tool-names.ts";
import type { RequestTranslation, TranslationContext } from "../translator.ts";
import { type MessageContext, systemMessage, translateMessages } from "./messages.ts";
import { translateToolChoice, translateTools } from "./tools.ts";
import { UnsupportedFields } from "./unsupported.ts";
import { estimatePromptTokens } from "../../usage/token-estimate.ts";

/** Top-level fields translated below (or, for cache_control, deliberately ignored). */
const HANDLED = new Set([
  "model",
  "max_tokens",
  "messages",
  "system",
  "tools",
  "tool_choice",
  "stop_sequences",
  "stream",
  "temperature",
  "top_p",
  "metadata",
  "thinking",
  "output_config",
  "cache_control",
]);

/** Characters per token for the stream header's input estimate. */

export function translateRequest(body: AnthropicMessagesRequest, context: TranslationContext): RequestTranslation<OpenAIChatRequest> {
  const unsupported = new UnsupportedFields(context.options.unsupported);
  const toolNames = new ToolNameMap();
  const messageContext: MessageContext = { keepCacheControl: context.options.keepCacheControl, toolNames, unsupported };

  for (const [key, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    // Disabled thinking asks for what an OpenAI-format upstream does anyway.
    if (key === "thinking" ? body.thinking?.type !== "disabled" : !HANDLED.has(key)) unsupported.note([key], key);
  }

  // Tools before messages: a problem with a tool definition is the more useful one to report.
  const tools = translateTools(body.tools ?? [], messageContext);
  const system = systemMessage(body.system, messageContext);
  const messages = translateMessages(body.messages, messageContext);
  const functionNames = new Set(tools.map((tool) => toolNames.upstreamToClient.get(tool.function.name) ?? tool.function.name));

  const upstream: OpenAIChatRequest = {
    model: context.upstreamModel,
    messages: system ? [system, ...messages] : messages,
    max_tokens: body.max_tokens,
  };
  if (body.stop_sequences !== undefined) upstream.stop = body.stop_sequences;
  if (body.temperature !== undefined) upstream.temperature = body.temperature;
  if (body.top_p !== undefined) upstream.top_p = body.top_p;
  if (tools.length > 0) upstream.tools = tools;
  Object.assign(upstream, translateToolChoice(body.tool_choice, functionNames, messageContext));
  if (body.output_config) translateOutputConfig(body.output_config, upstream, unsupported);
  if (typeof body.metadata?.user_id === "string") upstream.user = body.metadata.user_id;
  if (body.stream) {
    upstream.stream = true;
    upstream.stream_options = { include_usage: true };
  }

  if (unsupported.problem) return { ok: false, problem: unsupported.problem };
  return {
    ok: true,
    body: upstream,
    state: {
      clientModel: context.clientModel,
      toolNames: toolNames.upstreamToClient,
      includeUsage: false,
      dropped: unsupported.dropped,
      estimatedInputTokens: Math.max(1, estimatePromptTokens(body)),
      responseId: `msg_${context.requestId}`,
      created: context.now,
    },
  };
}

/** Structured output maps onto response_format; effort has no model-independent equivalent. */
function translateOutputConfig(config: AnthropicOutputConfig, upstream: OpenAIChatRequest, unsupported: UnsupportedFields): void {
  if (config.effort != null) unsupported.note(["output_config", "effort"], "output_config.effort");
  if (config.format == null) return;
  if (config.format.type !== "json_schema") unsupported.note(["output_config", "format"], `output_config.format of type ${config.format.type}`);
  // Not strict: OpenAI's strict mode demands schema rules (every property required) Anthropic does not.
  else upstream.response_format = { type: "json_schema", json_schema: { name: "output", schema: config.format.schema } };
}

