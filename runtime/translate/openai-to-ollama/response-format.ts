// response_format → Ollama's `format`: "json" constrains the reply to a JSON object, a JSON Schema to that
// schema (Ollama's structured outputs, enforced by grammar as OpenAI's strict mode is). A json_schema
// without a schema can only ask for JSON; `text` is the default and asks for nothing.
// @see https://ollama.com/blog/structured-outputs
import type { OllamaChatRequest, OpenAIChatResponseFormat } from "../../../generated/types/index.ts";

export function translateResponseFormat(format: OpenAIChatResponseFormat | undefined): OllamaChatRequest["format"] {
  if (format?.type === "json_object") return "json";
  if (format?.type === "json_schema") return format.json_schema.schema ?? "json";
  return undefined;
}
