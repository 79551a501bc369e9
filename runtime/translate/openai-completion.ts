// What every translator towards an OpenAI client shares on the response side: the state its request leaves,
// and the chat.completion body it answers with: one choice, the client's model, and the content rules
// OpenAI's own API follows (null content for a reply that is only tool calls; reasoning fields only when
// there is reasoning).
import type {
  OpenAIChatFinishReason,
  OpenAIChatRequest,
  OpenAIChatResponse,
  OpenAIChatResponseMessage,
  OpenAIChatResponseThinkingBlock,
  OpenAIChatToolCall,
  OpenAIChatUsage,
} from "../../generated/types/index.ts";
import { estimatePromptTokens } from "../usage/token-estimate.ts";
import type { TranslationContext, TranslationState } from "./translator.ts";

/**
 * The state a request from an OpenAI client leaves for its response. Every upstream reports usage; the
 * client's stream_options.include_usage only decides whether it gets a usage chunk.
 */
export function openaiClientState(
  body: OpenAIChatRequest,
  context: TranslationContext,
  dropped: readonly string[],
  toolNames: ReadonlyMap<string, string> = new Map(),
): TranslationState {
  return {
    clientModel: context.clientModel,
    toolNames,
    includeUsage: body.stream_options?.include_usage === true,
    dropped,
    estimatedInputTokens: Math.max(1, estimatePromptTokens(body)),
    responseId: `chatcmpl-${context.requestId}`,
    created: context.now,
  };
}

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
