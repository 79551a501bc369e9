// Ollama chat response → OpenAI chat.completion. Thinking becomes `reasoning_content` (DeepSeek's field,
// which OpenAI-format clients that show reasoning read); tool calls get ids (tool-calls.ts).
//
// finish_reason: done_reason "length" (num_predict reached) is "length"; anything else ("stop", or a
// missing reason) is "tool_calls" when the reply called tools, else "stop". Ollama says "stop" after tool
// calls too. Usage: prompt_eval_count and eval_count are OpenAI's prompt and completion tokens; Ollama
// reports no cached tokens.
import type { OllamaChatResponse, OpenAIChatFinishReason, OpenAIChatResponse, OpenAIChatResponseMessage } from "../../../generated/types/index.ts";
import type { TranslationState } from "../translator.ts";
import { openaiUsage } from "../usage-shapes.ts";
import { usageFromOpenAI } from "../../usage.ts";
import type { Usage } from "../../usage.ts";
import { openaiToolCall } from "./tool-calls.ts";
import { arrayOf, numberOf, objectOf, stringOf } from "../untrusted.ts";
import type { Json } from "../untrusted.ts";

export const ZERO_USAGE: Usage = {
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
};

export function finishReasonOf(doneReason: unknown, calledTools: boolean): OpenAIChatFinishReason {
  if (doneReason === "length") return "length";
  return calledTools ? "tool_calls" : "stop";
}

/** The counts of a done: true object; missing counts are 0. */
export function usageOf(done: Json): Usage {
  const usage = usageFromOpenAI({ prompt_tokens: numberOf(done.prompt_eval_count) ?? 0, completion_tokens: numberOf(done.eval_count) ?? 0 });
  return usage ?? ZERO_USAGE;
}

export function translateResponse(body: OllamaChatResponse, state: TranslationState): OpenAIChatResponse {
  const response = objectOf(body);
  const message = objectOf(response.message);
  const text = stringOf(message.content);
  const thinking = stringOf(message.thinking);
  const toolCalls = arrayOf(message.tool_calls).map((call, n) => openaiToolCall(call, n, state.responseId));
  const reply: OpenAIChatResponseMessage = {
    role: "assistant",
    // OpenAI sends null content for a reply that is only tool calls.
    content: text === "" && toolCalls.length > 0 ? null : text,
    refusal: null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(thinking !== "" ? { reasoning_content: thinking } : {}),
  };
  return {
    id: state.responseId,
    object: "chat.completion",
    created: state.created,
    model: state.clientModel,
    choices: [{ index: 0, message: reply, finish_reason: finishReasonOf(response.done_reason, toolCalls.length > 0), logprobs: null }],
    usage: openaiUsage(usageOf(response)),
  };
}
