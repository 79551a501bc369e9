// Ollama chat response → OpenAI chat.completion. Thinking becomes `reasoning_content` (DeepSeek's field,
// which OpenAI-format clients that show reasoning read); tool calls get ids (tool-calls.ts).
//
// finish_reason: done_reason "length" (num_predict reached) is "length"; anything else ("stop", or a
// missing reason) is "tool_calls" when the reply called tools, else "stop". Ollama says "stop" after tool
// calls too. Usage: prompt_eval_count and eval_count are OpenAI's prompt and completion tokens; Ollama
// reports no cached tokens.
import type { OllamaChatResponse, OpenAIChatFinishReason, OpenAIChatResponse } from "../../../generated/types/index.ts";
import type { TranslationState } from "../translator.ts";
import { usageFromOpenAI } from "../../usage/usage.ts";
import { ZERO_USAGE, type Usage } from "../../usage/usage.ts";
import { openaiToolCall } from "./tool-calls.ts";
import { arrayOf, numberOf, objectOf, stringOf } from "../untrusted.ts";
import type { Json } from "../untrusted.ts";
import { openaiCompletion } from "../openai-completion.ts";
import { openaiUsage } from "../usage-shapes.ts";


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
  return openaiCompletion(state, { text, toolCalls, reasoning: thinking }, finishReasonOf(response.done_reason, toolCalls.length > 0), openaiUsage(usageOf(response)));
}
