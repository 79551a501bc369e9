// Gemini GenerateContentResponse → OpenAI chat.completion. The first candidate's answer text is
// concatenated into `content` and its thought summaries into `reasoning_content`; function calls become tool
// calls (ids in tool-call-ids.ts) with their args re-encoded as a JSON string. A prompt Gemini blocked before
// answering (no candidates, promptFeedback.blockReason) is an empty reply with finish_reason content_filter.
import type { GeminiGenerateContentResponse, OpenAIChatFunctionToolCall, OpenAIChatResponse, OpenAIChatResponseMessage } from "../../../generated/types/index.ts";
import type { TranslationState } from "../translator.ts";
import { finishReasonOf } from "./finish-reasons.ts";
import { candidateParts, firstCandidate, promptBlocked, toolCallOf, viewPart } from "./parts.ts";
import { objectOf } from "../untrusted.ts";
import { openaiUsageFromGemini } from "./usage.ts";

export function translateResponse(body: GeminiGenerateContentResponse, state: TranslationState): OpenAIChatResponse {
  const response = objectOf(body);
  const candidate = firstCandidate(response);
  let text = "";
  let reasoning = "";
  const toolCalls: OpenAIChatFunctionToolCall[] = [];
  for (const raw of candidateParts(candidate)) {
    const part = viewPart(raw);
    if (part.kind === "text") text += part.text;
    else if (part.kind === "thought") reasoning += part.text;
    else if (part.kind === "call") toolCalls.push(toolCallOf(part.call, part.signature, toolCalls.length, state));
  }
  const blocked = !candidate && promptBlocked(response);
  const reply: OpenAIChatResponseMessage = {
    role: "assistant",
    // OpenAI sends null content for a reply that is only tool calls.
    content: text === "" && toolCalls.length > 0 ? null : text,
    refusal: null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(reasoning !== "" ? { reasoning_content: reasoning } : {}),
  };
  return {
    id: state.responseId,
    object: "chat.completion",
    created: state.created,
    model: state.clientModel,
    choices: [{ index: 0, message: reply, finish_reason: blocked ? "content_filter" : finishReasonOf(candidate?.finishReason, toolCalls.length > 0), logprobs: null }],
    usage: openaiUsageFromGemini(response.usageMetadata),
  };
}
