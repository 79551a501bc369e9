// The chat.completion body every translator towards an OpenAI client answers with: one choice, the
// client's model, and the content rules OpenAI's own API follows (null content for a reply that is only
// tool calls; reasoning fields only when there is reasoning).
import type {
  OpenAIChatFinishReason,
  OpenAIChatResponse,
  OpenAIChatResponseMessage,
  OpenAIChatResponseThinkingBlock,
  OpenAIChatToolCall,
  OpenAIChatUsage,
} from "../../generated/types/index.ts";
import type { TranslationState } from "./translator.ts";

export interface AssistantReply {
  text: string;
  toolCalls: OpenAIChatToolCall[];
  /** reasoning_content: thinking text (Anthropic), thought parts (Gemini), thinking (Ollama). */
  reasoning?: string;
  /** Anthropic thinking blocks as received, signatures included, so they can go back unchanged. */
  thinkingBlocks?: OpenAIChatResponseThinkingBlock[];
}

export function openaiCompletion(state: TranslationState, reply: AssistantReply, finishReason: OpenAIChatFinishReason, usage: OpenAIChatUsage): OpenAIChatResponse {
  const { text, toolCalls, reasoning = "", thinkingBlocks = [] } = reply;
  const message: OpenAIChatResponseMessage = {
    role: "assistant",
    content: text === "" && toolCalls.length > 0 ? null : text,
    refusal: null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(reasoning !== "" ? { reasoning_content: reasoning } : {}),
    ...(thinkingBlocks.length > 0 ? { thinking_blocks: thinkingBlocks } : {}),
  };
  return {
    id: state.responseId,
    object: "chat.completion",
    created: state.created,
    model: state.clientModel,
    choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
    usage,
  };
}
