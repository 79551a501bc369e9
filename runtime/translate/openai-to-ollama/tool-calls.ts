// Ollama tool calls → OpenAI's. Ollama's calls have no ids, and an OpenAI client needs one to answer each
// call, so ids are derived from the response id and the call's position (`call_<responseId>_<n>`): the
// same on every read of the same response, and unique within the conversation as response ids are.
// Arguments arrive as a JSON object and leave as OpenAI's JSON-encoded string.
import type { OpenAIChatFunctionToolCall } from "../../../generated/types/index.ts";
import { isObject, objectOf, stringOf } from "../untrusted.ts";

export function toolCallId(responseId: string, n: number): string {
  return `call_${responseId}_${n}`;
}

/** "{}" for missing or non-object arguments; a string (some servers already encode them) passes as is. */
export function toolArguments(args: unknown): string {
  if (typeof args === "string" && args !== "") return args;
  return isObject(args) ? JSON.stringify(args) : "{}";
}

/** Call number `n` (counting from 0 across the response) as an OpenAI function tool call. */
export function openaiToolCall(call: unknown, n: number, responseId: string): OpenAIChatFunctionToolCall {
  const fn = objectOf(objectOf(call).function);
  return { id: toolCallId(responseId, n), type: "function", function: { name: stringOf(fn.name), arguments: toolArguments(fn.arguments) } };
}
