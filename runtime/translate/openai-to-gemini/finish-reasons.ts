// Why Gemini stopped, as an OpenAI finish_reason. STOP with function calls is "tool_calls", as OpenAI says
// when the model stops to call tools; MAX_TOKENS is "length" even then. The blocking reasons (safety,
// recitation, blocklists, PII, prohibited content, and their image variants) are "content_filter", and so is
// a prompt blocked before any candidate. Anything else (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, reasons
// added later) ends the answer normally.
// @see https://ai.google.dev/api/generate-content#FinishReason
import type { OpenAIChatFinishReason } from "../../../generated/types/index.ts";

const FILTERED = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
]);

export function finishReasonOf(reason: unknown, hasToolCalls: boolean): OpenAIChatFinishReason {
  if (reason === "MAX_TOKENS") return "length";
  if (typeof reason === "string" && FILTERED.has(reason)) return "content_filter";
  return hasToolCalls ? "tool_calls" : "stop";
}
