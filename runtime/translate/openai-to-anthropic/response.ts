// Anthropic message → OpenAI chat.completion. Text blocks are concatenated into `content`; tool_use blocks
// become function tool calls with their input re-encoded as a JSON string; thinking travels the way
// LiteLLM carries it, as `reasoning_content` (the text) and `thinking_blocks` (every block exactly as
// received, signature included, so the client can send it back). Server tool blocks (web search, code
// execution) have no OpenAI counterpart and are left out.
import type {
  AnthropicMessagesResponse,
  OpenAIChatFunctionToolCall,
  OpenAIChatResponse,
  OpenAIChatResponseThinkingBlock,
} from "../../../generated/types/index.ts";
import { openaiCompletion } from "../openai-completion.ts";
import { finishReasonOf } from "../stop-reasons.ts";
import { openaiUsage } from "../usage-shapes.ts";
import { clientToolName } from "../tool-names.ts";
import type { TranslationState } from "../translator.ts";
import { usageFromAnthropic } from "../../usage/usage.ts";
import { ZERO_USAGE } from "../../usage/usage.ts";
import { arrayOf, isObject, objectOf, stringOf } from "../untrusted.ts";


/** A tool input as OpenAI's JSON-encoded arguments; "{}" when it is missing or not an object. */
export function toolArguments(input: unknown): string {
  return isObject(input) ? JSON.stringify(input) : "{}";
}

export function translateResponse(body: AnthropicMessagesResponse, state: TranslationState): OpenAIChatResponse {
  const message = objectOf(body);
  let text = "";
  let reasoning = "";
  const toolCalls: OpenAIChatFunctionToolCall[] = [];
  const thinkingBlocks: OpenAIChatResponseThinkingBlock[] = [];
  for (const item of arrayOf(message.content)) {
    const block = objectOf(item);
    if (block.type === "text") text += stringOf(block.text);
    else if (block.type === "tool_use") {
      const name = clientToolName(state.toolNames, stringOf(block.name));
      toolCalls.push({ id: stringOf(block.id), type: "function", function: { name, arguments: toolArguments(block.input) } });
    } else if (block.type === "thinking" || block.type === "redacted_thinking") {
      reasoning += stringOf(block.thinking);
      thinkingBlocks.push(block as OpenAIChatResponseThinkingBlock);
    }
  }
  const reply = { text, toolCalls, reasoning, thinkingBlocks };
  return openaiCompletion(state, reply, finishReasonOf(message.stop_reason), openaiUsage(usageFromAnthropic(message.usage) ?? ZERO_USAGE));
}
