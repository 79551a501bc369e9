// Anthropic turns → OpenAI chat messages.
//
// - A user turn's tool_result blocks become `tool` messages placed BEFORE the rest of the turn: OpenAI
//   requires the tool messages to follow the assistant's tool_calls directly.
// - A failed tool result (is_error: true) has no field in OpenAI; its text is prefixed with "Error: " so
//   the model still sees that the call failed.
// - Thinking blocks are left out of assistant turns without being recorded as dropped: OpenAI-format
//   upstreams cannot take them back (DeepSeek rejects reasoning_content in requests), and leaving them
//   out loses nothing the upstream could use.
// - Text is a plain string wherever possible (the widest support across OpenAI-compatible servers);
//   parts only when there is an image, or a cache_control marker the route keeps.
import type {
  AnthropicCacheControl,
  AnthropicContentBlockParam,
  AnthropicImageBlockParam,
  AnthropicMessageParam,
  AnthropicTextBlockParam,
  AnthropicToolResultBlockParam,
  AnthropicToolUseBlockParam,
  OpenAIChatAssistantMessage,
  OpenAIChatContentPart,
  OpenAIChatFunctionToolCallParam,
  OpenAIChatMessage,
  OpenAIChatTextPart,
  OpenAIChatToolMessage,
} from "../../../generated/types/index.ts";
import type { ToolNameMap } from "../tool-names.ts";
import { cacheControlOf } from "./cache-control.ts";
import type { FieldPath, UnsupportedFields } from "./unsupported.ts";

export interface MessageContext {
  readonly keepCacheControl: boolean;
  readonly toolNames: ToolNameMap;
  readonly unsupported: UnsupportedFields;
}

/** Between text blocks folded into one string. */
const TEXT_JOINER = "\n\n";

function textPart(text: string, marker: AnthropicCacheControl | null | undefined, context: MessageContext): OpenAIChatTextPart {
  return context.keepCacheControl && marker ? { type: "text", text, cache_control: cacheControlOf(marker) } : { type: "text", text };
}

/** One string, unless a kept cache_control marker needs a part to sit on. */
function textContent(blocks: readonly AnthropicTextBlockParam[], context: MessageContext): string | OpenAIChatTextPart[] {
  if (context.keepCacheControl && blocks.some((block) => block.cache_control)) {
    return blocks.map((block) => textPart(block.text, block.cache_control, context));
  }
  return blocks.map((block) => block.text).join(TEXT_JOINER);
}

/** The `system` field as the first message; undefined when it is absent or empty. */
export function systemMessage(system: string | AnthropicTextBlockParam[] | undefined, context: MessageContext): OpenAIChatMessage | undefined {
  if (typeof system === "string") return system ? { role: "system", content: system } : undefined;
  const blocks = (system ?? []).filter((block) => block.text);
  return blocks.length > 0 ? { role: "system", content: textContent(blocks, context) } : undefined;
}

export function translateMessages(messages: readonly AnthropicMessageParam[], context: MessageContext): OpenAIChatMessage[] {
  const out: OpenAIChatMessage[] = [];
  messages.forEach((message, i) => {
    const path = ["messages", i, "content"];
    if (message.role === "user") out.push(...userMessages(message.content, path, context));
    else if (message.role === "assistant") {
      const assistant = assistantMessage(message.content, path, context);
      if (assistant) out.push(assistant);
    } else {
      const system = systemMessage(message.content, context);
      if (system) out.push(system);
    }
  });
  return out;
}

function userMessages(content: string | AnthropicContentBlockParam[], path: FieldPath, context: MessageContext): OpenAIChatMessage[] {
  if (typeof content === "string") return [{ role: "user", content }];
  const toolMessages: OpenAIChatToolMessage[] = [];
  const parts: OpenAIChatContentPart[] = [];
  content.forEach((block, j) => {
    switch (block.type) {
      case "text":
        parts.push(textPart(block.text, block.cache_control, context));
        break;
      case "image": {
        const part = imagePart(block, [...path, j], context);
        if (part) parts.push(part);
        break;
      }
      case "tool_result":
        toolMessages.push(toolMessage(block, [...path, j], context));
        break;
      case "thinking":
      case "redacted_thinking":
        break;
      default:
        context.unsupported.note([...path, j], `${block.type} blocks`);
    }
  });
  if (parts.length === 0) return toolMessages;
  return [...toolMessages, { role: "user", content: userContent(parts) }];
}

/** Only text without kept markers folds into a string; anything else stays parts. */
function userContent(parts: OpenAIChatContentPart[]): string | OpenAIChatContentPart[] {
  const plain = parts.every((part) => part.type === "text" && !part.cache_control);
  return plain ? parts.map((part) => (part as OpenAIChatTextPart).text).join(TEXT_JOINER) : parts;
}

function imagePart(block: AnthropicImageBlockParam, path: FieldPath, context: MessageContext): OpenAIChatContentPart | undefined {
  const { source } = block;
  if (source.type === "base64") return { type: "image_url", image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  if (source.type === "url") return { type: "image_url", image_url: { url: source.url } };
  context.unsupported.note(path, "images from the Files API");
  return undefined;
}

function toolMessage(block: AnthropicToolResultBlockParam, path: FieldPath, context: MessageContext): OpenAIChatToolMessage {
  const texts: string[] = [];
  let marker = block.cache_control;
  if (typeof block.content === "string") texts.push(block.content);
  else {
    block.content?.forEach((inner, k) => {
      if (inner.type === "text") {
        texts.push(inner.text);
        marker = inner.cache_control ?? marker;
      } else context.unsupported.note([...path, "content", k], inner.type === "image" ? "images in tool results" : `${inner.type} blocks in tool results`);
    });
  }
  let text = texts.join(TEXT_JOINER);
  if (block.is_error) text = text ? `Error: ${text}` : "Error";
  const content = context.keepCacheControl && marker ? [textPart(text, marker, context)] : text;
  return { role: "tool", tool_call_id: block.tool_use_id, content };
}

function assistantMessage(content: string | AnthropicContentBlockParam[], path: FieldPath, context: MessageContext): OpenAIChatAssistantMessage | undefined {
  if (typeof content === "string") return { role: "assistant", content };
  const texts: AnthropicTextBlockParam[] = [];
  const toolCalls: OpenAIChatFunctionToolCallParam[] = [];
  content.forEach((block, j) => {
    switch (block.type) {
      case "text":
        if (block.text) texts.push(block);
        break;
      case "tool_use":
        toolCalls.push(toolCall(block, context));
        break;
      case "thinking":
      case "redacted_thinking":
        break;
      default:
        context.unsupported.note([...path, j], `${block.type} blocks`);
    }
  });
  // A turn that was only thinking has nothing left to say upstream.
  if (texts.length === 0 && toolCalls.length === 0) return undefined;
  // OpenAI wants null, not "", beside tool calls.
  const message: OpenAIChatAssistantMessage = { role: "assistant", content: texts.length > 0 ? textContent(texts, context) : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function toolCall(block: AnthropicToolUseBlockParam, context: MessageContext): OpenAIChatFunctionToolCallParam {
  const input = block.input as unknown;
  const hasInput = typeof input === "object" && input !== null && Object.keys(input).length > 0;
  return {
    id: block.id,
    type: "function",
    function: { name: context.toolNames.toUpstream(block.name), arguments: hasInput ? JSON.stringify(input) : "{}" },
  };
}
