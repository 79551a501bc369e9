// OpenAI tools and tool_choice → Anthropic's. Names pass unchanged: Anthropic accepts every name OpenAI
// does (1–64 of [a-zA-Z0-9_-]), so there is nothing to map back. `strict` is ignored: the tool still
// works, without OpenAI's guarantee that arguments match the schema.
// @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use
import type { AnthropicCustomTool, AnthropicToolChoice, AnthropicToolInputSchema, OpenAIChatRequest } from "../../../generated/types/index.ts";
import type { UnsupportedFields } from "../unsupported-fields.ts";

const EMPTY_SCHEMA: AnthropicToolInputSchema = { type: "object", properties: {} };

export function translateTools(body: OpenAIChatRequest, unsupported: UnsupportedFields): AnthropicCustomTool[] {
  return (body.tools ?? []).flatMap((tool, i): AnthropicCustomTool[] => {
    if (tool.type !== "function") {
      unsupported.note(["tools", i], "a custom (free-form input) tool");
      return [];
    }
    const { name, description, parameters } = tool.function;
    return [
      {
        name,
        ...(description !== undefined ? { description } : {}),
        input_schema: inputSchema(parameters),
        ...(tool.cache_control ? { cache_control: tool.cache_control } : {}),
      },
    ];
  });
}

/** Anthropic requires an object schema with `type: "object"`; OpenAI lets a parameterless tool omit it. */
function inputSchema(parameters: Record<string, unknown> | undefined): AnthropicToolInputSchema {
  if (!parameters) return EMPTY_SCHEMA;
  return { type: "object", ...parameters } as AnthropicToolInputSchema;
}

/**
 * tool_choice, with `parallel_tool_calls: false` as `disable_parallel_tool_use` (on auto when the client
 * named no choice). Only sent when there are tools: Anthropic rejects a tool_choice without them.
 */
export function translateToolChoice(body: OpenAIChatRequest, hasTools: boolean, unsupported: UnsupportedFields): AnthropicToolChoice | undefined {
  const choice = body.tool_choice;
  let translated: AnthropicToolChoice | undefined;
  if (choice === "auto") translated = { type: "auto" };
  else if (choice === "none") translated = { type: "none" };
  else if (choice === "required") translated = { type: "any" };
  else if (choice?.type === "function") translated = { type: "tool", name: choice.function.name };
  else if (choice) unsupported.note(["tool_choice"], `tool_choice of type ${choice.type}`);
  if (!hasTools) return undefined;
  if (body.parallel_tool_calls === false) {
    translated ??= { type: "auto" };
    // tool_choice none calls no tools at all, so there is nothing to serialise.
    if (translated.type !== "none") translated = { ...translated, disable_parallel_tool_use: true };
  }
  return translated;
}
