// The transcript sections of an OpenAI chat completions request. System and developer messages are
// gathered into one System section at the top; tool results are labelled with the tool's name, found
// through the assistant tool call they answer.
// @see https://platform.openai.com/docs/api-reference/chat/create
import { arrayOf, objectOf, stringOf } from "../translate/untrusted.ts";
import { toolCallLine, toolResultLabel, type PromptSection } from "./prompt-section.ts";

/** Placeholders for content parts a text prompt cannot carry. */
const PLACEHOLDERS: Readonly<Record<string, string>> = { image_url: "[image]", input_audio: "[audio]", file: "[file]" };

export function openaiSections(body: unknown): PromptSection[] {
  const system: string[] = [];
  const turns: PromptSection[] = [];
  /** Tool call id → tool name, from the assistant turns seen so far. */
  const toolNames = new Map<string, string>();
  for (const item of arrayOf(objectOf(body).messages)) {
    const message = objectOf(item);
    switch (message.role) {
      case "system":
      case "developer":
        system.push(contentText(message.content));
        break;
      case "user":
        turns.push({ label: "User", text: contentText(message.content) });
        break;
      case "assistant": {
        const lines = [contentText(message.content) || stringOf(message.refusal)];
        for (const call of arrayOf(message.tool_calls)) {
          const fn = objectOf(objectOf(call).function);
          toolNames.set(stringOf(objectOf(call).id), stringOf(fn.name));
          lines.push(toolCallLine(stringOf(fn.name), stringOf(fn.arguments)));
        }
        // The deprecated single function call.
        const legacy = objectOf(message.function_call);
        if (stringOf(legacy.name) !== "") lines.push(toolCallLine(stringOf(legacy.name), stringOf(legacy.arguments)));
        turns.push({ label: "Assistant", text: lines.filter((line) => line !== "").join("\n") });
        break;
      }
      case "tool": {
        const id = stringOf(message.tool_call_id);
        turns.push({ label: toolResultLabel(toolNames.get(id) || id, false), text: contentText(message.content) });
        break;
      }
      case "function":
        turns.push({ label: toolResultLabel(stringOf(message.name), false), text: contentText(message.content) });
        break;
    }
  }
  const systemText = system.filter((text) => text !== "").join("\n\n");
  return systemText === "" ? turns : [{ label: "System", text: systemText }, ...turns];
}

/** A message's content: a string, or its parts one per line (text as is, media as placeholders). */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  const parts: string[] = [];
  for (const item of arrayOf(content)) {
    const part = objectOf(item);
    const type = stringOf(part.type);
    if (type === "text") parts.push(stringOf(part.text));
    else if (type === "refusal") parts.push(stringOf(part.refusal));
    else if (PLACEHOLDERS[type] !== undefined) parts.push(PLACEHOLDERS[type]);
  }
  return parts.filter((part) => part !== "").join("\n");
}
