// The OpenAI conversation → Ollama messages, one for one and in order (Ollama takes system turns anywhere
// and needs no user/assistant alternation).
//
// - developer messages become system messages: Ollama has no developer role.
// - assistant tool calls keep name and arguments, the arguments as the JSON object Ollama wants (empty or
//   invalid JSON, or a non-object, becomes {}). Ollama's tool calls carry no ids, so a tool message says
//   which tool answered by `tool_name`: the name of the call with its tool_call_id earlier in the
//   conversation (left out when no such call exists).
// - an assistant turn's `reasoning_content` (or OpenRouter's `reasoning`) goes back as `thinking`, which
//   thinking models' templates render for earlier turns. Anthropic `thinking_blocks` are not sent: their
//   text is only meaningful to Anthropic, with its signature.
// - message `name`, assistant `refusal` (the field; refusal parts become text) and `audio` are ignored.
import type { OpenAIChatAssistantMessage, OpenAIChatMessage, OllamaChatMessage, OllamaChatToolCall } from "../../../generated/types/index.ts";
import { assistantText, joinText, userContent } from "./content.ts";
import { isObject, parseJson } from "../untrusted.ts";
import type { FieldPath, UnsupportedFields } from "../unsupported-fields.ts";

export function translateMessages(messages: readonly OpenAIChatMessage[], unsupported: UnsupportedFields): OllamaChatMessage[] {
  /** tool_call_id → function name, from the assistant turns seen so far. */
  const callNames = new Map<string, string>();
  return messages.flatMap((message, i): OllamaChatMessage[] => {
    const path: FieldPath = ["messages", i];
    switch (message.role) {
      case "system":
      case "developer":
        return [{ role: "system", content: joinText(message.content) }];
      case "user": {
        const { content, images } = userContent(message.content, [...path, "content"], unsupported);
        return [images.length > 0 ? { role: "user", content, images } : { role: "user", content }];
      }
      case "assistant":
        return [assistantMessage(message, path, callNames, unsupported)];
      case "tool": {
        const name = callNames.get(message.tool_call_id);
        const content = joinText(message.content);
        return [name === undefined ? { role: "tool", content } : { role: "tool", content, tool_name: name }];
      }
      case "function":
        unsupported.note(path, "a function message (deprecated in favour of tool messages)");
        return [];
    }
  });
}

function assistantMessage(message: OpenAIChatAssistantMessage, path: FieldPath, callNames: Map<string, string>, unsupported: UnsupportedFields): OllamaChatMessage {
  const calls = (message.tool_calls ?? []).flatMap((call, j): OllamaChatToolCall[] => {
    if (call.type !== "function") {
      unsupported.note([...path, "tool_calls", j], "a custom tool call");
      return [];
    }
    callNames.set(call.id, call.function.name);
    return [{ function: { name: call.function.name, arguments: toolArguments(call.function.arguments) } }];
  });
  if (message.function_call) unsupported.note([...path, "function_call"], "function_call (deprecated in favour of tool_calls)");
  const thinking = message.reasoning_content || message.reasoning;
  return {
    role: "assistant",
    // OpenAI allows null content beside tool calls; Ollama's content is always a string.
    content: assistantText(message.content),
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
    ...(thinking ? { thinking } : {}),
  };
}

/** The model's JSON arguments as an object; empty or invalid JSON, or a non-object, becomes {}. */
function toolArguments(args: string): Record<string, unknown> {
  const parsed = parseJson(args);
  return isObject(parsed) ? parsed : {};
}
