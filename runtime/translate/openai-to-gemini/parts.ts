// One part of a Gemini candidate, read defensively and sorted into what an OpenAI message can carry:
// answer text, thought text (summaries, with thought: true), or a whole function call. Everything else
// (inline images, executable code, a text part that only carries a thoughtSignature) has no OpenAI form.
import type { OpenAIChatFunctionToolCall } from "../../../generated/types/index.ts";
import { clientToolName } from "../tool-names.ts";
import type { TranslationState } from "../translator.ts";
import { toolCallId } from "./tool-call-ids.ts";
import { arrayOf, isObject, objectOf, stringOf } from "../untrusted.ts";
import type { Json } from "../untrusted.ts";

export type PartView =
  | { kind: "text"; text: string }
  | { kind: "thought"; text: string }
  | { kind: "call"; call: Json; signature: unknown }
  | { kind: "other" };

export function viewPart(raw: unknown): PartView {
  const part = objectOf(raw);
  if (isObject(part.functionCall)) return { kind: "call", call: part.functionCall, signature: part.thoughtSignature };
  const text = stringOf(part.text);
  if (text === "") return { kind: "other" };
  return part.thought === true ? { kind: "thought", text } : { kind: "text", text };
}

/** The candidate an OpenAI response shows: index 0 (the request never asks for more than one). */
export function firstCandidate(response: Json): Json | undefined {
  const candidates = arrayOf(response.candidates).filter(isObject);
  return candidates.find((c) => (c.index ?? 0) === 0) ?? candidates[0];
}

export function candidateParts(candidate: Json | undefined): unknown[] {
  return arrayOf(objectOf(candidate?.content).parts);
}

/** The `n`th function call of the response as an OpenAI tool call; arguments "{}" when args are missing. */
export function toolCallOf(call: Json, signature: unknown, n: number, state: TranslationState): OpenAIChatFunctionToolCall {
  return {
    id: toolCallId(state.responseId, n, call.id, signature),
    type: "function",
    function: { name: clientToolName(state.toolNames, stringOf(call.name)), arguments: JSON.stringify(objectOf(call.args)) },
  };
}

/** The prompt itself was blocked: no candidates, promptFeedback.blockReason says why. */
export function promptBlocked(response: Json): boolean {
  return stringOf(objectOf(response.promptFeedback).blockReason) !== "";
}
