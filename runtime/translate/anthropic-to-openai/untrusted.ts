// Readers for upstream data, which is not trusted to match its schema: every reader returns an empty
// value for a missing or mistyped field instead of throwing.

export type Loose = Record<string, unknown>;

export function isObject(value: unknown): value is Loose {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `value` as an object, or an empty one. */
export function objectOf(value: unknown): Loose {
  return isObject(value) ? value : {};
}

/** The JSON object in `text`, or undefined for invalid JSON and non-objects. */
export function parseObject(text: string): Loose | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Message text: a string, or the text parts of an array (Mistral's reasoning models answer with parts).
 * "" for anything else.
 */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) if (isObject(part) && part.type === "text" && typeof part.text === "string") text += part.text;
  return text;
}

/** Chain of thought: DeepSeek and vLLM say `reasoning_content`, OpenRouter `reasoning`; some send both, same text. */
export function reasoningOf(message: Loose): string {
  if (typeof message.reasoning_content === "string" && message.reasoning_content) return message.reasoning_content;
  return typeof message.reasoning === "string" ? message.reasoning : "";
}

/** Tool arguments as a JSON string: usually one already, an object from some Ollama versions. */
export function argumentsText(value: unknown): string {
  if (typeof value === "string") return value;
  return isObject(value) ? JSON.stringify(value) : "";
}

/** A tool_use input: the arguments' JSON object, {} when they are empty, invalid or not an object. */
export function toolInput(value: unknown): Record<string, unknown> {
  if (isObject(value)) return value;
  return typeof value === "string" ? (parseObject(value) ?? {}) : {};
}

/** An id for a tool call the upstream sent without one, in the characters Anthropic allows in tool ids. */
export function fallbackToolId(responseId: string, n: number): string {
  return `toolu_${responseId.replace(/[^a-zA-Z0-9_-]/g, "_")}_${n}`;
}
