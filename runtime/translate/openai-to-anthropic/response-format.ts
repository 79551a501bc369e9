// response_format has no direct Anthropic counterpart in the messages API this gateway targets, so JSON
// output is asked for in words: one more system text block, with the schema when the client gave one.
// The model follows it reliably but without OpenAI's guarantee; `text` is the default and asks for nothing.
import type { AnthropicTextBlockParam, OpenAIChatResponseFormat } from "../../../generated/types/index.ts";

export const JSON_INSTRUCTION = "Respond with a single JSON object only, no prose.";

export function responseFormatInstruction(format: OpenAIChatResponseFormat | undefined): AnthropicTextBlockParam[] {
  if (format?.type === "json_object") return [{ type: "text", text: JSON_INSTRUCTION }];
  if (format?.type !== "json_schema") return [];
  const { name, description, schema } = format.json_schema;
  const about = description ? ` (${description})` : "";
  const text = schema ? `${JSON_INSTRUCTION} It must match the JSON Schema "${name}"${about}:\n${JSON.stringify(schema)}` : JSON_INSTRUCTION;
  return [{ type: "text", text }];
}
