// The OpenAI conversation → Anthropic's top-level system prompt plus alternating user/assistant turns.
//
// - system and developer messages, wherever they appear, are hoisted into `system` in order (Anthropic has
//   no mid-conversation system turn).
// - tool messages become tool_result blocks of a user turn; ids are kept, so every tool_use still pairs
//   with its tool_result.
// - consecutive turns of the same role merge into one (Anthropic requires alternation); in a user turn the
//   tool_result blocks stay ahead of other content, as Anthropic requires, so a user message right after
//   tool results joins their turn after them.
// - an assistant turn is its thinking blocks (exactly as received, signature included), then its text, then
//   its tool calls. `reasoning_content` / `reasoning` without thinking blocks (another provider's reasoning)
//   is dropped without a note: Anthropic rejects thinking without its signature, and it leaves earlier
//   turns' thinking out of the model's context anyway.
// - message `name`, assistant `refusal` (the message field; refusal parts become text) and `audio` are
//   ignored: Anthropic has no per-message name, and audio replies are rejected earlier (modalities).
import type {
  AnthropicContentBlockParam,
  AnthropicMessageParam,
  AnthropicTextBlockParam,
  AnthropicThinkingBlockParam,
  AnthropicToolResultBlockParam,
  AnthropicToolUseBlockParam,
  OpenAIChatAssistantMessage,
  OpenAIChatMessage,
  OpenAIChatToolMessage,
} from "../../../generated/types/index.ts";
import { assistantTextBlocks, textBlocks, userBlocks } from "./content.ts";
import { isObject, parseJson } from "../untrusted.ts";
import type { FieldPath, UnsupportedFields } from "../unsupported-fields.ts";

type Role = "user" | "assistant";
type Turn = { role: Role; content: AnthropicContentBlockParam[] };

export interface Conversation {
  /** System and developer text, in order; the request decides whether it is a string or blocks. */
  system: AnthropicTextBlockParam[];
  messages: AnthropicMessageParam[];
}

export function translateMessages(messages: readonly OpenAIChatMessage[], unsupported: UnsupportedFields): Conversation {
  const system: AnthropicTextBlockParam[] = [];
  const turns: Turn[] = [];
  messages.forEach((message, i) => {
    const path: FieldPath = ["messages", i];
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...textBlocks(message.content));
        return;
      case "user":
        return appendTurn(turns, "user", userBlocks(message.content, [...path, "content"], unsupported));
      case "assistant":
        return appendTurn(turns, "assistant", assistantBlocks(message, path, unsupported));
      case "tool":
        return appendTurn(turns, "user", [toolResult(message)]);
      case "function":
        return unsupported.note(path, "a function message (deprecated in favour of tool messages)");
    }
  });
  return { system, messages: turns.map(compactTurn) };
}

/** Adds blocks as a turn of `role`, merging into the previous turn when it has the same role. */
function appendTurn(turns: Turn[], role: Role, blocks: AnthropicContentBlockParam[]): void {
  if (blocks.length === 0) return;
  const last = turns[turns.length - 1];
  if (last?.role !== role) {
    turns.push({ role, content: blocks });
    return;
  }
  // Tool results first: a tool message after a user message still answers the previous assistant turn.
  const results = blocks.filter((b) => b.type === "tool_result");
  const others = blocks.filter((b) => b.type !== "tool_result");
  const firstOther = last.content.findIndex((b) => b.type !== "tool_result");
  if (firstOther < 0) last.content.push(...results);
  else last.content.splice(firstOther, 0, ...results);
  last.content.push(...others);
}

function assistantBlocks(message: OpenAIChatAssistantMessage, path: FieldPath, unsupported: UnsupportedFields): AnthropicContentBlockParam[] {
  // Anthropic validates the signature against the exact block, so it goes back untouched.
  const thinking = (message.thinking_blocks ?? []) as AnthropicThinkingBlockParam[];
  const calls = (message.tool_calls ?? []).flatMap((call, j): AnthropicToolUseBlockParam[] => {
    if (call.type === "function") return [{ type: "tool_use", id: call.id, name: call.function.name, input: toolInput(call.function.arguments) }];
    unsupported.note([...path, "tool_calls", j], "a custom tool call");
    return [];
  });
  if (message.function_call) unsupported.note([...path, "function_call"], "function_call (deprecated in favour of tool_calls)");
  return [...thinking, ...assistantTextBlocks(message.content), ...calls];
}

/** The model's JSON arguments as an object; empty or invalid JSON, or a non-object, becomes {}. */
function toolInput(args: string): Record<string, unknown> {
  const input = parseJson(args);
  return isObject(input) ? input : {};
}

/** String content as is, parts as text blocks; an empty result has no content (Anthropic's field is optional). */
function toolResult(message: OpenAIChatToolMessage): AnthropicToolResultBlockParam {
  const result: AnthropicToolResultBlockParam = { type: "tool_result", tool_use_id: message.tool_call_id };
  const content = typeof message.content === "string" ? message.content : textBlocks(message.content);
  return content.length > 0 ? { ...result, content } : result;
}

/** A turn that is one plain text block is sent as a string, the shape clients write by hand. */
function compactTurn(turn: Turn): AnthropicMessageParam {
  const only = turn.content.length === 1 ? turn.content[0] : undefined;
  if (only?.type === "text" && !only.cache_control) return { role: turn.role, content: only.text };
  return turn;
}
