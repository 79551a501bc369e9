// What assertions read from a client's request, in either API's shape: the last user message's text, the tool
// calls of an assistant turn, and the tool results sent back. Responses API requests reach playback already
// translated to chat completions (runtime/endpoints/responses-via-chat.ts), so two shapes cover all three.
// @see https://platform.openai.com/docs/api-reference/chat/create (messages: role "tool", tool_call_id)
// @see https://docs.anthropic.com/en/api/messages (content blocks: tool_use, tool_result)

export type RequestApi = "openai" | "anthropic";

export interface ToolResultView {
  readonly text: string;
  /** Anthropic's `is_error`; OpenAI tool messages carry no such flag (false). */
  readonly isError: boolean;
}

type Message = { role?: unknown; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown };

function messagesOf(body: unknown): readonly Message[] {
  const messages = (body as { messages?: unknown } | null)?.messages;
  return Array.isArray(messages) ? (messages as Message[]) : [];
}

/** The text of string content or of its text parts (OpenAI `{type:"text"}` parts and Anthropic text blocks alike). */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content as Array<{ type?: unknown; text?: unknown }>) {
    if (part?.type === "text" && typeof part.text === "string") text += (text === "" ? "" : "\n") + part.text;
  }
  return text;
}

/**
 * The text of the last user message that has any: a message holding only tool results (Anthropic) is what the
 * client's tools said, not what the user wrote, and is passed over. Null when no user message has text.
 */
export function lastUserText(body: unknown): string | null {
  const messages = messagesOf(body);
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message?.role !== "user") continue;
    const text = textOf(message.content);
    if (text !== "") return text;
  }
  return null;
}

/** The id the client holds for the `call`-th tool call of its `turn`-th assistant message (both 0-based). */
export function toolCallId(api: RequestApi, body: unknown, turn: number, call: number): string | null {
  let seen = 0;
  for (const message of messagesOf(body)) {
    if (message?.role !== "assistant") continue;
    if (seen++ !== turn) continue;
    const calls =
      api === "openai"
        ? Array.isArray(message.tool_calls) ? (message.tool_calls as Array<{ id?: unknown }>) : []
        : Array.isArray(message.content) ? (message.content as Array<{ type?: unknown; id?: unknown }>).filter((block) => block?.type === "tool_use") : [];
    const id = calls[call]?.id;
    return typeof id === "string" ? id : null;
  }
  return null;
}

/** The result the request carries for tool call `id`, or null. */
export function toolResult(api: RequestApi, body: unknown, id: string): ToolResultView | null {
  for (const message of messagesOf(body)) {
    if (api === "openai") {
      if (message?.role === "tool" && message.tool_call_id === id) return { text: textOf(message.content), isError: false };
    } else if (message?.role === "user" && Array.isArray(message.content)) {
      for (const block of message.content as Array<{ type?: unknown; tool_use_id?: unknown; content?: unknown; is_error?: unknown }>) {
        if (block?.type === "tool_result" && block.tool_use_id === id) return { text: textOf(block.content), isError: block.is_error === true };
      }
    }
  }
  return null;
}
