// Gemini GenerateContentResponse → OpenAI chat.completion. The first candidate's answer text is
// concatenated into `content` and its thought summaries into `reasoning_content`; function calls become tool
// calls (ids in tool-call-ids.ts) with their args re-encoded as a JSON string. A prompt Gemini blocked before
// answering (no candidates, promptFeedback.blockReason) is an empty reply with finish_reason content_filter.
import type { GeminiGenerateContentResponse, OpenAIChatFunctionToolCall, OpenAIChatResponse } from "../../../generated/types/index.ts";
import type { TranslationState } from "../translator.ts";
import { finishReasonOf } from "./finish-reasons.ts";
import { candidateParts, firstCandidate, promptBlocked, toolCallOf, viewPart } from "./parts.ts";
import { objectOf } from "../untrusted.ts";
import { openaiUsageFromGemini } from "./usage.ts";
import { openaiCompletion } from "../openai-completion.ts";

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
  const finishReason = blocked ? "content_filter" : finishReasonOf(candidate?.finishReason, toolCalls.length > 0);
  return openaiCompletion(state, { text, toolCalls, reasoning }, finishReason, openaiUsageFromGemini(response.usageMetadata));
}
