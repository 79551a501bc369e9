// Responses `instructions` + `input` → chat completions `messages`.
//
// - instructions become a leading system message; developer messages become system messages too, the role
//   every OpenAI-compatible server knows (OpenAI itself treats them alike for chat models).
// - Consecutive assistant output (message items and function_call items of one turn) folds into one
//   assistant message: text as content, calls as tool_calls. Reasoning items are left out for chat
//   upstreams (DeepSeek's reasoner rejects reasoning_content in its input; others ignore it). When chat is
//   only the middle of a composition (to Anthropic), they become reasoning_content plus, for encrypted_content
//   we wrote (a thinking block's signature, see ../responses/envelope.ts), the thinking block itself, so the
//   next turn reaches Anthropic signed.
// - function_call_output becomes a tool message; input_image an image_url part (https or data: URL).
// - Everything chat cannot express (file ids, input_file, item_reference, built-in tool calls) goes through
//   the unsupported policy.
import type {
  OpenAIChatAssistantMessage,
  OpenAIChatContentPart,
  OpenAIChatMessage,
  OpenAIChatThinkingBlock,
  OpenAIResponsesContentPart,
  OpenAIResponsesInputItem,
  OpenAIResponsesRequest,
} from "../../../generated/types/index.ts";
import type { UnsupportedFields } from "../unsupported-fields.ts";
import { REDACTED_PREFIX, THINKING_PREFIX } from "../responses/envelope.ts";

interface Loose {
  readonly [key: string]: unknown;
}

/** `keepReasoning`: chat is the middle of a composition whose next translator reads reasoning and thinking blocks. */
export function translateInput(body: OpenAIResponsesRequest, unsupported: UnsupportedFields, keepReasoning: boolean): OpenAIChatMessage[] {
  const messages: OpenAIChatMessage[] = [];
  if (typeof body.instructions === "string" && body.instructions !== "") messages.push({ role: "system", content: body.instructions });
  const input = body.input;
  if (typeof input === "string") {
    messages.push({ role: "user", content: input });
    return messages;
  }
  /** The assistant message the current turn's items fold into; null once another role spoke. */
  let turn: OpenAIChatAssistantMessage | null = null;
  const assistantTurn = (): OpenAIChatAssistantMessage => {
    if (turn === null) {
      turn = { role: "assistant", content: null };
      messages.push(turn);
    }
    return turn;
  };
  (input ?? []).forEach((item: OpenAIResponsesInputItem, i) => {
    const loose = item as unknown as Loose;
    const type = typeof loose.type === "string" ? loose.type : "message";
    switch (type) {
      case "message": {
        const message = item as Extract<OpenAIResponsesInputItem, { role: unknown }>;
        if (message.role === "assistant") {
          const current = assistantTurn();
          const text = assistantText(message.content, ["input", i, "content"], unsupported);
          if (text.refusal) current.refusal = (current.refusal ?? "") + text.refusal;
          if (text.content) current.content = (typeof current.content === "string" ? current.content : "") + text.content;
          return;
        }
        turn = null;
        const role = message.role === "user" ? "user" : "system";
        if (typeof message.content === "string") {
          messages.push({ role, content: message.content });
          return;
        }
        if (role === "system") {
          messages.push({ role, content: partsText(message.content, ["input", i, "content"], unsupported) });
          return;
        }
        messages.push({ role, content: userParts(message.content, ["input", i, "content"], unsupported) });
        return;
      }
      case "function_call": {
        const call = item as Extract<OpenAIResponsesInputItem, { type: "function_call" }>;
        const current = assistantTurn();
        (current.tool_calls ??= []).push({ id: call.call_id, type: "function", function: { name: call.name, arguments: call.arguments } });
        return;
      }
      case "function_call_output": {
        const result = item as Extract<OpenAIResponsesInputItem, { type: "function_call_output" }>;
        turn = null;
        const content = typeof result.output === "string" ? result.output : partsText(result.output, ["input", i, "output"], unsupported);
        messages.push({ role: "tool", tool_call_id: result.call_id, content });
        return;
      }
      case "reasoning": {
        if (!keepReasoning) return;
        const reasoning = item as Extract<OpenAIResponsesInputItem, { type: "reasoning" }>;
        const text = (reasoning.summary ?? []).map((s) => s.text).join("\n\n") || (reasoning.content ?? []).map((c) => c.text).join("");
        const block = thinkingBlock(reasoning.encrypted_content, text);
        if (text === "" && block === null) return;
        const current = assistantTurn();
        if (text !== "") current.reasoning_content = (current.reasoning_content ? current.reasoning_content + "\n\n" : "") + text;
        if (block !== null) (current.thinking_blocks ??= []).push(block);
        return;
      }
      default:
        unsupported.note(["input", i], `input item of type ${type}`);
    }
  });
  return messages;
}

/** A reasoning item's encrypted_content as the thinking block our own translation put there; null for any other. */
function thinkingBlock(encrypted: string | null | undefined, text: string): OpenAIChatThinkingBlock | null {
  if (typeof encrypted !== "string" || encrypted === "") return null;
  if (encrypted.startsWith(REDACTED_PREFIX)) return { type: "redacted_thinking", data: encrypted.slice(REDACTED_PREFIX.length) };
  if (encrypted.startsWith(THINKING_PREFIX)) return { type: "thinking", thinking: text, signature: encrypted.slice(THINKING_PREFIX.length) };
  return null; // another provider's encrypted reasoning (OpenAI's): Anthropic cannot verify it
}

function userParts(parts: OpenAIResponsesContentPart[], path: (string | number)[], unsupported: UnsupportedFields): OpenAIChatContentPart[] {
  const out: OpenAIChatContentPart[] = [];
  parts.forEach((part, j) => {
    const loose = part as unknown as Loose;
    switch (loose.type) {
      case "input_text":
      case "output_text":
        out.push({ type: "text", text: String(loose.text ?? "") });
        return;
      case "input_image": {
        if (typeof loose.image_url !== "string" || loose.image_url === "") {
          unsupported.note([...path, j], "input_image by file_id");
          return;
        }
        const detail = loose.detail === "low" || loose.detail === "high" || loose.detail === "auto" ? { detail: loose.detail } : {};
        out.push({ type: "image_url", image_url: { url: loose.image_url, ...detail } });
        return;
      }
      default:
        unsupported.note([...path, j], `${String(loose.type)} content`);
    }
  });
  return out;
}

/** Text parts joined, for roles whose content is text only (system, tool results). */
function partsText(parts: OpenAIResponsesContentPart[], path: (string | number)[], unsupported: UnsupportedFields): string {
  let text = "";
  parts.forEach((part, j) => {
    const loose = part as unknown as Loose;
    if ((loose.type === "input_text" || loose.type === "output_text") && typeof loose.text === "string") text += loose.text;
    else unsupported.note([...path, j], `${String(loose.type)} content here`);
  });
  return text;
}

function assistantText(content: string | OpenAIResponsesContentPart[], path: (string | number)[], unsupported: UnsupportedFields): { content: string; refusal: string } {
  if (typeof content === "string") return { content, refusal: "" };
  let text = "";
  let refusal = "";
  content.forEach((part, j) => {
    const loose = part as unknown as Loose;
    if ((loose.type === "output_text" || loose.type === "input_text") && typeof loose.text === "string") text += loose.text;
    else if (loose.type === "refusal" && typeof loose.refusal === "string") refusal += loose.refusal;
    else unsupported.note([...path, j], `${String(loose.type)} content in an assistant message`);
  });
  return { content: text, refusal };
}
