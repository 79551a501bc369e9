// The transcript sections of an Anthropic messages request. Tool results travel inside user messages
// there; each becomes a section of its own, in place, labelled with the name of the tool_use it answers.
// @see https://docs.anthropic.com/en/api/messages
import { arrayOf, isObject, objectOf, stringOf } from "../translate/untrusted.ts";
import { toolCallLine, toolResultLabel, type PromptSection } from "./prompt-section.ts";

/** Placeholders for blocks a text prompt cannot carry; anything not listed (thinking, server tool results) is left out. */
const PLACEHOLDERS: Readonly<Record<string, string>> = { image: "[image]", document: "[document]", search_result: "[search result]" };

export function anthropicSections(body: unknown): PromptSection[] {
  const request = objectOf(body);
  const sections: PromptSection[] = [];
  const system = blocksText(request.system);
  if (system !== "") sections.push({ label: "System", text: system });
  /** tool_use id → tool name, from the assistant turns seen so far. */
  const toolNames = new Map<string, string>();
  for (const item of arrayOf(request.messages)) {
    const message = objectOf(item);
    const label = message.role === "assistant" ? "Assistant" : message.role === "user" ? "User" : "";
    if (label === "") continue;
    let lines: string[] = [];
    const flush = () => {
      sections.push({ label, text: lines.filter((line) => line !== "").join("\n") });
      lines = [];
    };
    if (typeof message.content === "string") lines.push(message.content);
    for (const block of arrayOf(message.content)) {
      const part = objectOf(block);
      const type = stringOf(part.type);
      if (type === "tool_use" || type === "server_tool_use") {
        toolNames.set(stringOf(part.id), stringOf(part.name));
        lines.push(toolCallLine(stringOf(part.name), JSON.stringify(part.input ?? {})));
      } else if (type === "tool_result") {
        // The text before a result stays before it.
        flush();
        const id = stringOf(part.tool_use_id);
        sections.push({ label: toolResultLabel(toolNames.get(id) || id, part.is_error === true), text: blocksText(part.content) });
      } else lines.push(blockText(part));
    }
    flush();
  }
  return sections;
}

/** A string, or content blocks one per line. */
function blocksText(content: unknown): string {
  if (typeof content === "string") return content;
  return arrayOf(content)
    .map((block) => (isObject(block) ? blockText(block) : ""))
    .filter((text) => text !== "")
    .join("\n");
}

function blockText(block: Record<string, unknown>): string {
  const type = stringOf(block.type);
  if (type === "text") return stringOf(block.text);
  return PLACEHOLDERS[type] ?? "";
}
