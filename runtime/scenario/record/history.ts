// What a recording reads from a request's history: which conversation it continues, and the assistant turns
// it already holds (to start a file for a conversation whose beginning was not recorded here).
//
// A conversation is recognised by its history. Each message is reduced to what a client sends back unchanged
// whatever its SDK: its role, its text (trimmed) and the ids of its tool calls and tool results. Formatting,
// `cache_control` markers that agents move from turn to turn, thinking blocks and their signatures are left
// out. The digest of a request's history up to its last assistant turn is then the digest the previous
// response's recording expected: the history it answered plus the reply it gave.
import { createHash } from "node:crypto";
import type { ToolCallSummary } from "../../streams/stream-tap.ts";

export type RecordApi = "openai" | "anthropic";

/** One history message as a conversation key sees it. */
type Reduced = string;

/** An assistant turn of a history, as readable events are written from it. */
export interface HistoryTurn {
  readonly text: string;
  readonly reasoning: string;
  readonly toolCalls: readonly ToolCallSummary[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === "string" ? value : "");

/** The text of a content value: a string, or the text of its parts/blocks (images as a marker). */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part.type === "text" || part.type === "input_text") text += str(part.text);
    else if (part.type === "image" || part.type === "image_url") text += "[image]";
  }
  return text;
}

function reduce(role: string, text: string, ids: readonly string[]): Reduced {
  return `${role}\u001f${text.trim()}\u001f${ids.join(",")}`;
}

/** The request's messages, reduced, with the system prompt first (Anthropic keeps it apart). */
export function reduceHistory(api: RecordApi, body: unknown): Reduced[] {
  if (!isObject(body)) return [];
  const out: Reduced[] = [];
  if (api === "anthropic" && body.system !== undefined) out.push(reduce("system", contentText(body.system), []));
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (!isObject(message)) continue;
    const role = str(message.role);
    const ids: string[] = [];
    if (api === "openai") {
      if (Array.isArray(message.tool_calls)) for (const call of message.tool_calls) if (isObject(call)) ids.push(str(call.id));
      if (typeof message.tool_call_id === "string") ids.push(message.tool_call_id);
      out.push(reduce(role, contentText(message.content), ids));
      continue;
    }
    let text = contentText(message.content);
    if (Array.isArray(message.content)) {
      for (const block of message.content) {
        if (!isObject(block)) continue;
        if (block.type === "tool_use") ids.push(str(block.id));
        else if (block.type === "tool_result") {
          ids.push(str(block.tool_use_id));
          text += contentText(block.content);
        }
      }
    }
    out.push(reduce(role, text, ids));
  }
  return out;
}

/** An assistant reply as it will appear in the next request's history. */
export function reduceReply(text: string, toolCalls: readonly ToolCallSummary[]): Reduced {
  return reduce("assistant", text, toolCalls.map((call) => call.id));
}

/** Assistant turns in a reduced history. */
export function assistantTurns(history: readonly Reduced[]): number {
  let turns = 0;
  for (const message of history) if (message.startsWith("assistant\u001f")) turns++;
  return turns;
}

/** The messages up to and including the last assistant turn (empty when there is none). */
export function throughLastAssistant(history: readonly Reduced[]): Reduced[] {
  for (let i = history.length - 1; i >= 0; i--) if (history[i]!.startsWith("assistant\u001f")) return history.slice(0, i + 1);
  return [];
}

/** The key of a history within one session of one route. */
export function historyDigest(session: string, history: readonly Reduced[]): string {
  const hash = createHash("sha256").update(session).update("\u001e");
  for (const message of history) hash.update(message).update("\u001e");
  return hash.digest("hex");
}

/** The assistant turns of a request's history, in order, for a file that starts mid-conversation. */
export function historyTurns(api: RecordApi, body: unknown): HistoryTurn[] {
  const messages = isObject(body) && Array.isArray(body.messages) ? body.messages : [];
  const turns: HistoryTurn[] = [];
  for (const message of messages) {
    if (!isObject(message) || message.role !== "assistant") continue;
    const toolCalls: ToolCallSummary[] = [];
    let reasoning = "";
    if (api === "openai") {
      if (Array.isArray(message.tool_calls)) {
        for (const call of message.tool_calls) {
          if (!isObject(call)) continue;
          const fn = isObject(call.function) ? call.function : {};
          toolCalls.push({ id: str(call.id), name: str(fn.name), arguments: str(fn.arguments) });
        }
      }
    } else if (Array.isArray(message.content)) {
      for (const block of message.content) {
        if (!isObject(block)) continue;
        if (block.type === "tool_use") toolCalls.push({ id: str(block.id), name: str(block.name), arguments: JSON.stringify(isObject(block.input) ? block.input : {}) });
        else if (block.type === "thinking") reasoning += str(block.thinking);
      }
    }
    turns.push({ text: contentText(message.content), reasoning, toolCalls });
  }
  return turns;
}

/** The last user message's text, for the comment above a response (what it answers). */
export function lastUserText(api: RecordApi, body: unknown): string {
  const messages = isObject(body) && Array.isArray(body.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (!isObject(message)) continue;
    if (message.role === "tool") return `[tool result] ${contentText(message.content)}`;
    if (message.role !== "user") continue;
    if (api === "anthropic" && Array.isArray(message.content) && message.content.some((b) => isObject(b) && b.type === "tool_result")) {
      return `[tool result] ${message.content.map((b) => (isObject(b) && b.type === "tool_result" ? contentText(b.content) : "")).join(" ")}`;
    }
    return contentText(message.content);
  }
  return "";
}
