// OpenAI chat.completion → Anthropic message. The body is not trusted: every field is read defensively.
import type { AnthropicContentBlock, AnthropicMessagesResponse, OpenAIChatResponse } from "../../../generated/types/index.ts";
import { clientToolName } from "../tool-names.ts";
import type { TranslationState } from "../translator.ts";
import { anthropicUsage } from "../usage-shapes.ts";
import { usageFromOpenAI } from "../../usage/usage.ts";
import { stopReason } from "./stop-reason.ts";
import { argumentsText, fallbackToolId, isObject, objectOf, reasoningOf, textOf, toolInput } from "./untrusted.ts";
import { ZERO_USAGE } from "../../usage/usage.ts";

export function translateResponse(body: OpenAIChatResponse, state: TranslationState): AnthropicMessagesResponse {
  const untrusted = objectOf(body);
  const choices = Array.isArray(untrusted.choices) ? untrusted.choices : [];
  const choice = objectOf(choices[0]);
  const message = objectOf(choice.message);

  const content: AnthropicContentBlock[] = [];
  const thinking = reasoningOf(message);
  if (thinking) content.push({ type: "thinking", thinking, signature: "" });
  const text = textOf(message.content);
  const refusal = typeof message.refusal === "string" ? message.refusal : "";
  // Never an empty text block; a refusal is the text when there is no other.
  if (text || refusal) content.push({ type: "text", text: text || refusal });
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  calls.filter(isObject).forEach((call, n) => {
    const fn = objectOf(call.function);
    content.push({
      type: "tool_use",
      id: typeof call.id === "string" && call.id ? call.id : fallbackToolId(state.responseId, n),
      name: clientToolName(state.toolNames, typeof fn.name === "string" ? fn.name : ""),
      input: toolInput(argumentsText(fn.arguments)),
    });
  });

  return {
    id: state.responseId,
    type: "message",
    role: "assistant",
    model: state.clientModel,
    content,
    stop_reason: stopReason(choice.finish_reason, content.some((block) => block.type === "tool_use"), !text && !!refusal),
    stop_sequence: null,
    usage: anthropicUsage(usageFromOpenAI(untrusted.usage) ?? ZERO_USAGE),
  };
}
