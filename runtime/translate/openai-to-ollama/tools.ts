// OpenAI tools and tool_choice → Ollama's tools. Ollama takes OpenAI's function tool shape as is, with no
// name limit, so names pass unchanged and nothing maps back; `strict` is ignored (the tool still works,
// without OpenAI's guarantee that arguments match the schema).
//
// Ollama has no tool_choice: the model always decides. "auto" is that already; "none" is expressed by
// sending no tools at all (earlier calls and results in the conversation stay). Forcing a call (required,
// a named function, allowed_tools) and parallel_tool_calls: false cannot be honoured and are unsupported.
// @see https://ollama.com/blog/streaming-tool
import type { OllamaChatTool, OpenAIChatRequest } from "../../../generated/types/index.ts";
import type { UnsupportedFields } from "../unsupported-fields.ts";

/** A parameterless tool: OpenAI lets it omit `parameters`; Ollama's templates expect an object schema. */
const NO_PARAMETERS = { type: "object", properties: {} };

export function translateTools(body: OpenAIChatRequest, unsupported: UnsupportedFields): OllamaChatTool[] {
  const choice = body.tool_choice;
  if (choice === "none") return [];
  if (choice === "required") unsupported.noteValue(["tool_choice"], choice);
  else if (typeof choice === "object") unsupported.note(["tool_choice"], `a tool_choice of type ${choice.type}`);
  const tools = (body.tools ?? []).flatMap((tool, i): OllamaChatTool[] => {
    if (tool.type !== "function") {
      unsupported.note(["tools", i], "a custom (free-form input) tool");
      return [];
    }
    const { name, description, parameters } = tool.function;
    return [{ type: "function", function: { name, ...(description !== undefined ? { description } : {}), parameters: parameters ?? NO_PARAMETERS } }];
  });
  if (tools.length > 0 && body.parallel_tool_calls === false) unsupported.noteValue(["parallel_tool_calls"], false);
  return tools;
}
