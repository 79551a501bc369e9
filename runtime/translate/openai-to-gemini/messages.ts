// The OpenAI conversation → Gemini's systemInstruction plus user/model turns.
//
// - system and developer messages, wherever they appear, become systemInstruction text parts, in order
//   (Gemini has no mid-conversation system turn).
// - assistant messages are model turns: their text, then a functionCall part per tool call, its JSON
//   arguments parsed back into an object and its thought signature (tool-call-ids.ts) put back beside it.
//   reasoning_content, reasoning and thinking_blocks are left out without a note: they are another turn's
//   (or another provider's) thinking, which Gemini neither needs nor accepts back as text.
// - tool messages are functionResponse parts of a user turn. Gemini matches responses to calls by function
//   name, which a tool message does not carry: it is looked up from the assistant tool call with that
//   tool_call_id earlier in the conversation. The content goes as `{result: …}`: the JSON object itself when
//   the content is one, else the text.
// - consecutive turns of the same role merge into one; in a user turn the functionResponse parts stay ahead
//   of the rest, so a user message sent right after tool results joins their turn after them.
// - message `name` and assistant `audio` are ignored; deprecated function messages are unsupported.
import type {
  GeminiContent,
  GeminiPart,
  OpenAIChatAssistantMessage,
  OpenAIChatMessage,
  OpenAIChatToolMessage,
} from "../../../generated/types/index.ts";
import { assistantText, plainText, textParts, userParts } from "./content.ts";
import type { FunctionNames } from "./function-names.ts";
import { thoughtSignatureOf } from "./tool-call-ids.ts";
import { isObject, parseJson } from "../untrusted.ts";
import type { FieldPath, UnsupportedFields } from "../unsupported-fields.ts";

type Role = "user" | "model";

export interface Conversation {
  system: GeminiPart[];
  contents: GeminiContent[];
}

interface Context {
  readonly names: FunctionNames;
  readonly unsupported: UnsupportedFields;
  /** tool_call_id → the Gemini function name of that call. */
  readonly calls: Map<string, string>;
}

export function translateMessages(messages: readonly OpenAIChatMessage[], names: FunctionNames, unsupported: UnsupportedFields): Conversation {
  const context: Context = { names, unsupported, calls: new Map() };
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  messages.forEach((message, i) => {
    const path: FieldPath = ["messages", i];
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...textParts(plainText(message.content)));
        return;
      case "user":
        return appendTurn(contents, "user", userParts(message.content, [...path, "content"], unsupported));
      case "assistant":
        return appendTurn(contents, "model", modelParts(message, path, context));
      case "tool":
        return appendTurn(contents, "user", functionResponse(message, path, context));
      case "function":
        return unsupported.note(path, "a function message (deprecated in favour of tool messages)");
    }
  });
  return { system, contents };
}

/** Adds parts as a turn of `role`, merging into the previous turn when it has the same role. */
function appendTurn(contents: GeminiContent[], role: Role, parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = contents[contents.length - 1];
  if (last?.role !== role) {
    contents.push({ role, parts });
    return;
  }
  // Function responses first: a tool message after a user message still answers the previous model turn.
  const responses = parts.filter((p) => p.functionResponse);
  const firstOther = last.parts.findIndex((p) => !p.functionResponse);
  if (firstOther < 0) last.parts.push(...responses);
  else last.parts.splice(firstOther, 0, ...responses);
  last.parts.push(...parts.filter((p) => !p.functionResponse));
}

function modelParts(message: OpenAIChatAssistantMessage, path: FieldPath, context: Context): GeminiPart[] {
  const calls = (message.tool_calls ?? []).flatMap((call, j): GeminiPart[] => {
    if (call.type !== "function") {
      context.unsupported.note([...path, "tool_calls", j], "a custom tool call");
      return [];
    }
    const name = context.names.toUpstream(call.function.name);
    context.calls.set(call.id, name);
    const signature = thoughtSignatureOf(call);
    return [{ functionCall: { name, args: functionArgs(call.function.arguments) }, ...(signature ? { thoughtSignature: signature } : {}) }];
  });
  if (message.function_call) context.unsupported.note([...path, "function_call"], "function_call (deprecated in favour of tool_calls)");
  return [...textParts(assistantText(message.content)), ...calls];
}

/** The model's JSON arguments as an object; empty or invalid JSON, or a non-object, becomes {}. */
function functionArgs(args: string): Record<string, unknown> {
  const parsed = parseJson(args);
  return isObject(parsed) ? parsed : {};
}

function functionResponse(message: OpenAIChatToolMessage, path: FieldPath, context: Context): GeminiPart[] {
  const name = context.calls.get(message.tool_call_id);
  if (name === undefined) {
    context.unsupported.note([...path, "tool_call_id"], "a tool message whose tool_call_id matches no earlier tool call");
    return [];
  }
  const text = plainText(message.content);
  const parsed = parseJson(text);
  return [{ functionResponse: { name, response: { result: isObject(parsed) ? parsed : text } } }];
}
